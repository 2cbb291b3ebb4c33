using TorchSharp;
using static TorchSharp.torch;

namespace FastVision.Metrics;

/// <summary>A validation metric accumulated over batches (fastai's AccumMetric): reset, accumulate, read.</summary>
public interface IMetric
{
    /// <summary>The column name in the epoch table (fastai's: accuracy, error_rate, ...).</summary>
    string Name { get; }

    /// <summary>True when a larger value is better (for monitors such as SaveModel and EarlyStopping).</summary>
    bool HigherIsBetter { get; }

    void Reset();

    /// <summary><paramref name="logits"/> [B, C] and class indices [B] of one batch.</summary>
    void Accumulate(Tensor logits, Tensor targets);

    double Value { get; }
}

/// <summary>The metrics users expect, by the names fastai gives them.</summary>
public static class Metric
{
    public static IMetric Accuracy() => new Accuracy();
    public static IMetric ErrorRate() => new ErrorRate();
    public static IMetric LogLoss() => new LogLoss();
    public static IMetric BalancedAccuracy() => new BalancedAccuracy();
    public static IMetric TopK(int k) => new TopKAccuracy(k);
    public static IMetric PerClassAccuracy(IReadOnlyList<string> classes) => new PerClassAccuracy(classes);

    /// <summary>
    /// Metrics of finished probability rows [N][C] (e.g. calibrated or test-time augmented): the metrics read log(p) as
    /// their logits, whose softmax is p again.
    /// </summary>
    public static IReadOnlyDictionary<string, double> OfProbabilities(IReadOnlyList<float[]> probabilities, IReadOnlyList<int> targets, IReadOnlyList<IMetric> metrics)
    {
        if (probabilities.Count == 0) return metrics.ToDictionary(m => m.Name, _ => double.NaN);
        using var scope = NewDisposeScope();
        using var floor = 1e-15.ToScalar();
        var logits = tensor(probabilities.SelectMany(p => p).ToArray(), [probabilities.Count, probabilities[0].Length]).clamp_min(floor).log();
        var target = tensor(targets.Select(t => (long)t).ToArray());
        foreach (var m in metrics)
        {
            m.Reset();
            m.Accumulate(logits, target);
        }
        return metrics.ToDictionary(m => m.Name, m => m.Value);
    }
}
