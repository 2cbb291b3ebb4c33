using System.Text.Json.Nodes;
using FastVision.Training;

namespace FastVision.Callbacks;

/// <summary>fastai's EarlyStoppingCallback: stop when the monitored value has not improved for <paramref name="patience"/> epochs.</summary>
public sealed class EarlyStoppingCallback(string monitor = "valid_loss", double minDelta = 0, int patience = 1) : TrackerCallback(monitor, minDelta)
{
    private int wait;

    protected override void Reset() => wait = 0;

    protected override void OnEpoch(int epoch, bool improved)
    {
        if (improved) wait = 0;
        else if (++wait >= patience)
            throw new CancelFitException($"no improvement in {Monitor} for {wait} epoch(s) (best {Best:G4}); early stopping at epoch {epoch}.");
    }

    protected override JsonObject SaveCounters() => new() { ["wait"] = wait };

    protected override void RestoreCounters(JsonObject counters) => wait = (int)counters["wait"]!;
}
