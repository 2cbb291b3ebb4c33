using FastVision.Models;
using Google.Protobuf;
using Onnx;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FastVision.Inference;

/// <summary>
/// Writes a trained <see cref="VisionModel"/> (a body that exports itself, see <see cref="IOnnxExportable"/>, and fastai's
/// head) as an ONNX graph, opset 13, input <c>images</c> [batch, 3, size, size] (normalized, batch dynamic), output
/// <c>logits</c> [batch, classes], inference semantics (BatchNorm running statistics, Dropout dropped), and checks it
/// with ONNX Runtime before it is kept.
/// </summary>
public static class OnnxExport
{
    public const int Opset = 13;
    public const string InputName = "images", OutputName = "logits";
    /// <summary>
    /// Largest logit difference allowed between ONNX Runtime and TorchSharp on the probe batch (scaled by the largest
    /// logit when that exceeds 1). The engines differ only in float summation order, far below this.
    /// </summary>
    public const double Tolerance = 1e-4;

    /// <summary>
    /// Writes the graph and checks it before it replaces <paramref name="path"/>: ONNX Runtime and TorchSharp run the
    /// same probe batch of two (in the channels-last view the loaders produce, a layout some CPUs computed wrongly),
    /// and a disagreement beyond <paramref name="tolerance"/> writes nothing and throws <see cref="OnnxMismatchException"/>.
    /// The model must be on the CPU (ONNX Runtime runs there; a GPU's TF32 convolutions would not agree to 1e-4).
    /// </summary>
    public static OnnxAgreement Save(VisionModel model, int size, string path, double tolerance = Tolerance)
    {
        if (model.parameters().Any(p => p.device_type != DeviceType.CPU))
            throw new ArgumentException("ONNX export checks the graph on the CPU: move the model there first.", nameof(model));
        var graph = new OnnxGraph(); // reads parameters and running statistics only
        var logits = new NodeProto { OpType = "Identity", Name = OutputName };
        logits.Input.Add(graph.Emit(model.Head, graph.Emit(model.Body, InputName)));
        logits.Output.Add(OutputName);
        graph.Graph.Node.Add(logits);
        graph.Graph.Input.Add(ImageInput(InputName, size));
        graph.Graph.Output.Add(new ValueInfoProto { Name = OutputName, Type = FloatTensor(new TensorShapeProto.Types.Dimension { DimParam = "batch" }, new TensorShapeProto.Types.Dimension { DimValue = model.NumClasses }) });
        var modelProto = new ModelProto
        {
            IrVersion = 7, ProducerName = "FastVision", ProducerVersion = typeof(OnnxExport).Assembly.GetName().Version?.ToString() ?? "0",
            Graph = graph.Graph,
        };
        modelProto.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        OnnxAgreement? agreement = null;
        AtomicFile.Write(path, temp =>
        {
            using (var file = File.Create(temp)) modelProto.WriteTo(file);
            double difference = MaxDifference(model, size, temp, out double scale);
            agreement = new OnnxAgreement(difference, tolerance * scale);
            if (!agreement.Agrees) throw new OnnxMismatchException(path, difference, agreement.Allowed);
        });
        return agreement!;
    }

    /// <summary>
    /// Largest |logit| difference between the two engines on a seeded probe batch; <paramref name="scale"/> is max(1, largest
    /// |logit|). The model runs in eval mode and is put back in train mode if it was (FastVision's models switch as a whole).
    /// </summary>
    private static double MaxDifference(VisionModel model, int size, string onnxPath, out double scale)
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(0);
        var probe = randn([2, size, size, 3], generator: generator).permute(0, 3, 1, 2);
        bool wasTraining = model.training;
        Tensor expected;
        try
        {
            model.eval();
            using var noGrad = no_grad();
            expected = model.forward(probe);
        }
        finally
        {
            if (wasTraining) model.train();
        }
        using var onnx = new OnnxEngine(onnxPath);
        var actual = onnx.Forward(probe);
        scale = Math.Max(1, expected.abs().max().item<float>());
        return (actual - expected).abs().max().item<float>();
    }

    /// <summary>True when the body writes its own ONNX translation (fastai's head is made of layers <see cref="OnnxGraph"/> knows).</summary>
    public static bool Supports(VisionModel model) => model.Body is IOnnxExportable;

    private static ValueInfoProto ImageInput(string name, int size) => new()
    {
        Name = name,
        Type = FloatTensor(new TensorShapeProto.Types.Dimension { DimParam = "batch" }, new TensorShapeProto.Types.Dimension { DimValue = 3 },
            new TensorShapeProto.Types.Dimension { DimValue = size }, new TensorShapeProto.Types.Dimension { DimValue = size }),
    };

    private static TypeProto FloatTensor(params TensorShapeProto.Types.Dimension[] dims)
    {
        var shape = new TensorShapeProto();
        shape.Dim.AddRange(dims);
        return new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } };
    }
}

/// <summary>How closely ONNX Runtime reproduced the model on the export's probe batch, and the difference allowed.</summary>
public sealed record OnnxAgreement(double MaxDifference, double Allowed)
{
    public bool Agrees => MaxDifference <= Allowed;
}

/// <summary>An exported graph did not compute what the model computes; nothing was written.</summary>
public sealed class OnnxMismatchException(string path, double difference, double tolerance)
    : Exception($"{path}: not written: ONNX Runtime and TorchSharp disagree on a probe batch by up to {difference:G3} (allowed {tolerance:G3})")
{
    public double Difference => difference;
}
