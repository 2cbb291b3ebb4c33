using System.Text.Json;
using System.Text.Json.Nodes;
using FastVision.Training;

namespace FastVision.Callbacks;

/// <summary>
/// fastai's TrackerCallback: after each epoch, reads a monitored value (valid_loss, train_loss or a metric
/// name) and tells whether it improved on the best so far by more than <see cref="MinDelta"/>. The best value and
/// each tracker's counters are its <see cref="IResumable"/> state, so a resumed fit continues with them.
/// </summary>
public abstract class TrackerCallback(string monitor = "valid_loss", double minDelta = 0) : Callback, IResumable
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
    }

    public sealed override void AfterEpoch()
    {
        OnEpoch(Learner.Epoch, Improved(Learner.History[^1]));
    }

    /// <summary>Clears the tracker's own state at the start of a fit.</summary>
    protected virtual void Reset() { }

    /// <summary>Epoch <paramref name="epoch"/> of the fit ended.</summary>
    protected abstract void OnEpoch(int epoch, bool improved);

    /// <summary>The tracker's own counters (saved with the best value).</summary>
    protected abstract JsonObject SaveCounters();

    /// <summary>Takes back the counters of an interrupted fit, after <see cref="Reset"/>.</summary>
    protected abstract void RestoreCounters(JsonObject counters);

    // Best can be ±Infinity (nothing improved yet): written as JSON's named literals, as FastVision's JSON files allow.
    public JsonNode SaveState() => new JsonObject { ["best"] = JsonSerializer.SerializeToNode(Best, JsonFiles.Options), ["counters"] = SaveCounters() };

    public void RestoreState(JsonNode state)
    {
        Best = state["best"].Deserialize<double>(JsonFiles.Options);
        RestoreCounters(state["counters"]!.AsObject());
    }

    private bool Improved(EpochResult epoch)
    {
        double value = epoch.Figure(Monitor);
        bool better = HigherIsBetter ? value > Best + MinDelta : value < Best - MinDelta;
        if (better) Best = value;
        return better;
    }
}
