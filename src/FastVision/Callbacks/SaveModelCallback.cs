using FastVision.Training;

namespace FastVision.Callbacks;

/// <summary>
/// fastai's SaveModelCallback: keeps the weights of the best epoch by the monitored value (written atomically
/// to <paramref name="path"/> when given, else kept in memory) and loads them back when the fit ends.
/// </summary>
public sealed class SaveModelCallback(string monitor = "valid_loss", double minDelta = 0, string? path = null, bool reloadAtEnd = true)
    : TrackerCallback(monitor, minDelta)
{
    private WeightSnapshot? best;

    public int? BestEpoch { get; private set; }

    public override void AfterEpoch()
    {
        if (!Improved()) return;
        BestEpoch = Learner.Epoch;
        best?.Dispose();
        best = WeightSnapshot.Take(Learner.Model, onCpu: true);
        if (path is not null) Learner.SaveWeights(path);
    }

    public override void AfterFit()
    {
        if (reloadAtEnd && best is not null)
        {
            best.RestoreInto(Learner.Model);
            Learner.Log?.WriteLine($"loaded the weights of epoch {BestEpoch} (best {Monitor} {Best:G4}).");
        }
        best?.Dispose();
        best = null;
    }
}
