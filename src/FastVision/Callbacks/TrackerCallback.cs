using FastVision.Training;

namespace FastVision.Callbacks;

/// <summary>
/// fastai's TrackerCallback: after each epoch, reads a monitored value (valid_loss, train_loss or a metric
/// name) and tells whether it improved on the best so far by more than <see cref="MinDelta"/>.
/// </summary>
public abstract class TrackerCallback(string monitor = "valid_loss", double minDelta = 0) : Callback
{
    public string Monitor { get; } = monitor;
    public double MinDelta { get; } = minDelta;
    public double Best { get; private set; }
    protected bool HigherIsBetter { get; private set; }

    public override int Order => 60;

    public override void BeforeFit()
    {
        HigherIsBetter = Monitor is not ("valid_loss" or "train_loss")
            && (Learner.Metrics.FirstOrDefault(m => m.Name == Monitor)
                ?? throw new ArgumentException($"Cannot monitor '{Monitor}': not valid_loss, train_loss or one of the metrics ({string.Join(", ", Learner.Metrics.Select(m => m.Name))}).")).HigherIsBetter;
        Best = HigherIsBetter ? double.NegativeInfinity : double.PositiveInfinity;
    }

    /// <summary>The monitored value of the epoch that just ended.</summary>
    protected double Current()
    {
        var last = Learner.History[^1];
        return Monitor switch
        {
            "valid_loss" => last.ValidLoss,
            "train_loss" => last.TrainLoss,
            _ => last.Metrics[Monitor],
        };
    }

    /// <summary>Reads the current value; true (and a new best) when it improved.</summary>
    protected bool Improved()
    {
        double value = Current();
        bool better = HigherIsBetter ? value > Best + MinDelta : value < Best - MinDelta;
        if (better) Best = value;
        return better;
    }
}
