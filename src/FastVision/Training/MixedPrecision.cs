using FastVision.Native;
using FastVision.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace FastVision.Training;

/// <summary>
/// fastai's MixedPrecision (to_fp16): the forward pass and the loss run under autocast — bf16 on CPU, fp16 on
/// CUDA — while the weights and the optimizer stay fp32. On CUDA the loss is scaled dynamically (initial
/// scale 65536, halved on inf/NaN gradients with the step skipped, doubled after 2000 good steps); bf16 has
/// fp32's range and needs no scaling.
/// </summary>
public sealed class MixedPrecision(ScalarType? dtype = null) : Callback
{
    private Autocast? region;
    private double scale = 65536;
    private int goodSteps;

    public override int Order => 10; // around the forward pass: after the batch is prepared

    public double LossScale => scale;

    /// <summary>bf16 on CPU, fp16 on CUDA, unless a type was given.</summary>
    public ScalarType Dtype => dtype ?? (Learner.Device.type == DeviceType.CUDA ? ScalarType.Float16 : ScalarType.BFloat16);

    private bool Scaling => Dtype == ScalarType.Float16;

    public override void BeforeBatch() => region = Autocast.Enter(Learner.Device.type, Dtype);

    public override void AfterLoss() => ExitRegion();

    public override void BeforeBackward()
    {
        if (!Scaling) return;
        using var factor = scale.ToScalar();
        Learner.Loss = Learner.Loss! * factor;
    }

    public override void AfterBackward()
    {
        if (!Scaling) return;
        bool finite = true;
        using (no_grad())
            foreach (var p in Learner.Model.parameters().Where(p => p.grad is not null))
            {
                p.grad!.div_(scale);
                if (finite && !p.grad.isfinite().all().item<bool>()) finite = false;
            }
        if (finite)
        {
            if (++goodSteps >= 2000) { scale *= 2; goodSteps = 0; }
            return;
        }
        scale /= 2;
        goodSteps = 0;
        throw new CancelBatchException(); // skip this step; the next batch tries a smaller scale
    }

    public override void AfterBatch() => ExitRegion();

    public override void AfterFit() => ExitRegion();

    private void ExitRegion()
    {
        region?.Dispose();
        region = null;
    }
}
