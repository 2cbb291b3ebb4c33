namespace FastVision.Training;

/// <summary>How a learner trains (fastai's vision_learner defaults).</summary>
public sealed record LearnerOptions
{
    /// <summary>"auto" picks CUDA when available, else CPU.</summary>
    public string Device { get; init; } = "auto";

    /// <summary>Load the architecture's pretrained weights (and freeze the body) when it has some.</summary>
    public bool Pretrained { get; init; } = true;

    /// <summary>Decoupled weight decay (AdamW), fastai's 0.01.</summary>
    public double WeightDecay { get; init; } = 0.01;

    /// <summary>Adam's beta2; beta1 follows the momentum schedule.</summary>
    public double Beta2 { get; init; } = 0.99;

    public double Eps { get; init; } = 1e-5;

    /// <summary>Seeds head initialization, dropout and shuffling.</summary>
    public int Seed { get; init; } = 42;

    /// <summary>Where the per-epoch table goes; null for silence.</summary>
    public TextWriter? Log { get; init; } = Console.Out;
}
