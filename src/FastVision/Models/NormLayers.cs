using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FastVision.Models;

/// <summary>
/// fastai's norm_types: the normalization layers that stay trainable when their layer group is frozen (train_bn: their
/// statistics and affine parameters must adapt to the new data) and that take no weight decay (wd_bn_bias=False).
/// </summary>
public static class NormLayers
{
    public static bool Contains(nn.Module module) =>
        module is BatchNorm1d or BatchNorm2d or BatchNorm3d or LayerNorm or GroupNorm or InstanceNorm1d or InstanceNorm2d or InstanceNorm3d;
}
