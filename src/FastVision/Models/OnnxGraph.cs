using System.Runtime.InteropServices;
using Google.Protobuf;
using Onnx;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FastVision.Models;

/// <summary>
/// A module that writes its own inference-time ONNX translation (opset 13). Architecture files implement it for their
/// bodies and blocks, so adding an exportable architecture touches its own file only.
/// </summary>
public interface IOnnxExportable
{
    /// <summary>Adds the module's nodes to <paramref name="graph"/> after the value <paramref name="input"/>; returns its output's name.</summary>
    string ExportOnnx(OnnxGraph graph, string input);
}

/// <summary>
/// The ONNX graph being written: nodes and initializers with generated names, and the translations of the layers every
/// architecture shares (convolutions, BatchNorm, LayerNorm, activations, pooling, linear, containers). A module it does
/// not know stops the export with its name; modules with their own translation implement <see cref="IOnnxExportable"/>.
/// </summary>
public sealed class OnnxGraph
{
    private int counter;

    public GraphProto Graph { get; } = new() { Name = "fastvision" };

    /// <summary>The output of <paramref name="module"/> applied to the value <paramref name="x"/>, with inference semantics (running statistics, no dropout).</summary>
    public string Emit(nn.Module module, string x)
    {
        switch (module)
        {
            case IOnnxExportable exportable:
                return exportable.ExportOnnx(this, x);
            case Sequential:
                return module.named_children().Aggregate(x, (h, child) => Emit(child.module, h));
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
            case SiLU:
                return Node("Mul", [x, Node("Sigmoid", [x])]);
            case Sigmoid:
                return Node("Sigmoid", [x]);
            case GELU:
                return Gelu(x);
            case AdaptiveAvgPool2d pool when pool.output_size.All(s => s == 1):
                return Node("GlobalAveragePool", [x]);
            case LayerNorm norm:
                return LayerNormLastAxis(x, norm.weight, norm.bias, norm.eps);
            case Flatten:
                return Node("Flatten", [x], Int("axis", 1));
            case Dropout or Identity or TorchSharp.torchvision.StochasticDepth:
                return x; // inference: no dropout, every residual branch kept
            case Linear linear:
                return Node("Gemm", linear.bias is null ? [x, Initializer(linear.weight)] : [x, Initializer(linear.weight), Initializer(linear.bias)], Int("transB", 1));
            case MaxPool2d pool:
                return MaxPool(pool, x);
            default:
                throw new NotSupportedException($"ONNX export does not know the module {module.GetType().Name} ('{module.GetName()}').");
        }
    }

    public string Conv(Conv2d conv, string x)
    {
        if (conv.padding_mode != PaddingModes.Zeros) throw new NotSupportedException($"ONNX export: convolution padding mode {conv.padding_mode}.");
        var inputs = new List<string> { x, Initializer(conv.weight!) };
        if (conv.bias is not null) inputs.Add(Initializer(conv.bias));
        var kernel = conv.kernel_size;
        var pad = conv.padding ?? throw new NotSupportedException("ONNX export: convolutions with string padding.");
        return Node("Conv", [.. inputs], Ints("kernel_shape", kernel[0], kernel[1]), Ints("strides", conv.stride[0], conv.stride[1]),
            Ints("pads", pad[0], pad[1], pad[0], pad[1]), Ints("dilations", conv.dilation[0], conv.dilation[1]), Int("group", conv.groups));
    }

    /// <summary>GELU (erf form, PyTorch's default): 0.5 * x * (1 + erf(x / sqrt 2)); opset 13 has no Gelu node.</summary>
    public string Gelu(string x)
    {
        using var scope = NewDisposeScope();
        var erf = Node("Erf", [Node("Div", [x, Initializer(tensor(MathF.Sqrt(2)))])]);
        return Node("Mul", [Node("Mul", [x, Initializer(tensor(0.5f))]), Node("Add", [erf, Initializer(tensor(1f))])]);
    }

    /// <summary>
    /// LayerNorm over the last axis (opset 13 has no LayerNormalization node): (x - mean) / sqrt(var + eps) * weight + bias,
    /// the variance biased as PyTorch computes it. ConvNeXt-style channel norms permute to channels-last around it.
    /// </summary>
    public string LayerNormLastAxis(string x, Tensor? weight, Tensor? bias, double eps)
    {
        using var scope = NewDisposeScope();
        var centered = Node("Sub", [x, Node("ReduceMean", [x], Ints("axes", -1), Int("keepdims", 1))]);
        var variance = Node("ReduceMean", [Node("Mul", [centered, centered])], Ints("axes", -1), Int("keepdims", 1));
        var y = Node("Div", [centered, Node("Sqrt", [Node("Add", [variance, Initializer(tensor((float)eps))])])]);
        if (weight is not null) y = Node("Mul", [y, Initializer(weight)]);
        if (bias is not null) y = Node("Add", [y, Initializer(bias)]);
        return y;
    }

    public string MaxPool(MaxPool2d pool, string x)
    {
        var kernel = pool.kernel_size;
        var stride = pool.stride ?? kernel;
        var pad = pool.padding ?? [0, 0];
        return Node("MaxPool", [x], Ints("kernel_shape", kernel[0], kernel[1]), Ints("strides", stride[0], stride[1]), Ints("pads", pad[0], pad[1], pad[0], pad[1]));
    }

    /// <summary>Adds a node <paramref name="op"/> on <paramref name="inputs"/>; returns the name of its (single) output.</summary>
    public string Node(string op, string[] inputs, params AttributeProto[] attributes)
    {
        var name = $"{op.ToLowerInvariant()}_{counter++}";
        var node = new NodeProto { OpType = op, Name = name };
        node.Input.AddRange(inputs);
        node.Output.Add(name);
        node.Attribute.AddRange(attributes);
        Graph.Node.Add(node);
        return name;
    }

    /// <summary>A constant (float32, the tensor's shape) the graph carries; returns its name.</summary>
    public string Initializer(Tensor value)
    {
        var name = $"w_{counter++}";
        using var data = value.detach().cpu().to(ScalarType.Float32).contiguous();
        var proto = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float, RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(data.data<float>().ToArray().AsSpan())) };
        proto.Dims.AddRange(data.shape);
        Graph.Initializer.Add(proto);
        return name;
    }

    /// <summary>An int64 constant (shapes, axes); returns its name.</summary>
    public string Int64Initializer(params long[] values)
    {
        var name = $"i_{counter++}";
        var proto = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64, RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan())) };
        proto.Dims.Add(values.Length);
        Graph.Initializer.Add(proto);
        return name;
    }

    public static AttributeProto Ints(string name, params long[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(values);
        return a;
    }

    public static AttributeProto Int(string name, long value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };
    public static AttributeProto Float(string name, double value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = (float)value };
}
