using FastVision.Training;

namespace FastVision.Callbacks;

/// <summary>fastai's ReduceLROnPlateau: divide the learning rates by <paramref name="factor"/> after <paramref name="patience"/> epochs without improvement.</summary>
public sealed class ReduceLROnPlateau(string monitor = "valid_loss", double minDelta = 0, int patience = 1, double factor = 10, double minLr = 0)
    : TrackerCallback(monitor, minDelta)
{
    private int wait;

    public int Reductions { get; private set; }

    public override void BeforeFit()
    {
        base.BeforeFit();
        wait = 0;
    }

    public override void AfterEpoch()
    {
        if (Improved()) { wait = 0; return; }
        if (++wait < patience) return;
        wait = 0;
        var reduced = Learner.BaseLearningRates.Select(lr => Math.Max(lr / factor, minLr)).ToArray();
        Learner.SetBaseLearningRates(reduced);
        Reductions++;
        Learner.Log?.WriteLine($"epoch {Learner.Epoch}: no improvement in {Monitor}; learning rates divided by {factor}.");
    }
}
