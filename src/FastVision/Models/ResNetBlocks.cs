using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FastVision.Models;

/// <summary>Field names are torchvision's, so state-dict keys (layer1.0.conv1.weight, ...) match its checkpoints.</summary>
public sealed class BasicBlock : nn.Module<Tensor, Tensor>, IOnnxExportable
{
    public const int Expansion = 1;
    private readonly Conv2d conv1, conv2;
    private readonly BatchNorm2d bn1, bn2;
    private readonly Sequential? downsample;

    public BasicBlock(long inplanes, long planes, long stride, Sequential? downsample) : base(nameof(BasicBlock))
    {
        conv1 = ResNetLayers.Conv3x3(inplanes, planes, stride);
        bn1 = nn.BatchNorm2d(planes);
        conv2 = ResNetLayers.Conv3x3(planes, planes, 1);
        bn2 = nn.BatchNorm2d(planes);
        this.downsample = downsample;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => ResNetLayers.Residual(x, downsample,
        x => bn2.forward(conv2.forward(nn.functional.relu(bn1.forward(conv1.forward(x))))));

    public string ExportOnnx(OnnxGraph graph, string input) => ResNetLayers.ResidualOnnx(graph, input, downsample,
        x => graph.Emit(bn2, graph.Emit(conv2, graph.Node("Relu", [graph.Emit(bn1, graph.Emit(conv1, x))]))));
}

/// <summary>
/// torchvision's Bottleneck; <paramref name="groups"/> and <paramref name="baseWidth"/> make it ResNeXt's (32, 4) or
/// Wide ResNet's (1, 128): the 3x3 convolution runs on planes * baseWidth / 64 * groups channels.
/// </summary>
public sealed class Bottleneck : nn.Module<Tensor, Tensor>, IOnnxExportable
{
    public const int Expansion = 4;
    private readonly Conv2d conv1, conv2, conv3;
    private readonly BatchNorm2d bn1, bn2, bn3;
    private readonly Sequential? downsample;

    public Bottleneck(long inplanes, long planes, long stride, Sequential? downsample, long groups = 1, long baseWidth = 64) : base(nameof(Bottleneck))
    {
        long width = planes * baseWidth / 64 * groups;
        conv1 = ResNetLayers.Conv1x1(inplanes, width);
        bn1 = nn.BatchNorm2d(width);
        conv2 = ResNetLayers.Conv3x3(width, width, stride, groups);
        bn2 = nn.BatchNorm2d(width);
        conv3 = ResNetLayers.Conv1x1(width, planes * Expansion);
        bn3 = nn.BatchNorm2d(planes * Expansion);
        this.downsample = downsample;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => ResNetLayers.Residual(x, downsample, x =>
    {
        var h = nn.functional.relu(bn1.forward(conv1.forward(x)));
        h = nn.functional.relu(bn2.forward(conv2.forward(h)));
        return bn3.forward(conv3.forward(h));
    });

    public string ExportOnnx(OnnxGraph graph, string input) => ResNetLayers.ResidualOnnx(graph, input, downsample, x =>
    {
        var h = graph.Node("Relu", [graph.Emit(bn1, graph.Emit(conv1, x))]);
        h = graph.Node("Relu", [graph.Emit(bn2, graph.Emit(conv2, h))]);
        return graph.Emit(bn3, graph.Emit(conv3, h));
    });
}

internal static class ResNetLayers
{
    /// <summary>A residual block's output: relu(branch(x) + x, or + downsample(x) when the shape changes).</summary>
    public static Tensor Residual(Tensor x, Sequential? downsample, Func<Tensor, Tensor> branch)
    {
        using var scope = NewDisposeScope();
        var identity = downsample is null ? x : downsample.forward(x);
        return nn.functional.relu(branch(x).add_(identity)).MoveToOuterDisposeScope();
    }

    /// <summary>The same residual in ONNX: Relu(Add(branch, identity)).</summary>
    public static string ResidualOnnx(OnnxGraph graph, string x, Sequential? downsample, Func<string, string> branch)
    {
        var h = branch(x);
        var identity = downsample is null ? x : graph.Emit(downsample, x);
        return graph.Node("Relu", [graph.Node("Add", [h, identity])]);
    }

    public static Conv2d Conv3x3(long inPlanes, long outPlanes, long stride, long groups = 1) =>
        ConvInit.KaimingNormal(nn.Conv2d(inPlanes, outPlanes, 3, stride: stride, padding: 1, groups: groups, bias: false));

    public static Conv2d Conv1x1(long inPlanes, long outPlanes) =>
        ConvInit.KaimingNormal(nn.Conv2d(inPlanes, outPlanes, 1, bias: false));

}
