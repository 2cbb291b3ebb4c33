using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FastVision.Models;

/// <summary>
/// One row of EfficientNet's stage table (torchvision's <c>MBConvConfig</c> / <c>FusedMBConvConfig</c>), channels and
/// layers already scaled: the first block of the stage maps <paramref name="InputChannels"/> to <paramref name="OutputChannels"/>
/// with <paramref name="Stride"/>, the other <paramref name="Layers"/> - 1 keep the output channels at stride 1.
/// </summary>
/// <param name="ExpandRatio">Hidden channels over input channels (1: no expansion convolution).</param>
/// <param name="Fused">FusedMBConv (EfficientNetV2's early stages: one full kxk convolution instead of 1x1 expand + kxk depthwise, no squeeze-excitation).</param>
public sealed record EfficientNetStage(double ExpandRatio, int Kernel, int Stride, long InputChannels, long OutputChannels, int Layers, bool Fused = false);

/// <summary>One block as the stage table lays it out: where it sits, its channels, stride and stochastic-depth probability.</summary>
internal sealed record EfficientNetBlockPlan(int Stage, int Index, EfficientNetStage Settings, long InputChannels, int Stride, double StochasticDepth)
{
    public long OutputChannels => Settings.OutputChannels;
    /// <summary>The hidden channels, rounded to a multiple of 8 as torchvision's <c>adjust_channels</c> does.</summary>
    public long ExpandedChannels => EfficientNet.MakeDivisible(InputChannels * Settings.ExpandRatio);
    public bool Expands => ExpandedChannels != InputChannels;
}

/// <summary>
/// torchvision's EfficientNet and EfficientNetV2 without its pooling and classifier: the <c>features</c> Sequential
/// (stem conv-BN-SiLU, one Sequential of MBConv / FusedMBConv blocks per stage, 1x1 head conv-BN-SiLU). Field names are
/// torchvision's, so state-dict keys (<c>features.1.0.block.0.0.weight</c>) load its checkpoints as they are.
/// </summary>
public sealed class EfficientNet : VisionBody, IOnnxExportable
{
    private readonly Sequential features;

    /// <param name="stages">The stage table (<see cref="V1Stages"/>, <see cref="V2SStages"/>, or a custom one).</param>
    /// <param name="lastChannels">Channels of the head conv; null: 4 x the last stage's output (torchvision's V1 rule).</param>
    /// <param name="stochasticDepth">Drop probability of the last block's residual branch; earlier blocks get a linearly smaller share.</param>
    /// <param name="batchNormEps">torchvision's V1 uses BatchNorm2d's default 1e-5, V2 1e-3.</param>
    public EfficientNet(IReadOnlyList<EfficientNetStage> stages, long? lastChannels = null, double stochasticDepth = 0.2, double batchNormEps = 1e-5)
        : base(nameof(EfficientNet))
    {
        if (stages.Count == 0) throw new ArgumentException("An EfficientNet needs at least one stage.", nameof(stages));
        var layers = new List<(string, nn.Module<Tensor, Tensor>)>
        {
            ("0", EfficientNetLayers.ConvNormActivation(3, stages[0].InputChannels, 3, 2, batchNormEps)),
        };
        foreach (var stage in Plan(stages, stochasticDepth).GroupBy(b => b.Stage))
            layers.Add((Name(stage.Key + 1), nn.Sequential(stage.Select(b => (Name(b.Index), (nn.Module<Tensor, Tensor>)new MBConv(b, batchNormEps))))));
        NumFeatures = lastChannels ?? 4 * stages[^1].OutputChannels;
        layers.Add((Name(stages.Count + 1), EfficientNetLayers.ConvNormActivation(stages[^1].OutputChannels, NumFeatures, 1, 1, batchNormEps)));
        features = nn.Sequential(layers);
        RegisterComponents();
    }

    public override long NumFeatures { get; }

    /// <summary>
    /// Stem and the first half of the stages | the second half | the head conv: with the classifier four groups, so
    /// discriminative rates spread over the network's depth (the head conv alone holds a tenth of B0's body parameters).
    /// </summary>
    public override IReadOnlyList<IReadOnlyList<nn.Module>> LayerGroups
    {
        get
        {
            var children = features.children().ToList();
            var stages = children[1..^1];
            int half = stages.Count / 2;
            return [[children[0], .. stages[..half]], stages[half..], [children[^1]]];
        }
    }

    protected override Tensor Features(Tensor images) => features.forward(images);

    public string ExportOnnx(OnnxGraph graph, string input) => graph.Emit(features, input);

    /// <summary>EfficientNet-B<i>n</i>'s stage table (the paper's Table 1) with width and depth scaled as torchvision scales them.</summary>
    public static IReadOnlyList<EfficientNetStage> V1Stages(double widthMult, double depthMult)
    {
        EfficientNetStage Stage(double expand, int kernel, int stride, long input, long output, int layers) => new(expand, kernel, stride,
            MakeDivisible(input * widthMult), MakeDivisible(output * widthMult), (int)Math.Ceiling(layers * depthMult));
        return
        [
            Stage(1, 3, 1, 32, 16, 1),
            Stage(6, 3, 2, 16, 24, 2),
            Stage(6, 5, 2, 24, 40, 2),
            Stage(6, 3, 2, 40, 80, 3),
            Stage(6, 5, 1, 80, 112, 3),
            Stage(6, 5, 2, 112, 192, 4),
            Stage(6, 3, 1, 192, 320, 1),
        ];
    }

    /// <summary>EfficientNetV2-S's stage table (the paper's Table 4): three FusedMBConv stages, then MBConv; head conv 1280 channels.</summary>
    public static IReadOnlyList<EfficientNetStage> V2SStages { get; } =
    [
        new(1, 3, 1, 24, 24, 2, Fused: true),
        new(4, 3, 2, 24, 48, 4, Fused: true),
        new(4, 3, 2, 48, 64, 4, Fused: true),
        new(4, 3, 2, 64, 128, 6),
        new(6, 3, 1, 128, 160, 9),
        new(6, 3, 2, 160, 256, 15),
    ];

    /// <summary>torchvision's <c>_make_divisible(v, 8)</c>: the nearest multiple of 8, at least 8, never more than 10% below <paramref name="channels"/>.</summary>
    public static long MakeDivisible(double channels, int divisor = 8)
    {
        long rounded = Math.Max(divisor, (long)(channels + divisor / 2.0) / divisor * divisor);
        return rounded < 0.9 * channels ? rounded + divisor : rounded;
    }

    /// <summary>The blocks of <paramref name="stages"/> in order; block <i>k</i> of <i>n</i> drops its residual branch with probability <paramref name="stochasticDepth"/> * k / n.</summary>
    internal static IEnumerable<EfficientNetBlockPlan> Plan(IReadOnlyList<EfficientNetStage> stages, double stochasticDepth)
    {
        int total = stages.Sum(s => s.Layers), id = 0;
        for (int s = 0; s < stages.Count; s++)
            for (int b = 0; b < stages[s].Layers; b++, id++)
                yield return new EfficientNetBlockPlan(s, b, stages[s], b == 0 ? stages[s].InputChannels : stages[s].OutputChannels,
                    b == 0 ? stages[s].Stride : 1, stochasticDepth * id / total);
    }

    /// <summary>
    /// Maps timm's key names for the same network (<c>conv_stem</c>, <c>bn1</c>, <c>blocks.S.B.*</c>, <c>conv_head</c>, <c>bn2</c>)
    /// to the body's; null for the classifier and anything else outside the body. timm names a block's layers by its kind:
    /// DepthwiseSeparableConv (MBConv without expansion: conv_dw, bn1, se, conv_pw, bn2), InvertedResidual (conv_pw, bn1,
    /// conv_dw, bn2, se, conv_pwl, bn3), EdgeResidual (FusedMBConv with expansion: conv_exp, bn1, conv_pwl, bn2) and
    /// ConvBnAct (FusedMBConv without: conv, bn1); its squeeze-excitation's conv_reduce / conv_expand are torchvision's fc1 / fc2.
    /// </summary>
    public static Func<string, string?> TimmKeys(IReadOnlyList<EfficientNetStage> stages)
    {
        var modules = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["conv_stem"] = "features.0.0",
            ["bn1"] = "features.0.1",
            ["conv_head"] = $"features.{stages.Count + 1}.0",
            ["bn2"] = $"features.{stages.Count + 1}.1",
        };
        foreach (var block in Plan(stages, 0))
            foreach (var (timm, torchvision) in TimmBlockLayers(block))
                modules[$"blocks.{block.Stage}.{block.Index}.{timm}"] = $"features.{block.Stage + 1}.{block.Index}.block.{torchvision}";
        return key =>
        {
            int dot = key.LastIndexOf('.');
            return dot > 0 && modules.TryGetValue(key[..dot], out var module) ? module + key[dot..] : null;
        };
    }

    private static (string Timm, string Torchvision)[] TimmBlockLayers(EfficientNetBlockPlan block) => (block.Settings.Fused, block.Expands) switch
    {
        (false, true) => [("conv_pw", "0.0"), ("bn1", "0.1"), ("conv_dw", "1.0"), ("bn2", "1.1"), ("se.conv_reduce", "2.fc1"), ("se.conv_expand", "2.fc2"), ("conv_pwl", "3.0"), ("bn3", "3.1")],
        (false, false) => [("conv_dw", "0.0"), ("bn1", "0.1"), ("se.conv_reduce", "1.fc1"), ("se.conv_expand", "1.fc2"), ("conv_pw", "2.0"), ("bn2", "2.1")],
        (true, true) => [("conv_exp", "0.0"), ("bn1", "0.1"), ("conv_pwl", "1.0"), ("bn2", "1.1")],
        (true, false) => [("conv", "0.0"), ("bn1", "0.1")],
    };

    private static string Name(int index) => index.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>
/// torchvision's MBConv (1x1 expand, kxk depthwise, squeeze-excitation, 1x1 project) or FusedMBConv (kxk expand, 1x1
/// project; a single kxk conv when it does not expand), in <c>block</c>; with a residual (through stochastic depth) when
/// the shape is kept.
/// </summary>
public sealed class MBConv : nn.Module<Tensor, Tensor>, IOnnxExportable
{
    private readonly Sequential block;
    private readonly TorchSharp.torchvision.StochasticDepth stochastic_depth;
    private readonly bool residual;

    internal MBConv(EfficientNetBlockPlan plan, double batchNormEps) : base(plan.Settings.Fused ? "FusedMBConv" : nameof(MBConv))
    {
        var settings = plan.Settings;
        long input = plan.InputChannels, expanded = plan.ExpandedChannels, output = plan.OutputChannels;
        var layers = new List<nn.Module<Tensor, Tensor>>();
        if (settings.Fused)
        {
            layers.Add(EfficientNetLayers.ConvNormActivation(input, plan.Expands ? expanded : output, settings.Kernel, plan.Stride, batchNormEps));
            if (plan.Expands) layers.Add(EfficientNetLayers.ConvNormActivation(expanded, output, 1, 1, batchNormEps, activation: false));
        }
        else
        {
            if (plan.Expands) layers.Add(EfficientNetLayers.ConvNormActivation(input, expanded, 1, 1, batchNormEps));
            layers.Add(EfficientNetLayers.ConvNormActivation(expanded, expanded, settings.Kernel, plan.Stride, batchNormEps, groups: expanded));
            layers.Add(new SqueezeExcitation(expanded, Math.Max(1, input / 4), nn.SiLU()));
            layers.Add(EfficientNetLayers.ConvNormActivation(expanded, output, 1, 1, batchNormEps, activation: false));
        }
        block = nn.Sequential(layers.Select((layer, i) => (i.ToString(System.Globalization.CultureInfo.InvariantCulture), layer)));
        stochastic_depth = TorchSharp.torchvision.ops.StochasticDepth(plan.StochasticDepth, TorchSharp.torchvision.StochasticDepth.Mode.Row);
        residual = plan.Stride == 1 && input == output;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        if (!residual) return block.forward(x);
        using var scope = NewDisposeScope();
        return stochastic_depth.forward(block.forward(x)).add_(x).MoveToOuterDisposeScope();
    }

    public string ExportOnnx(OnnxGraph graph, string input)
    {
        var h = graph.Emit(block, input);
        return residual ? graph.Node("Add", [graph.Emit(stochastic_depth, h), input]) : h;
    }
}

internal static class EfficientNetLayers
{
    /// <summary>torchvision's Conv2dNormActivation: bias-free kxk conv ("same" padding), BatchNorm, SiLU unless <paramref name="activation"/> is false; keys 0, 1 (and 2).</summary>
    public static Sequential ConvNormActivation(long input, long output, int kernel, int stride, double batchNormEps, long groups = 1, bool activation = true)
    {
        var layers = new List<(string, nn.Module<Tensor, Tensor>)>
        {
            ("0", ConvInit.KaimingNormal(nn.Conv2d(input, output, kernel, stride: stride, padding: (kernel - 1) / 2, groups: groups, bias: false))),
            ("1", nn.BatchNorm2d(output, eps: batchNormEps)),
        };
        if (activation) layers.Add(("2", nn.SiLU()));
        return nn.Sequential(layers);
    }

}
