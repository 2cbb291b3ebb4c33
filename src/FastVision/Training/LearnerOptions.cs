using FastVision.Metrics;

namespace FastVision.Training;

public enum OptimizerKind
{
    /// <summary>Adam with decoupled weight decay (fastai's default Adam with true_wd).</summary>
    AdamW,

    /// <summary>SGD with momentum (the momentum follows the schedule like Adam's beta1).</summary>
    Sgd,
}

/// <summary>How a learner trains (fastai's vision_learner defaults).</summary>
public sealed record LearnerOptions
{
    /// <summary>"auto" picks CUDA when available, else CPU.</summary>
    public string Device { get; init; } = "auto";

    /// <summary>Start from the architecture's (or the name's) pretrained weights, fetched when not cached, and freeze the body; false: random init.</summary>
    public bool Pretrained { get; init; } = true;

    /// <summary>
    /// A state dict to start from instead of the built-in weights (.pth/.pt/.bin/.safetensors: torchvision or timm names, or a
    /// FastVision model); the body is then frozen as a pretrained one. See <see cref="Models.BodyWeights"/>.
    /// </summary>
    public string? Weights { get; init; }

    /// <summary>Where pretrained weights are looked for and downloaded to; null: <see cref="Models.WeightStore.FromEnvironment"/>.</summary>
    public Models.WeightStore? WeightStore { get; init; }

    public OptimizerKind Optimizer { get; init; } = OptimizerKind.AdamW;

    /// <summary>Decoupled weight decay, fastai's 0.01; normalization layers and biases get none (wd_bn_bias=False).</summary>
    public double WeightDecay { get; init; } = 0.01;

    /// <summary>Adam's beta2; beta1 (or SGD's momentum) follows the schedule.</summary>
    public double Beta2 { get; init; } = 0.99;

    public double Eps { get; init; } = 1e-5;

    /// <summary>Mixed precision: null for fp32, else the autocast type (bf16 on CPU; fp16 with loss scaling on CUDA).</summary>
    public TorchSharp.torch.ScalarType? MixedPrecision { get; init; }

    /// <summary>Label smoothing of the cross-entropy loss (fastai's LabelSmoothingCrossEntropy uses 0.1); 0 for none.</summary>
    public double LabelSmoothing { get; init; }

    /// <summary>Per-class weights of the cross-entropy loss, in the classes' order (<see cref="ClassWeights.Balanced"/>); null: equal.</summary>
    public float[]? ClassWeights { get; init; }

    /// <summary>Metrics shown each epoch; null: accuracy and error_rate.</summary>
    public Func<IReadOnlyList<string>, IReadOnlyList<IMetric>>? Metrics { get; init; }

    /// <summary>Seeds head initialization and dropout (the data loaders have their own seed).</summary>
    public int Seed { get; init; } = 42;

    /// <summary>Where the per-epoch table goes; null for silence.</summary>
    public TextWriter? Log { get; init; } = Console.Out;
}
