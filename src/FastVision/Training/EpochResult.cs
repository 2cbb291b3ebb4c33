namespace FastVision.Training;

/// <summary>One row of the training table.</summary>
public sealed record EpochResult(int Epoch, double TrainLoss, double ValidLoss, IReadOnlyDictionary<string, double> Metrics,
    TimeSpan Time, double TrainImagesPerSecond)
{
    public double Accuracy => Metrics.TryGetValue("accuracy", out var a) ? a : Metrics.TryGetValue("error_rate", out var e) ? 1 - e : double.NaN;
    public double ErrorRate => 1 - Accuracy;

    /// <summary>Share of the training time spent waiting for the data loader (a data stall).</summary>
    public double DataWaitFraction { get; init; }

    /// <summary>
    /// The names of a row's figures in the table's order: train_loss, valid_loss, then the metrics. The one list behind the
    /// console table, metrics.csv, TensorBoard's epoch/ tags and what a tracker can monitor.
    /// </summary>
    public static IReadOnlyList<string> FigureNames(IEnumerable<string> metricNames) => ["train_loss", "valid_loss", .. metricNames];

    /// <summary>This row's <see cref="FigureNames(IEnumerable{string})"/>.</summary>
    public IReadOnlyList<string> FigureNames() => FigureNames(Metrics.Keys);

    /// <summary>The figure named train_loss, valid_loss or a metric's name; NaN when this row has no such figure.</summary>
    public double Figure(string name) => name switch
    {
        "train_loss" => TrainLoss,
        "valid_loss" => ValidLoss,
        _ => Metrics.GetValueOrDefault(name, double.NaN),
    };
}
