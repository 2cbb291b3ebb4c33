using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace FastVision.Training;

/// <summary>
/// fastai's Recorder: per training batch the loss, its smoothed value (debiased moving average, beta 0.98),
/// the learning rate of the last group and the momentum; per epoch a row of <see cref="Learner.History"/>.
/// </summary>
public sealed class Recorder : Callback, IResumable
{
    private readonly List<double> losses = [], smoothLosses = [], lrs = [], moms = [];
    private SmoothedLoss smooth = new();
    private readonly Stopwatch epochWatch = new(), trainWatch = new();
    private long trainImages;

    public override int Order => 50;

    public IReadOnlyList<double> Losses => losses;
    public IReadOnlyList<double> SmoothLosses => smoothLosses;
    public IReadOnlyList<double> LearningRates => lrs;
    public IReadOnlyList<double> Momentums => moms;

    /// <summary>The smoothed training loss so far in this fit.</summary>
    public double SmoothLoss => smooth.Value;

    /// <summary>The smoothing state, saved with checkpoints so a resumed fit reports the same train_loss.</summary>
    public JsonNode SaveState() => new JsonObject { ["average"] = JsonSerializer.SerializeToNode(smooth.Average, JsonFiles.Options), ["count"] = smooth.Count };

    public void RestoreState(JsonNode state) => smooth.Restore(state["average"].Deserialize<double>(JsonFiles.Options), (int)state["count"]!);

    /// <summary>Drops the batches recorded from <paramref name="count"/> on (the LR finder's, which are not training).</summary>
    internal void TruncateBatches(int count)
    {
        foreach (var list in new[] { losses, smoothLosses, lrs, moms })
            if (list.Count > count) list.RemoveRange(count, list.Count - count);
    }

    public override void BeforeFit()
    {
        smooth = new SmoothedLoss();
    }

    public override void BeforeEpoch()
    {
        epochWatch.Restart();
        trainImages = 0;
    }

    public override void BeforeTrain() => trainWatch.Restart();

    public override void AfterBatch()
    {
        if (!Learner.Training) return;
        smooth.Add(Learner.LossValue);
        losses.Add(Learner.LossValue);
        smoothLosses.Add(smooth.Value);
        lrs.Add(Learner.CurrentLearningRates[^1]);
        moms.Add(Learner.CurrentMomentum);
        trainImages += Learner.BatchSize;
    }

    public override void AfterTrain() => trainWatch.Stop();

    public override void AfterEpoch()
    {
        var (validLoss, metrics) = Learner.LastValidation;
        var seconds = trainWatch.Elapsed.TotalSeconds;
        Learner.AddHistory(new EpochResult(Learner.History.Count, smooth.Value, validLoss, metrics, epochWatch.Elapsed,
            seconds > 0 ? trainImages / seconds : 0)
        {
            DataWaitFraction = seconds > 0 ? Learner.DataWait.TotalSeconds / seconds : 0,
        });
    }
}
