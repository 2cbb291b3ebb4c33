using static TorchSharp.torch;

namespace FastVision.Metrics;

/// <summary>Accuracy within each class (recall); the table shows their mean, i.e. balanced accuracy.</summary>
public sealed class PerClassAccuracy(IReadOnlyList<string> classes) : IMetric
{
    private readonly long[] correct = new long[classes.Count];
    private readonly long[] total = new long[classes.Count];

    public string Name => "balanced_accuracy";
    public bool HigherIsBetter => true;

    public void Reset()
    {
        Array.Clear(correct);
        Array.Clear(total);
    }

    public void Accumulate(Tensor logits, Tensor targets)
    {
        using var predicted = logits.argmax(1);
        using var cpuPredicted = predicted.cpu();
        using var cpuTargets = targets.cpu();
        var p = cpuPredicted.data<long>().ToArray();
        var t = cpuTargets.data<long>().ToArray();
        for (int i = 0; i < t.Length; i++)
        {
            total[t[i]]++;
            if (p[i] == t[i]) correct[t[i]]++;
        }
    }

    /// <summary>Accuracy per class name (NaN for a class without validation images).</summary>
    public IReadOnlyDictionary<string, double> PerClass =>
        classes.Select((c, i) => (c, v: total[i] == 0 ? double.NaN : (double)correct[i] / total[i])).ToDictionary(p => p.c, p => p.v);

    public double Value
    {
        get
        {
            var present = Enumerable.Range(0, total.Length).Where(i => total[i] > 0).ToList();
            return present.Count == 0 ? double.NaN : present.Average(i => (double)correct[i] / total[i]);
        }
    }
}
