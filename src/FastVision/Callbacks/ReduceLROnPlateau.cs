using FastVision.Training;

namespace FastVision.Callbacks;

/// <summary>fastai's ReduceLROnPlateau: divide the learning rates by <paramref name="factor"/> after <paramref name="patience"/> epochs without improvement.</summary>
public sealed class ReduceLROnPlateau(string monitor = "valid_loss", double minDelta = 0, int patience = 1, double factor = 10, double minLr = 0)
    : TrackerCallback(monitor, minDelta)
{
    private int wait;

    public int Reductions { get; private set; }

    protected override void Reset() => wait = 0;

    protected override void OnEpoch(int epoch, bool improved, bool replay)
    {
        if (improved) { wait = 0; return; }
        if (++wait < patience) return;
        wait = 0;
        Learner.SetBaseLearningRates(Learner.BaseLearningRates.Select(lr => Math.Max(lr / factor, minLr)).ToArray());
        Reductions++;
        if (!replay) Learner.Log?.WriteLine($"epoch {epoch}: no improvement in {Monitor}; learning rates divided by {factor}.");
    }
}
