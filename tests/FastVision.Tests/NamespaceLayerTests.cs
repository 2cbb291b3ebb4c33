using System.Reflection;
using System.Reflection.Emit;
using FastVision.Training;

namespace FastVision.Tests;

/// <summary>
/// The library's namespaces are layers (Core → Native → Metrics → Models → Data → Training → Callbacks → Inference →
/// Interpretation → Reporting): read from the compiled assembly — signatures and every type or member a method body
/// names — no namespace may reach one that reaches it back, directly or through others.
/// </summary>
public class NamespaceLayerTests
{
    /// <summary>Lowest first: each may use only those before it (README, "Architecture of the code").</summary>
    private static readonly string[] Layers = ["Core", "Native", "Metrics", "Models", "Data", "Training", "Callbacks", "Inference", "Interpretation", "Reporting"];

    [Fact]
    public void TheLibrarysNamespacesHaveNoCycle()
    {
        var edges = Uses();
        var cycle = FindCycle(edges);
        Assert.True(cycle is null, cycle is null ? "" :
            "namespace cycle: " + string.Join(" -> ", cycle) + "\n" +
            string.Join("\n", cycle.Zip(cycle.Skip(1)).Select(p => "  " + edges[p.First][p.Second])));
    }

    [Fact]
    public void EachNamespaceUsesOnlyTheLayersBelowIt()
    {
        var upward = Uses().SelectMany(e => e.Value.Where(t => Array.IndexOf(Layers, t.Key) >= Array.IndexOf(Layers, e.Key)).Select(t => t.Value)).ToList();
        Assert.True(upward.Count == 0, "uses of a layer above (or unlisted):\n  " + string.Join("\n  ", upward));
        Assert.All(Uses().Keys, ns => Assert.Contains(ns, Layers));
    }

    private static Dictionary<string, Dictionary<string, string>> Uses()
    {
        var assembly = typeof(Learner).Assembly;
        var edges = new Dictionary<string, Dictionary<string, string>>(); // from → (to → an example of the use)
        foreach (var type in assembly.GetTypes())
        {
            var from = LayerOf(type, assembly);
            if (from is null) continue;
            foreach (var (used, via) in References(type))
            {
                var to = LayerOf(used, assembly);
                if (to is null || to == from) continue;
                var targets = edges.TryGetValue(from, out var t) ? t : edges[from] = [];
                targets.TryAdd(to, $"{type.FullName} uses {used.FullName} ({via})");
            }
        }
        return edges;
    }

    private static string? LayerOf(Type type, Assembly assembly)
    {
        while (type.IsNested) type = type.DeclaringType!;
        if (type.Assembly != assembly || type.Namespace is not { } ns || !ns.StartsWith("FastVision", StringComparison.Ordinal)) return null;
        return ns == "FastVision" ? "Core" : ns["FastVision.".Length..].Split('.')[0];
    }

    private const BindingFlags Declared = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    private static IEnumerable<(Type Type, string Via)> References(Type type)
    {
        if (type.BaseType is { } b) foreach (var t in Expand(b)) yield return (t, "base type");
        foreach (var i in type.GetInterfaces()) foreach (var t in Expand(i)) yield return (t, "interface");
        foreach (var f in type.GetFields(Declared)) foreach (var t in Expand(f.FieldType)) yield return (t, $"field {f.Name}");
        foreach (var p in type.GetProperties(Declared)) foreach (var t in Expand(p.PropertyType)) yield return (t, $"property {p.Name}");
        foreach (var m in type.GetMethods(Declared).Cast<MethodBase>().Concat(type.GetConstructors(Declared)))
        {
            var signature = m.GetParameters().Select(p => p.ParameterType);
            if (m is MethodInfo mi) signature = signature.Append(mi.ReturnType);
            foreach (var s in signature) foreach (var t in Expand(s)) yield return (t, $"signature of {m.Name}");
            foreach (var t in BodyReferences(m)) foreach (var e in Expand(t)) yield return (e, $"body of {m.Name}");
        }
    }

    /// <summary>A type with its element and generic argument types.</summary>
    private static IEnumerable<Type> Expand(Type type)
    {
        if (type.HasElementType) { foreach (var t in Expand(type.GetElementType()!)) yield return t; yield break; }
        if (type.IsGenericParameter) yield break;
        yield return type;
        if (type.IsGenericType) foreach (var a in type.GetGenericArguments()) foreach (var t in Expand(a)) yield return t;
    }

    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => (OpCode)f.GetValue(null)!).ToDictionary(o => o.Value);

    /// <summary>The types and the declaring types of the members that a method's IL names (calls, fields, typeof, casts, new).</summary>
    private static IEnumerable<Type> BodyReferences(MethodBase method)
    {
        var il = method.GetMethodBody()?.GetILAsByteArray();
        if (il is null) yield break;
        var typeArgs = method.DeclaringType is { IsGenericType: true } d ? d.GetGenericArguments() : null;
        var methodArgs = method.IsGenericMethod ? method.GetGenericArguments() : null;
        for (int pos = 0; pos < il.Length;)
        {
            short value = il[pos] == 0xFE ? (short)(0xFE00 | il[pos + 1]) : il[pos];
            pos += il[pos] == 0xFE ? 2 : 1;
            var op = OpCodesByValue[value];
            int operand = op.OperandType switch
            {
                OperandType.InlineNone => 0,
                OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
                OperandType.InlineVar => 2,
                OperandType.InlineI8 or OperandType.InlineR => 8,
                OperandType.InlineSwitch => 4 + 4 * BitConverter.ToInt32(il, pos),
                _ => 4,
            };
            if (op.OperandType is OperandType.InlineField or OperandType.InlineMethod or OperandType.InlineTok or OperandType.InlineType)
            {
                Type? found = null;
                try
                {
                    var member = method.Module.ResolveMember(BitConverter.ToInt32(il, pos), typeArgs, methodArgs);
                    found = member as Type ?? member?.DeclaringType;
                }
                catch (ArgumentException) { } // a token of another generic context: its signature types are counted elsewhere
                if (found is not null) yield return found;
            }
            pos += operand;
        }
    }

    private static List<string>? FindCycle(Dictionary<string, Dictionary<string, string>> edges)
    {
        var state = new Dictionary<string, int>(); // 1: on the path, 2: done
        var path = new List<string>();
        List<string>? Visit(string node)
        {
            state[node] = 1;
            path.Add(node);
            foreach (var next in edges.TryGetValue(node, out var t) ? t.Keys.ToList() : [])
            {
                if (state.GetValueOrDefault(next) == 1) return [.. path.Skip(path.IndexOf(next)), next];
                if (state.GetValueOrDefault(next) == 0 && Visit(next) is { } found) return found;
            }
            path.RemoveAt(path.Count - 1);
            state[node] = 2;
            return null;
        }
        foreach (var node in edges.Keys.Order(StringComparer.Ordinal))
            if (state.GetValueOrDefault(node) == 0 && Visit(node) is { } cycle) return cycle;
        return null;
    }
}
