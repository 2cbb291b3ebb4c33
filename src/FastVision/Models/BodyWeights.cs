using TorchSharp;
using static TorchSharp.torch;

namespace FastVision.Models;

/// <summary>What <see cref="BodyWeights.LoadInto"/> loaded and what it left out.</summary>
public sealed record WeightsReport(string Source, int BodyTensors, bool HeadLoaded, IReadOnlyList<string> Ignored)
{
    public override string ToString() =>
        $"weights: {Source}: {BodyTensors} body tensors{(HeadLoaded ? " and the head" : "")}" +
        (Ignored.Count > 0 ? $"; ignored {Ignored.Count}: {string.Join(", ", Ignored.Take(6))}{(Ignored.Count > 6 ? ", ..." : "")}" : "");
}

/// <summary>
/// Starts a model from a state dict on disk (<see cref="WeightFiles"/>): torchvision or timm key names (for ResNets the
/// two agree: conv1, bn1, layer1.0.conv1, ..., fc), optionally wrapped (<c>module.</c>, <c>model.</c>, <c>backbone.</c>,
/// <c>encoder.</c>), or FastVision's own (<c>model.safetensors</c> with <c>body.*</c>/<c>head.*</c>, or an export with
/// torchvision body names and <c>head.*</c>). The upstream classifier (the architecture's <see cref="Architecture.ClassifierKeys"/>) is ignored; <c>head.*</c> is
/// loaded when it is FastVision's head with the same shapes (same classes), else ignored.
/// Every body key must be present with its shape, or the load fails naming the keys.
/// </summary>
public static class BodyWeights
{
    private static readonly string[] Wrappers = ["module.", "model.", "backbone.", "encoder."];

    public static WeightsReport LoadInto(VisionModel model, string path)
    {
        var weights = WeightFiles.Read(path);
        try
        {
            var ignored = new List<string>();
            bool fastVision = weights.Keys.Any(k => k.StartsWith("body.", StringComparison.Ordinal));
            var wrapper = fastVision ? "" : SharedWrapper(weights.Keys);
            var classifiers = (model.Architecture?.ClassifierKeys ?? ["fc", "classifier"]).Select(k => k + ".").ToList();
            var body = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            var head = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            foreach (var (rawKey, value) in weights)
            {
                var key = rawKey[wrapper.Length..];
                if (key.StartsWith("head.", StringComparison.Ordinal)) head[key["head.".Length..]] = value; // FastVision's head (kept if it fits)
                else if (fastVision && key.StartsWith("body.", StringComparison.Ordinal)) body[key["body.".Length..]] = value;
                else if (fastVision || classifiers.Any(c => key.StartsWith(c, StringComparison.Ordinal))) ignored.Add(rawKey);
                else body[key] = value;
            }
            StateDicts.CopyInto(model.Body, body, path);
            var target = model.Head.state_dict();
            bool headFits = head.Count > 0 && head.Keys.All(target.ContainsKey)
                && target.Where(kv => !kv.Key.EndsWith("num_batches_tracked", StringComparison.Ordinal))
                    .All(kv => head.TryGetValue(kv.Key, out var t) && t.shape.SequenceEqual(kv.Value.shape));
            if (headFits) StateDicts.CopyInto(model.Head, head, path);
            else ignored.AddRange(head.Keys.Select(k => "head." + k));
            return new WeightsReport(path, body.Count, headFits, [.. ignored.Order(StringComparer.Ordinal)]);
        }
        finally
        {
            foreach (var t in weights.Values) t.Dispose();
        }
    }

    /// <summary>
    /// Pretrained body weights from <paramref name="path"/> into <paramref name="body"/>: wrappers stripped, the upstream
    /// classifier dropped, timm names mapped by <paramref name="architecture"/>; every body key must be present with its shape.
    /// </summary>
    public static void LoadBody(VisionBody body, Architecture architecture, string path, WeightKeys keys)
    {
        var weights = WeightFiles.Read(path);
        try
        {
            var wrapper = SharedWrapper(weights.Keys);
            var classifiers = architecture.ClassifierKeys.Select(k => k + ".").ToList();
            var own = body.state_dict();
            var mapped = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            var reshaped = new List<Tensor>();
            foreach (var (rawKey, value) in weights)
            {
                var key = rawKey[wrapper.Length..];
                if (classifiers.Any(c => key.StartsWith(c, StringComparison.Ordinal))) continue;
                if ((keys == WeightKeys.Timm ? architecture.FromTimmKey(key) : key) is not { } target) continue;
                // timm keeps some parameters flat where torchvision keeps them broadcastable (ConvNeXt's layer scale: [C] vs [C,1,1]).
                bool reshape = keys == WeightKeys.Timm && own.TryGetValue(target, out var expected)
                    && !expected.shape.SequenceEqual(value.shape) && expected.numel() == value.numel();
                var tensor = reshape ? value.reshape(own[target].shape) : value;
                if (reshape) reshaped.Add(tensor);
                mapped[target] = tensor;
            }
            try { StateDicts.CopyInto(body, mapped, path); }
            finally { foreach (var t in reshaped) t.Dispose(); }
        }
        finally
        {
            foreach (var t in weights.Values) t.Dispose();
        }
    }

    /// <summary>The model's weights with torchvision's body names (no <c>body.</c> prefix) and FastVision's head as <c>head.*</c>.</summary>
    public static void Export(VisionModel model, string path)
    {
        var state = model.state_dict();
        WeightFiles.Write(path, state.ToDictionary(
            kv => kv.Key.StartsWith("body.", StringComparison.Ordinal) ? kv.Key["body.".Length..] : kv.Key, kv => kv.Value));
    }

    /// <summary>The wrapper prefixes every key of the file shares (DataParallel's module., Lightning's model., ...), e.g. "module.model.".</summary>
    private static string SharedWrapper(ICollection<string> keys)
    {
        var prefix = "";
        while (keys.Count > 0 && Wrappers.FirstOrDefault(w => keys.All(k => k.StartsWith(prefix + w, StringComparison.Ordinal))) is { } next) prefix += next;
        return prefix;
    }
}
