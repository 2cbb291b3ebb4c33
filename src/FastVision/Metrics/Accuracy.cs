using static TorchSharp.torch;

namespace FastVision.Metrics;

/// <summary>Share of predictions whose top class is the target.</summary>
public class Accuracy : IMetric
{
    private long correct, count;

    public virtual string Name => "accuracy";
    public virtual bool HigherIsBetter => true;

    public void Reset() => (correct, count) = (0, 0);

    public void Accumulate(Tensor logits, Tensor targets)
    {
        using var predicted = logits.argmax(1);
        using var hits = predicted.eq(targets);
        using var sum = hits.sum();
        correct += sum.item<long>();
        count += targets.shape[0];
    }

    public virtual double Value => count == 0 ? double.NaN : (double)correct / count;
}

/// <summary>1 - accuracy.</summary>
public sealed class ErrorRate : Accuracy
{
    public override string Name => "error_rate";
    public override bool HigherIsBetter => false;
    public override double Value => 1 - base.Value;
}
