using FastVision.Training;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Tensor = TorchSharp.torch.Tensor;
using static TorchSharp.torch;

namespace FastVision.Inference;

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
