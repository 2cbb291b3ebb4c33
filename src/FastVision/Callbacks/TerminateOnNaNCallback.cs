using FastVision.Training;

namespace FastVision.Callbacks;

/// <summary>
/// fastai's TerminateOnNaNCallback: a NaN or infinite loss stops the fit with a message, before the bad
/// gradients are applied, and the weights go back to those of the last completed epoch.
/// </summary>
public sealed class TerminateOnNaNCallback : Callback
{
    private WeightSnapshot? lastGood;

    public override int Order => -20;

    public override void BeforeEpoch()
    {
        lastGood?.Dispose();
        lastGood = WeightSnapshot.Take(Learner.Model);
    }

    public override void AfterLoss()
    {
        if (!Learner.Training || double.IsFinite(Learner.LossValue)) return;
        lastGood!.RestoreInto(Learner.Model);
        throw new CancelFitException($"loss is {Learner.LossValue} at epoch {Learner.Epoch}, batch {Learner.Iteration}; " +
            "training stopped and the weights of the last completed epoch restored. Try a lower learning rate.");
    }

    public override void AfterFit()
    {
        lastGood?.Dispose();
        lastGood = null;
    }
}
