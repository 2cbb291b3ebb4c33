using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FastVision.Models;

/// <summary>
/// torchvision's ResBottleneckBlock: relu(proj(x) + f(x)), f = 1x1, grouped 3x3 (carrying the stride), squeeze-excitation,
/// 1x1 without activation. Field and child names are torchvision's, so keys read <c>f.a.0.weight</c>, <c>f.se.fc1.weight</c>,
/// <c>proj.0.weight</c>. The projection is a strided 1x1 convolution, which oneDNN cannot plan on some CPUs: it is a
/// <see cref="PointwiseConv2d"/>, like ResNet's downsample.
/// </summary>
public sealed class ResBottleneckBlock : nn.Module<Tensor, Tensor>, IOnnxExportable
{
    private readonly Sequential? proj;
    private readonly Sequential f;

    /// <param name="groupWidth">Channels per group of the 3x3 convolution.</param>
    /// <param name="bottleneckMultiplier">Bottleneck width over <paramref name="widthOut"/> (1 in torchvision's RegNets).</param>
    /// <param name="seRatio">Squeeze width over <paramref name="widthIn"/> (the block's input, as torchvision defines it); 0: no squeeze-excitation.</param>
    public ResBottleneckBlock(long widthIn, long widthOut, long stride, long groupWidth, double bottleneckMultiplier, double seRatio) : base(nameof(ResBottleneckBlock))
    {
        long bottleneck = (long)Math.Round(widthOut * bottleneckMultiplier); // Python's round: half to even, as Math.Round
        var transform = new List<(string, nn.Module<Tensor, Tensor>)>
        {
            ("a", RegNetLayers.ConvBnRelu(ResNetLayers.Conv1x1(widthIn, bottleneck))),
            ("b", RegNetLayers.ConvBnRelu(ResNetLayers.Conv3x3(bottleneck, bottleneck, stride, bottleneck / groupWidth))),
        };
        if (seRatio > 0) transform.Add(("se", new SqueezeExcitation(bottleneck, (long)Math.Round(seRatio * widthIn))));
        transform.Add(("c", nn.Sequential(("0", ResNetLayers.Conv1x1(bottleneck, widthOut)), ("1", nn.BatchNorm2d(widthOut)))));
        f = nn.Sequential(transform);
        if (widthIn != widthOut || stride != 1)
            proj = nn.Sequential(("0", new PointwiseConv2d(widthIn, widthOut, stride)), ("1", nn.BatchNorm2d(widthOut)));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => ResNetLayers.Residual(x, proj, f.forward);

    public string ExportOnnx(OnnxGraph graph, string input) => ResNetLayers.ResidualOnnx(graph, input, proj, x => graph.Emit(f, x));
}

/// <summary>
/// torchvision's SqueezeExcitation with RegNet's activations: the input scaled per channel by
/// sigmoid(fc2(relu(fc1(global average)))), fc1 and fc2 1x1 convolutions with bias (keys <c>fc1.weight</c>, <c>fc1.bias</c>, ...).
/// </summary>
public sealed class SqueezeExcitation : nn.Module<Tensor, Tensor>, IOnnxExportable
{
    private readonly Conv2d fc1, fc2;

    public SqueezeExcitation(long channels, long squeezeChannels) : base(nameof(SqueezeExcitation))
    {
        fc1 = ResNetLayers.KaimingInit(nn.Conv2d(channels, squeezeChannels, 1));
        fc2 = ResNetLayers.KaimingInit(nn.Conv2d(squeezeChannels, channels, 1));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var scale = nn.functional.sigmoid(fc2.forward(nn.functional.relu(fc1.forward(nn.functional.adaptive_avg_pool2d(x, 1)))));
        return (x * scale).MoveToOuterDisposeScope();
    }

    public string ExportOnnx(OnnxGraph graph, string input)
    {
        var squeezed = graph.Node("Relu", [graph.Conv(fc1, graph.Node("GlobalAveragePool", [input]))]);
        return graph.Node("Mul", [input, graph.Node("Sigmoid", [graph.Conv(fc2, squeezed)])]);
    }
}

internal static class RegNetLayers
{
    /// <summary>torchvision's Conv2dNormActivation with BatchNorm and ReLU: children 0, 1, 2 (keys <c>0.weight</c>, <c>1.running_mean</c>, ...).</summary>
    public static Sequential ConvBnRelu(Conv2d conv) =>
        nn.Sequential(("0", conv), ("1", nn.BatchNorm2d(conv.out_channels)), ("2", nn.ReLU()));
}
