using FastVision.Data;
using static TorchSharp.torch;

namespace FastVision.Inference;

/// <summary>What runs the model at prediction.</summary>
public enum PredictionEngine
{
    /// <summary>ONNX Runtime when the bundle has model.onnx and fp32 on the CPU is asked for; TorchSharp otherwise.</summary>
    Auto,
    Torch,
    Onnx,
}

/// <summary>How a <see cref="Predictor"/> runs: device, precision, batch size, test-time augmentation, bad images.</summary>
public sealed record PredictorOptions
{
    public PredictionEngine Engine { get; init; } = PredictionEngine.Auto;

    /// <summary>auto (CUDA when available), cpu or cuda[:N].</summary>
    public string Device { get; init; } = "auto";

    /// <summary>Autocast type for the forward pass (bf16 on CPU); null for fp32.</summary>
    public ScalarType? MixedPrecision { get; init; }

    public int BatchSize { get; init; } = 32;

    /// <summary>Intra-op threads of the engine (ONNX Runtime's, or libtorch's); null: one per core.</summary>
    public int? Threads { get; init; }

    /// <summary>fastai's tta when set; plain predictions otherwise.</summary>
    public TestTimeAugmentation? Tta { get; init; }

    /// <summary>Seeds the test-time augmentation.</summary>
    public int Seed { get; init; } = 42;

    public BadImagePolicy OnBadImage { get; init; } = BadImagePolicy.Skip;

    /// <summary>Apply the bundle's fitted temperature (when it has one).</summary>
    public bool Calibrated { get; init; } = true;

    /// <summary>How an ensemble folder combines its members' probabilities.</summary>
    public EnsembleCombination Ensemble { get; init; } = EnsembleCombination.Mean;
}
