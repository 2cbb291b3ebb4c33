namespace FastVision.Training;

/// <summary>
/// A training feature, hooked into the learner's loop on named events (fastai's Callback). The learner's
/// state — model, batch, prediction, loss, epoch, iteration — is read and changed through <see cref="Learner"/>.
/// Callbacks run in ascending <see cref="Order"/>.
/// </summary>
public abstract class Callback
{
    /// <summary>The learner running this callback (set when a fit starts).</summary>
    public Learner Learner { get; internal set; } = null!;

    public virtual int Order => 0;

    public virtual void BeforeFit() { }
    public virtual void BeforeEpoch() { }
    public virtual void BeforeTrain() { }
    public virtual void BeforeBatch() { }
    public virtual void AfterPred() { }
    public virtual void AfterLoss() { }
    public virtual void BeforeBackward() { }
    public virtual void AfterBackward() { }
    public virtual void AfterStep() { }
    public virtual void AfterBatch() { }
    public virtual void AfterTrain() { }
    public virtual void BeforeValidate() { }
    public virtual void AfterValidate() { }
    public virtual void AfterEpoch() { }

    /// <summary>Runs after the fit, also when it was cancelled.</summary>
    public virtual void AfterFit() { }

    /// <summary>Called when a <see cref="CancelFitException"/> ended the fit (before <see cref="AfterFit"/>).</summary>
    public virtual void AfterCancelFit() { }
}

/// <summary>Skip the rest of this batch (no backward or step).</summary>
public sealed class CancelBatchException() : Exception("batch cancelled");

/// <summary>Skip the rest of this epoch's training phase.</summary>
public sealed class CancelTrainException() : Exception("training phase cancelled");

/// <summary>Skip the rest of this epoch (validation included).</summary>
public sealed class CancelEpochException() : Exception("epoch cancelled");

/// <summary>Stop the fit; <see cref="Callback.AfterFit"/> still runs. The reason is reported.</summary>
public sealed class CancelFitException(string reason) : Exception(reason);
