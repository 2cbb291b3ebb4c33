using static TorchSharp.torch;

namespace FastVision.Metrics;

/// <summary>Share of targets among the k most probable classes.</summary>
public sealed class TopKAccuracy(int k) : IMetric
{
    private long hits, count;

    public string Name => $"top_{k}_accuracy";
    public bool HigherIsBetter => true;

    public void Reset() => (hits, count) = (0, 0);

    public void Accumulate(Tensor logits, Tensor targets)
    {
        using var scope = NewDisposeScope();
        var top = logits.topk((int)Math.Min(k, logits.shape[1]), dim: 1).indexes;
        hits += top.eq(targets.view(-1, 1)).any(1).sum().item<long>();
        count += targets.shape[0];
    }

    public double Value => count == 0 ? double.NaN : (double)hits / count;
}
