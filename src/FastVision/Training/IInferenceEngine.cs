using static TorchSharp.torch;

namespace FastVision.Training;

/// <summary>What runs a model on a batch of normalized images [B, 3, S, S] and returns logits [B, classes].</summary>
public interface IInferenceEngine : IDisposable
{
    /// <summary>"torch fp32", "torch bf16", "onnx", for reports.</summary>
    string Name { get; }

    /// <summary>The device batches should be prepared on.</summary>
    Device Device { get; }

    Tensor Forward(Tensor images);
}
