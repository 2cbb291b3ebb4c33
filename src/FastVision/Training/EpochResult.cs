namespace FastVision.Training;

/// <summary>One row of the training table.</summary>
public sealed record EpochResult(int Epoch, double TrainLoss, double ValidLoss, double Accuracy, TimeSpan Time, double TrainImagesPerSecond)
{
    public double ErrorRate => 1 - Accuracy;

    /// <summary>Share of the training time spent waiting for the data loader (a data stall).</summary>
    public double DataWaitFraction { get; init; }
}
