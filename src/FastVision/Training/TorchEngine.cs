using FastVision.Native;
using static TorchSharp.torch;

namespace FastVision.Training;

/// <summary>TorchSharp: the model in eval mode, fp32 or under autocast.</summary>
public sealed class TorchEngine(nn.Module<Tensor, Tensor> model, Device device, ScalarType? autocast = null, bool ownsModel = false) : IInferenceEngine
{
    public string Name => autocast switch { ScalarType.BFloat16 => "torch bf16", ScalarType.Float16 => "torch fp16", _ => "torch fp32" };
    public Device Device => device;

    public Tensor Forward(Tensor images)
    {
        model.eval();
        using var noGrad = no_grad();
        using (autocast is { } dtype ? Autocast.Enter(device.type, dtype) : null)
            return model.forward(images);
    }

    public void Dispose()
    {
        if (ownsModel) model.Dispose();
    }
}
