using TorchSharp;
using static TorchSharp.torch;

namespace FastVision.Models;

/// <summary>A pretrained CNN cut before its pooling: what a vision learner puts a head on.</summary>
public interface IVisionBody
{
    /// <summary>Channels of the feature map the body produces.</summary>
    long NumFeatures { get; }

    /// <summary>Parameter groups for discriminative learning rates, earliest layers first (the head is added after).</summary>
    IReadOnlyList<IReadOnlyList<nn.Module>> LayerGroups { get; }
}
