using TorchSharp;
using static TorchSharp.torch;

namespace FastVision.Models;

/// <summary>Copies named tensors into a module's parameters and buffers, checking every key and shape.</summary>
public static class StateDicts
{
    public static void CopyInto(nn.Module module, IReadOnlyDictionary<string, Tensor> source, string sourceName)
    {
        var target = module.state_dict();
        var missing = target.Keys.Where(k => !source.ContainsKey(k) && !k.EndsWith("num_batches_tracked", StringComparison.Ordinal)).ToList();
        var unexpected = source.Keys.Where(k => !target.ContainsKey(k)).ToList();
        var mismatched = source.Where(kv => target.TryGetValue(kv.Key, out var t) && !t.shape.SequenceEqual(kv.Value.shape))
            .Select(kv => $"{kv.Key} (file {Shape(kv.Value)}, model {Shape(target[kv.Key])})").ToList();
        if (missing.Count + unexpected.Count + mismatched.Count > 0)
            throw new InvalidDataException($"Weights from {sourceName} do not fit the model: " + string.Join("; ",
                new[] { ("missing", missing), ("unexpected", unexpected), ("shape mismatch", mismatched) }
                    .Where(p => p.Item2.Count > 0).Select(p => $"{p.Item1}: {string.Join(", ", p.Item2)}")));
        using var noGrad = no_grad();
        foreach (var (key, value) in source) target[key].copy_(value);
    }

    /// <summary>A state-dict file (<see cref="WeightFiles"/>) into <paramref name="module"/>, with the same checks.</summary>
    public static void CopyFromFile(nn.Module module, string path)
    {
        var weights = WeightFiles.Read(path);
        try { CopyInto(module, weights, path); }
        finally { foreach (var t in weights.Values) t.Dispose(); }
    }

    private static string Shape(Tensor t) => "[" + string.Join(",", t.shape) + "]";
}
