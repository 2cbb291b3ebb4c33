using FastVision.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace FastVision.Callbacks;

/// <summary>
/// fastai's MixHandler: the shared part of MixUp and CutMix. During training the batch is mixed with a
/// shuffled copy of itself and the loss becomes the same mix of the losses against both sets of targets;
/// validation is untouched. Random draws use torch's generator, so they are seeded and checkpointed.
/// </summary>
public abstract class MixHandler(double alpha) : Callback
{
    private Func<Tensor, Tensor, Tensor>? original;
    protected Tensor? Lambda;    // per sample [B] or one value broadcast, weight of the original targets
    protected Tensor? Shuffle;   // permutation of the batch

    public double Alpha { get; } = alpha;

    public override int Order => 20; // after the batch is on the device, before the forward pass

    public override void BeforeTrain()
    {
        original = Learner.LossFunction;
        var baseLoss = original;
        var perSample = Learner.CrossEntropy(nn.Reduction.None);
        Learner.LossFunction = (pred, target) =>
        {
            if (Lambda is null || Shuffle is null) return baseLoss(pred, target);
            var own = perSample(pred, target);
            var other = perSample(pred, target.index_select(0, Shuffle));
            using var one = 1.0.ToScalar();
            return (own * Lambda + other * Lambda.neg().add_(one)).mean();
        };
    }

    public override void AfterTrain() => Restore();

    public override void AfterFit() => Restore();

    public override void AfterBatch() => (Lambda, Shuffle) = (null, null);

    /// <summary>Draws from Beta(alpha, alpha) <paramref name="count"/> times.</summary>
    protected Tensor SampleLambda(long count)
    {
        var a = full(count, Alpha, ScalarType.Float32);
        return distributions.Beta(a, a.clone()).sample().to(Learner.Device);
    }

    private void Restore()
    {
        if (original is not null) Learner.LossFunction = original;
        original = null;
    }
}

/// <summary>fastai's MixUp (alpha 0.4): x = λ·x + (1-λ)·x[shuffle], λ per sample, folded to ≥ 0.5.</summary>
public sealed class MixUp(double alpha = 0.4) : MixHandler(alpha)
{
    public override void BeforeBatch()
    {
        if (!Learner.Training || Learner.Xb is null) return;
        long b = Learner.Xb.shape[0];
        using var one = 1.0.ToScalar(); // explicit Scalars: TorchSharp leaves implicit ones to the finalizer
        var lam = SampleLambda(b);
        Lambda = maximum(lam, lam.neg().add_(one));
        Shuffle = randperm(b, device: Learner.Device);
        var weight = Lambda.view(-1, 1, 1, 1);
        Learner.Xb = Learner.Xb * weight + Learner.Xb.index_select(0, Shuffle) * weight.neg().add_(one);
    }
}

/// <summary>fastai's CutMix (alpha 1.0): a random box of the shuffled batch is pasted in; λ is the share of the image kept.</summary>
public sealed class CutMix(double alpha = 1.0) : MixHandler(alpha)
{
    public override void BeforeBatch()
    {
        if (!Learner.Training || Learner.Xb is null) return;
        var x = Learner.Xb;
        long b = x.shape[0], h = x.shape[2], w = x.shape[3];
        double lam = SampleLambda(1).item<float>();
        Shuffle = randperm(b, device: Learner.Device);
        double cut = Math.Sqrt(1 - lam);
        long cw = (long)(w * cut), ch = (long)(h * cut);
        long cx = randint(0, w, [1]).item<long>(), cy = randint(0, h, [1]).item<long>();
        long x1 = Math.Clamp(cx - cw / 2, 0, w), x2 = Math.Clamp(cx + cw / 2, 0, w);
        long y1 = Math.Clamp(cy - ch / 2, 0, h), y2 = Math.Clamp(cy + ch / 2, 0, h);
        var mixed = x.clone();
        var rows = TensorIndex.Slice(y1, y2);
        var cols = TensorIndex.Slice(x1, x2);
        mixed[TensorIndex.Colon, TensorIndex.Colon, rows, cols] = x.index_select(0, Shuffle)[TensorIndex.Colon, TensorIndex.Colon, rows, cols];
        Learner.Xb = mixed;
        Lambda = full(b, 1 - (double)((x2 - x1) * (y2 - y1)) / (w * h), ScalarType.Float32).to(Learner.Device);
    }
}
