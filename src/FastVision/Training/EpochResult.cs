namespace FastVision.Training;

/// <summary>One row of the training table.</summary>
public sealed record EpochResult(int Epoch, double TrainLoss, double ValidLoss, IReadOnlyDictionary<string, double> Metrics,
    TimeSpan Time, double TrainImagesPerSecond)
{
    public double Accuracy => Metrics.TryGetValue("accuracy", out var a) ? a : Metrics.TryGetValue("error_rate", out var e) ? 1 - e : double.NaN;
    public double ErrorRate => 1 - Accuracy;

    /// <summary>Share of the training time spent waiting for the data loader (a data stall).</summary>
    public double DataWaitFraction { get; init; }
}
