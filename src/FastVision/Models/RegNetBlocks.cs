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
        if (seRatio > 0) transform.Add(("se", new SqueezeExcitation(bottleneck, (long)Math.Round(seRatio * widthIn), nn.ReLU())));
        transform.Add(("c", nn.Sequential(("0", ResNetLayers.Conv1x1(bottleneck, widthOut)), ("1", nn.BatchNorm2d(widthOut)))));
        f = nn.Sequential(transform);
        if (widthIn != widthOut || stride != 1)
            proj = nn.Sequential(("0", new PointwiseConv2d(widthIn, widthOut, stride)), ("1", nn.BatchNorm2d(widthOut)));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => ResNetLayers.Residual(x, proj, f.forward);

    public string ExportOnnx(OnnxGraph graph, string input) => ResNetLayers.ResidualOnnx(graph, input, proj, x => graph.Emit(f, x));
}

internal static class RegNetLayers
{
    /// <summary>torchvision's Conv2dNormActivation with BatchNorm and ReLU: children 0, 1, 2 (keys <c>0.weight</c>, <c>1.running_mean</c>, ...).</summary>
    public static Sequential ConvBnRelu(Conv2d conv) =>
        nn.Sequential(("0", conv), ("1", nn.BatchNorm2d(conv.out_channels)), ("2", nn.ReLU()));
}
