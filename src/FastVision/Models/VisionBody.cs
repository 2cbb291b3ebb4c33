using FastVision.Native;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FastVision.Models;

/// <summary>
/// A pretrained CNN cut before its pooling: what a vision learner puts a head on. On CPUs whose CPUID reports no
/// caches (<see cref="OneDnnHazard"/>), libtorch's AVX-512 channels-last convolutions compute wrong results (features
/// off by up to 5.9 of 23) and plan some 1x1 convolutions with a division by zero (SIGFPE), while the same
/// convolutions on NCHW memory are right. The loaders' batches are channels-last views of HWC bytes, so there every
/// body copies a non-contiguous batch to NCHW before its first layer; elsewhere the batch runs as given (no cost).
/// </summary>
public abstract class VisionBody(string name) : nn.Module<Tensor, Tensor>(name)
{
    /// <summary>Channels of the feature map the body produces.</summary>
    public abstract long NumFeatures { get; }

    /// <summary>Parameter groups for discriminative learning rates, earliest layers first (the head is added after).</summary>
    public abstract IReadOnlyList<IReadOnlyList<nn.Module>> LayerGroups { get; }

    /// <summary>
    /// The body's normalization layers: they stay trainable when the body is frozen (fastai's <c>train_bn</c>: their
    /// statistics and affine parameters must adapt to the new data) and get no weight decay (wd_bn_bias=False).
    /// </summary>
    public virtual bool IsNormLayer(nn.Module module) => NormLayers.Contains(module);

    public sealed override Tensor forward(Tensor images)
    {
        if (images.device_type != DeviceType.CPU || !OneDnnHazard.MitigationEnabled || images.is_contiguous()) return Features(images);
        using var contiguous = images.contiguous();
        return Features(contiguous);
    }

    /// <summary>The feature map of a batch (NCHW-contiguous on CPUs where the layout matters).</summary>
    protected abstract Tensor Features(Tensor images);
}
