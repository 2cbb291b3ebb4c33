using FastVision.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace FastVision.Callbacks;

/// <summary>
/// fastai's TerminateOnNaNCallback: a NaN or infinite loss stops the fit with a message, before the bad
/// gradients are applied, and the weights go back to those of the last completed epoch.
/// </summary>
public sealed class TerminateOnNaNCallback : Callback
{
    private Dictionary<string, Tensor>? lastGood;

    public override int Order => -20;

    public override void BeforeEpoch() => Snapshot();

    public override void AfterLoss()
    {
        if (!Learner.Training || double.IsFinite(Learner.LossValue)) return;
        Restore();
        throw new CancelFitException($"loss is {Learner.LossValue} at epoch {Learner.Epoch}, batch {Learner.Iteration}; " +
            "training stopped and the weights of the last completed epoch restored. Try a lower learning rate.");
    }

    public override void AfterFit()
    {
        if (lastGood is null) return;
        foreach (var t in lastGood.Values) t.Dispose();
        lastGood = null;
    }

    private void Snapshot()
    {
        AfterFit();
        lastGood = Learner.Model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone().DetachFromDisposeScope());
    }

    private void Restore()
    {
        using var noGrad = no_grad();
        var target = Learner.Model.state_dict();
        foreach (var (key, value) in lastGood!) target[key].copy_(value);
    }
}
