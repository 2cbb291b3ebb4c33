using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FastVision.Models;

/// <summary>
/// The <c>features</c> part of a TorchVision classification network (MobileNet-style: one Sequential of stages
/// before the pooling), kept under its own name so state-dict keys are TorchVision's (<c>features.0.0.weight</c>).
/// Layer groups: the first and second half of the stages (fastai's default split puts the whole body in one group;
/// two give discriminative rates something to spread over).
/// </summary>
public sealed class TorchVisionBody : VisionBody
{
    private readonly Sequential features;

    public TorchVisionBody(nn.Module network, long numFeatures) : base(nameof(TorchVisionBody))
    {
        features = network.named_children().FirstOrDefault(c => c.name == "features").module as Sequential
            ?? throw new ArgumentException($"{network.GetType().Name} has no 'features' Sequential to use as a body.");
        NumFeatures = numFeatures;
        RegisterComponents(); // the network's classifier is left to the garbage collector; disposing it would free the shared features
    }

    public override long NumFeatures { get; }

    public override IReadOnlyList<IReadOnlyList<nn.Module>> LayerGroups
    {
        get
        {
            var stages = features.children().ToList();
            return [stages[..(stages.Count / 2)], stages[(stages.Count / 2)..]];
        }
    }

    protected override Tensor Features(Tensor x) => features.forward(x);
}
