using static TorchSharp.torch;

namespace FastVision.Metrics;

/// <summary>
/// The mean over classes of the share of their images predicted right (scikit-learn's balanced_accuracy_score): on
/// imbalanced camera-trap data a model that always says "blank" scores its share in accuracy, and 1/classes here.
/// Classes without a target image in the set take no part.
/// </summary>
public sealed class BalancedAccuracy : IMetric
{
    private readonly Dictionary<long, (long Correct, long Count)> perClass = [];

    public string Name => "balanced_accuracy";
    public bool HigherIsBetter => true;

    public void Reset() => perClass.Clear();

    public void Accumulate(Tensor logits, Tensor targets)
    {
        using var predicted = logits.argmax(1);
        var p = predicted.data<long>().ToArray();
        var t = targets.data<long>().ToArray();
        for (int i = 0; i < t.Length; i++)
        {
            var (correct, count) = perClass.GetValueOrDefault(t[i]);
            perClass[t[i]] = (correct + (p[i] == t[i] ? 1 : 0), count + 1);
        }
    }

    public double Value => perClass.Count == 0 ? double.NaN : perClass.Values.Average(c => (double)c.Correct / c.Count);
}
