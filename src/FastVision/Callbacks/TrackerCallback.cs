using FastVision.Training;

namespace FastVision.Callbacks;

/// <summary>
/// fastai's TrackerCallback: after each epoch, reads a monitored value (valid_loss, train_loss or a metric
/// name) and tells whether it improved on the best so far by more than <see cref="MinDelta"/>. A fit resumed
/// from a checkpoint replays the epochs it already did (from the history), so the best value and every
/// tracker's counters are what they were when the run was killed.
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
        Reset();
        var done = Learner.History.TakeLast(Learner.FitStartEpoch).ToList();
        for (int epoch = 0; epoch < done.Count; epoch++) OnEpoch(epoch, Improved(done[epoch]), replay: true);
    }

    public sealed override void AfterEpoch()
    {
        OnEpoch(Learner.Epoch, Improved(Learner.History[^1]), replay: false);
    }

    /// <summary>Clears the tracker's own state at the start of a fit.</summary>
    protected virtual void Reset() { }

    /// <summary>Epoch <paramref name="epoch"/> of the fit ended (or, with <paramref name="replay"/>, is replayed from the history of a resumed fit).</summary>
    protected abstract void OnEpoch(int epoch, bool improved, bool replay);

    private bool Improved(EpochResult epoch)
    {
        double value = Monitor switch
        {
            "valid_loss" => epoch.ValidLoss,
            "train_loss" => epoch.TrainLoss,
            _ => epoch.Metrics[Monitor],
        };
        bool better = HigherIsBetter ? value > Best + MinDelta : value < Best - MinDelta;
        if (better) Best = value;
        return better;
    }
}
