namespace FastVision.Models;

/// <summary>The architecture registry: every body FastVision can build, looked up by name.</summary>
public static partial class Architectures
{
    private static readonly Dictionary<string, Architecture> Registry = new(StringComparer.OrdinalIgnoreCase);

    static Architectures()
    {
        RegisterResNets();
        RegisterMobileNets();
        RegisterEfficientNets();
        RegisterConvNeXts();
        RegisterRegNets();
    }

    /// <summary>The default: the only ImageNet-pretrained body reachable offline.</summary>
    public static Architecture Default => CntkResNet;

    public static IEnumerable<Architecture> All => Registry.Values;

    /// <summary>Every registered pretrained configuration by its full name (<c>resnet50.tv2_in1k</c>), each architecture's default first.</summary>
    public static IEnumerable<(string Name, Architecture Architecture, PretrainedConfig Config)> AllWeights =>
        All.SelectMany(a => a.PretrainedConfigs.Select(c => ($"{a.Name}.{c.Tag}", a, c)));

    public static Architecture Get(string name) =>
        Registry.TryGetValue(name, out var arch)
            ? arch
            : throw new ArgumentException($"Unknown architecture '{name}'. Known: {string.Join(", ", Registry.Keys)}.");

    /// <summary>
    /// A name as fastai and timm users write it: <c>resnet50</c> (its default weights), <c>resnet50.tv2_in1k</c> (a registered
    /// configuration), or any <c>&lt;arch&gt;.&lt;tag&gt;</c> of a registered architecture (the hub repository <c>timm/&lt;arch&gt;.&lt;tag&gt;</c>,
    /// whose config.json is read through <paramref name="store"/> and must name the architecture).
    /// </summary>
    public static (Architecture Architecture, PretrainedConfig? Weights) Resolve(string name, WeightStore? store = null)
    {
        int dot = name.IndexOf('.');
        var architecture = Get(dot < 0 ? name : name[..dot]);
        if (dot < 0) return (architecture, architecture.DefaultWeights);
        var tag = name[(dot + 1)..];
        if (tag.Length == 0) throw new ArgumentException($"'{name}': no tag after the dot (e.g. {architecture.Name}.{architecture.DefaultWeights?.Tag ?? "tv_in1k"}).");
        return (architecture, architecture.Config(tag) ?? new HubWeights($"timm/{architecture.Name}.{tag}").ReadConfig(architecture, tag, store ?? WeightStore.FromEnvironment()));
    }

    private static Architecture Register(Architecture architecture)
    {
        Registry.Add(architecture.Name, architecture);
        return architecture;
    }
}
