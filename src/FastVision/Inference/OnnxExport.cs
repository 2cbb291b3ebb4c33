using System.Runtime.InteropServices;
using FastVision.Models;
using Google.Protobuf;
using Onnx;
using TorchSharp;
using TorchSharp.Modules;
using ResNet = FastVision.Models.ResNet;
using static TorchSharp.torch;

namespace FastVision.Inference;

/// <summary>
/// Writes a trained <see cref="VisionModel"/> (ResNet bodies and fastai's head) as an ONNX graph, opset 13,
/// input <c>images</c> [batch, 3, size, size] (normalized, batch dynamic), output <c>logits</c> [batch, classes],
/// inference semantics (BatchNorm running statistics, Dropout dropped). The graph is built module by module
/// with OnnxSharp's protobuf classes; a module it does not know stops the export with its name.
/// </summary>
public sealed class OnnxExport
{
    public const int Opset = 13;
    public const string InputName = "images", OutputName = "logits";
    private readonly GraphProto graph = new() { Name = "fastvision" };
    private int counter;

    private OnnxExport() { }

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
        var export = new OnnxExport(); // reads parameters and running statistics only
        var logits = new NodeProto { OpType = "Identity", Name = OutputName };
        logits.Input.Add(export.Emit(model.Head, export.Emit(model.Body, InputName)));
        logits.Output.Add(OutputName);
        export.graph.Node.Add(logits);
        export.graph.Input.Add(ImageInput(InputName, size));
        export.graph.Output.Add(new ValueInfoProto { Name = OutputName, Type = FloatTensor(new TensorShapeProto.Types.Dimension { DimParam = "batch" }, new TensorShapeProto.Types.Dimension { DimValue = model.NumClasses }) });
        var modelProto = new ModelProto
        {
            IrVersion = 7, ProducerName = "FastVision", ProducerVersion = typeof(OnnxExport).Assembly.GetName().Version?.ToString() ?? "0",
            Graph = export.graph,
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

    /// <summary>True when every module of <paramref name="model"/> has an ONNX translation.</summary>
    public static bool Supports(VisionModel model) => model.Body is ResNet;

    private string Emit(nn.Module module, string x)
    {
        var children = module.named_children().ToDictionary(c => c.name, c => c.module);
        switch (module)
        {
            case ResNet:
                var stem = Node("MaxPool", [Node("Relu", [Emit(children["bn1"], Emit(children["conv1"], x))])],
                    MaxPoolAttributes((MaxPool2d)children["maxpool"]));
                return new[] { "layer1", "layer2", "layer3", "layer4" }.Aggregate(stem, (h, name) => Emit(children[name], h));
            case BasicBlock or Bottleneck:
            {
                var h = Node("Relu", [Emit(children["bn1"], Emit(children["conv1"], x))]);
                var last = "2";
                if (module is Bottleneck)
                {
                    h = Node("Relu", [Emit(children["bn2"], Emit(children["conv2"], h))]);
                    last = "3";
                }
                h = Emit(children["bn" + last], Emit(children["conv" + last], h));
                var identity = children.TryGetValue("downsample", out var downsample) ? Emit(downsample, x) : x;
                return Node("Relu", [Node("Add", [h, identity])]);
            }
            case Sequential:
                return children.Values.Aggregate(x, (h, child) => Emit(child, h));
            case PointwiseConv2d pointwise:
                return Node("Conv", [x, Initializer(pointwise.named_parameters().Single().parameter)],
                    Ints("kernel_shape", 1, 1), Ints("strides", pointwise.Stride, pointwise.Stride));
            case Conv2d conv:
                return Conv(conv, x);
            case BatchNorm2d bn:
                return Node("BatchNormalization", [x, Initializer(bn.weight!), Initializer(bn.bias!), Initializer(bn.running_mean!), Initializer(bn.running_var!)],
                    Float("epsilon", bn.eps));
            case BatchNorm1d bn:
            {
                // y = x * gamma / sqrt(var + eps) + (beta - mean * gamma / sqrt(var + eps)): two elementwise nodes.
                using var scope = NewDisposeScope();
                var scale = bn.weight!.detach() / (bn.running_var!.detach() + bn.eps).sqrt();
                var shift = bn.bias!.detach() - bn.running_mean!.detach() * scale;
                return Node("Add", [Node("Mul", [x, Initializer(scale)]), Initializer(shift)]);
            }
            case ReLU:
                return Node("Relu", [x]);
            case AdaptiveConcatPool2d:
                return Node("Concat", [Node("GlobalMaxPool", [x]), Node("GlobalAveragePool", [x])], Int("axis", 1));
            case Flatten:
                return Node("Flatten", [x], Int("axis", 1));
            case Dropout:
                return x;
            case Linear linear:
                return Node("Gemm", linear.bias is null ? [x, Initializer(linear.weight)] : [x, Initializer(linear.weight), Initializer(linear.bias)], Int("transB", 1));
            default:
                throw new NotSupportedException($"ONNX export does not know the module {module.GetType().Name} ('{module.GetName()}'); supported: ResNet bodies and fastai's head.");
        }
    }

    private string Conv(Conv2d conv, string x)
    {
        if (conv.padding_mode != PaddingModes.Zeros) throw new NotSupportedException($"ONNX export: convolution padding mode {conv.padding_mode}.");
        var inputs = new List<string> { x, Initializer(conv.weight!) };
        if (conv.bias is not null) inputs.Add(Initializer(conv.bias));
        var kernel = conv.kernel_size;
        var pad = conv.padding ?? throw new NotSupportedException("ONNX export: convolutions with string padding.");
        return Node("Conv", [.. inputs], Ints("kernel_shape", kernel[0], kernel[1]), Ints("strides", conv.stride[0], conv.stride[1]),
            Ints("pads", pad[0], pad[1], pad[0], pad[1]), Ints("dilations", conv.dilation[0], conv.dilation[1]), Int("group", conv.groups));
    }

    private static AttributeProto[] MaxPoolAttributes(MaxPool2d pool)
    {
        var kernel = pool.kernel_size;
        var stride = pool.stride ?? kernel;
        var pad = pool.padding ?? [0, 0];
        return [Ints("kernel_shape", kernel[0], kernel[1]), Ints("strides", stride[0], stride[1]), Ints("pads", pad[0], pad[1], pad[0], pad[1])];
    }

    private string Node(string op, string[] inputs, params AttributeProto[] attributes)
    {
        var name = $"{op.ToLowerInvariant()}_{counter++}";
        var node = new NodeProto { OpType = op, Name = name };
        node.Input.AddRange(inputs);
        node.Output.Add(name);
        node.Attribute.AddRange(attributes);
        graph.Node.Add(node);
        return name;
    }

    private string Initializer(Tensor value)
    {
        var name = $"w_{counter++}";
        using var data = value.detach().cpu().to(ScalarType.Float32).contiguous();
        var proto = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float, RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(data.data<float>().ToArray().AsSpan())) };
        proto.Dims.AddRange(data.shape);
        graph.Initializer.Add(proto);
        return name;
    }

    private static AttributeProto Ints(string name, params long[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(values);
        return a;
    }

    private static AttributeProto Int(string name, long value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };
    private static AttributeProto Float(string name, double value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = (float)value };

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
