using TorchSharp;
using FastVision.Data;
using static TorchSharp.torch;

namespace FastVision.Training;

/// <summary>
/// A model's outputs over a loader (fastai's get_preds): one row of logits per image that could be read, the
/// loader item each row belongs to (skipped images have no row) and its class index
/// (<see cref="DataLoader.Unlabelled"/> when unknown).
/// </summary>
public sealed class Predictions : IDisposable
{
    public Predictions(Tensor logits, int[] items, int[] targets)
    {
        if (logits.shape[0] != items.Length || items.Length != targets.Length)
            throw new ArgumentException($"{logits.shape[0]} rows of logits for {items.Length} items and {targets.Length} targets.");
        Logits = logits;
        Items = items;
        Targets = targets;
    }

    /// <summary>[N, classes], float32, on the CPU.</summary>
    public Tensor Logits { get; }
    public int[] Items { get; }
    public int[] Targets { get; }
    public int Count => Items.Length;

    /// <summary>softmax(logits / temperature) as [N][classes] (temperature scaling; 1 leaves the model's own).</summary>
    public float[][] Probabilities(double temperature = 1)
    {
        using var scope = NewDisposeScope();
        using var t = temperature.ToScalar();
        return Rows(Logits.div(t).softmax(1));
    }

    /// <summary>Runs <paramref name="engine"/> over the batches of <paramref name="epoch"/> (it picks the augmentation of an augmented loader).</summary>
    public static Predictions Collect(IInferenceEngine engine, DataLoader loader, int epoch = 0, Action<int>? afterBatch = null)
    {
        var parts = new List<Tensor>();
        var items = new List<int>(loader.Count);
        var targets = new List<int>(loader.Count);
        try
        {
            int index = 0, classes = 0;
            foreach (var batch in loader.GetBatches(epoch))
            {
                using var scope = NewDisposeScope();
                using (batch)
                {
                    var output = engine.Forward(loader.Prepare(batch, engine.Device));
                    classes = (int)output.shape[1];
                    parts.Add(output.to(ScalarType.Float32).cpu().DetachFromDisposeScope());
                    items.AddRange(batch.Items);
                    targets.AddRange(batch.Labels.data<long>().Select(l => (int)l));
                }
                afterBatch?.Invoke(++index);
            }
            var logits = parts.Count == 0 ? zeros(0, classes) : cat(parts, 0);
            return new Predictions(logits, [.. items], [.. targets]);
        }
        finally
        {
            foreach (var p in parts) p.Dispose();
        }
    }

    internal static float[][] Rows(Tensor matrix)
    {
        var flat = matrix.contiguous().data<float>().ToArray();
        int n = (int)matrix.shape[0], c = (int)matrix.shape[1];
        return Enumerable.Range(0, n).Select(i => flat.AsSpan(i * c, c).ToArray()).ToArray();
    }

    public void Dispose() => Logits.Dispose();
}
