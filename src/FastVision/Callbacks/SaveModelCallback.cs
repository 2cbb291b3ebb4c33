using FastVision.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace FastVision.Callbacks;

/// <summary>
/// fastai's SaveModelCallback: keeps the weights of the best epoch by the monitored value (written atomically
/// to <paramref name="path"/> when given, else kept in memory) and loads them back when the fit ends.
/// </summary>
public sealed class SaveModelCallback(string monitor = "valid_loss", double minDelta = 0, string? path = null, bool reloadAtEnd = true)
    : TrackerCallback(monitor, minDelta)
{
    private Dictionary<string, Tensor>? best;

    public int? BestEpoch { get; private set; }

    public override void AfterEpoch()
    {
        if (!Improved()) return;
        BestEpoch = Learner.Epoch;
        DisposeBest();
        best = Learner.Model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone().cpu().DetachFromDisposeScope());
        if (path is not null) Learner.SaveWeights(path);
    }

    public override void AfterFit()
    {
        if (reloadAtEnd && best is not null)
        {
            using var noGrad = no_grad();
            var target = Learner.Model.state_dict();
            foreach (var (key, value) in best) target[key].copy_(value);
            Learner.Options.Log?.WriteLine($"loaded the weights of epoch {BestEpoch} (best {Monitor} {Best:G4}).");
        }
        DisposeBest();
    }

    private void DisposeBest()
    {
        if (best is null) return;
        foreach (var t in best.Values) t.Dispose();
        best = null;
    }
}
