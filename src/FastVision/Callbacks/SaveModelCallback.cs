using System.Text.Json.Nodes;
using FastVision.Models;
using FastVision.Training;

namespace FastVision.Callbacks;

/// <summary>
/// fastai's SaveModelCallback: keeps the weights of the best epoch by the monitored value (written atomically
/// to <paramref name="path"/> when given, else kept in memory) and loads them back when the fit ends. Only a
/// <paramref name="path"/> survives a killed run: a resumed fit whose best epoch came before the kill reloads it from there.
/// </summary>
public sealed class SaveModelCallback(string monitor = "valid_loss", double minDelta = 0, string? path = null, bool reloadAtEnd = true)
    : TrackerCallback(monitor, minDelta)
{
    private WeightSnapshot? best;

    public int? BestEpoch { get; private set; }

    protected override void Reset()
    {
        best?.Dispose();
        best = null;
        BestEpoch = null;
    }

    protected override void OnEpoch(int epoch, bool improved)
    {
        if (!improved) return;
        BestEpoch = epoch;
        best?.Dispose();
        best = WeightSnapshot.Take(Learner.Model, onCpu: true);
        if (path is not null) Learner.SaveWeights(path);
    }

    protected override JsonObject SaveCounters() => new() { ["best_epoch"] = BestEpoch };

    /// <summary>The best epoch of the interrupted fit; its weights are in the file at path (if any), not in this process.</summary>
    protected override void RestoreCounters(JsonObject counters) => BestEpoch = (int?)counters["best_epoch"];

    public override void AfterFit()
    {
        if (reloadAtEnd && BestEpoch is { } epoch)
        {
            if (best is not null) best.RestoreInto(Learner.Model);
            else if (path is not null && File.Exists(path)) StateDicts.CopyFromFile(Learner.Model, path);
            else
            {
                Learner.Log?.WriteLine($"the best epoch ({epoch}) came before the resume and its weights were kept in memory only; the last weights stay.");
                return;
            }
            Learner.Log?.WriteLine($"loaded the weights of epoch {epoch} (best {Monitor} {Best:G4}).");
        }
        best?.Dispose();
        best = null;
    }
}
