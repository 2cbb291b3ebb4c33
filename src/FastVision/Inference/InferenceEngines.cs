using FastVision.Native;
using FastVision.Vision;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Tensor = TorchSharp.torch.Tensor;
using static TorchSharp.torch;

namespace FastVision.Inference;

/// <summary>What runs a model on a batch of normalized images [B, 3, S, S] and returns logits [B, classes].</summary>
public interface IInferenceEngine : IDisposable
{
    /// <summary>"torch fp32", "torch bf16", "onnx", for reports.</summary>
    string Name { get; }

    /// <summary>The device batches should be prepared on.</summary>
    Device Device { get; }

    Tensor Forward(Tensor images);
}

/// <summary>TorchSharp: the model in eval mode, fp32 or under autocast.</summary>
public sealed class TorchEngine(VisionModel model, Device device, ScalarType? autocast = null, bool ownsModel = false) : IInferenceEngine
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

/// <summary>ONNX Runtime on the CPU with the exported graph; one intra-op thread per core (its default used one here).</summary>
public sealed class OnnxEngine : IInferenceEngine
{
    private readonly InferenceSession session;

    public OnnxEngine(string onnxPath, int? threads = null)
    {
        if (!File.Exists(onnxPath)) throw new FileNotFoundException($"{onnxPath}: no ONNX model; export one with 'fastvision export' or use --engine torch.");
        using var options = new SessionOptions { IntraOpNumThreads = threads ?? Environment.ProcessorCount, GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        session = new InferenceSession(onnxPath, options);
    }

    public string Name => "onnx";
    public Device Device => CPU;

    public Tensor Forward(Tensor images)
    {
        using var input = images.to(ScalarType.Float32).cpu().contiguous();
        var shape = input.shape.Select(d => (int)d).ToArray();
        var dense = new DenseTensor<float>(input.data<float>().ToArray(), shape);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(OnnxExport.InputName, dense)]);
        var output = results.First(r => r.Name == OnnxExport.OutputName).AsTensor<float>();
        return tensor(output.ToArray(), output.Dimensions.ToArray().Select(d => (long)d).ToArray());
    }

    public void Dispose() => session.Dispose();
}
