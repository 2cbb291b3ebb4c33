using static TorchSharp.torch;

namespace FastVision.Metrics;

/// <summary>Sums loss and correct predictions over batches: mean loss, accuracy and error rate.</summary>
public sealed class ClassificationAccumulator
{
    private double lossSum;
    private long correct, count;

    /// <summary><paramref name="lossSum"/> is the batch's summed (not averaged) loss.</summary>
    public void Add(double lossSum, Tensor logits, Tensor targets)
    {
        this.lossSum += lossSum;
        using var predicted = logits.argmax(1);
        using var hits = predicted.eq(targets);
        correct += hits.sum().item<long>();
        count += targets.shape[0];
    }

    public long Count => count;
    public double MeanLoss => count == 0 ? double.NaN : lossSum / count;
    public double Accuracy => count == 0 ? double.NaN : (double)correct / count;
    public double ErrorRate => 1 - Accuracy;
}
