using System.Text.Json.Nodes;
using FastVision.Training;

namespace FastVision.Callbacks;

/// <summary>fastai's ReduceLROnPlateau: divide the learning rates by <paramref name="factor"/> after <paramref name="patience"/> epochs without improvement.</summary>
public sealed class ReduceLROnPlateau(string monitor = "valid_loss", double minDelta = 0, int patience = 1, double factor = 10, double minLr = 0)
    : TrackerCallback(monitor, minDelta)
{
    private int wait, reductionsInFit;

    public int Reductions { get; private set; }

    protected override void Reset() => (wait, reductionsInFit) = (0, 0);

    protected override void OnEpoch(int epoch, bool improved)
    {
        if (improved) { wait = 0; return; }
        if (++wait < patience) return;
        wait = 0;
        Reduce();
        Learner.Log?.WriteLine($"epoch {epoch}: no improvement in {Monitor}; learning rates divided by {factor}.");
    }

    protected override JsonObject SaveCounters() => new() { ["wait"] = wait, ["reductions"] = reductionsInFit };

    /// <summary>The fit starts from its base rates again: the interrupted fit's divisions are applied once more, one by one.</summary>
    protected override void RestoreCounters(JsonObject counters)
    {
        wait = (int)counters["wait"]!;
        for (int i = (int)counters["reductions"]!; i > 0; i--) Reduce();
    }

    private void Reduce()
    {
        Learner.SetBaseLearningRates(Learner.BaseLearningRates.Select(lr => Math.Max(lr / factor, minLr)).ToArray());
        Reductions++;
        reductionsInFit++;
    }
}
