using FastVision.Training;

namespace FastVision.Callbacks;

/// <summary>fastai's EarlyStoppingCallback: stop when the monitored value has not improved for <paramref name="patience"/> epochs.</summary>
public sealed class EarlyStoppingCallback(string monitor = "valid_loss", double minDelta = 0, int patience = 1) : TrackerCallback(monitor, minDelta)
{
    private int wait;

    public override void BeforeFit()
    {
        base.BeforeFit();
        wait = 0;
    }

    public override void AfterEpoch()
    {
        if (Improved()) wait = 0;
        else if (++wait >= patience)
            throw new CancelFitException($"no improvement in {Monitor} for {wait} epoch(s) (best {Best:G4}); early stopping at epoch {Learner.Epoch}.");
    }
}
