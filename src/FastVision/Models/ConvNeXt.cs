using FastVision.Native;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FastVision.Models;

/// <summary>One ConvNeXt stage: its channels and its number of blocks (torchvision's CNBlockConfig, whose out_channels is the next stage's channels).</summary>
public readonly record struct ConvNeXtStage(long Channels, int Blocks);

/// <summary>
/// torchvision's ConvNeXt without its pooling and classifier (its <c>features</c>): a 4x4 stride-4 patch stem with a channel
/// LayerNorm, then stages of <see cref="CNBlock"/>s with a LayerNorm + 2x2 stride-2 convolution between them. Key names are
/// torchvision's (<c>features.0.0.weight</c>, <c>features.1.0.block.0.weight</c>, <c>features.1.0.layer_scale</c>,
/// <c>features.2.1.weight</c>): features holds the stem at 0, stage s at 2s+1 and the downsampling before it at 2s.
/// </summary>
public sealed class ConvNeXt : VisionBody, IOnnxExportable
{
    private readonly Sequential features;
    private readonly int stageCount;

    /// <param name="stages">Channels and blocks per stage, earliest first (convnext_tiny: (96, 3), (192, 3), (384, 9), (768, 3)).</param>
    /// <param name="stochasticDepthProbability">
    /// The last block's probability of dropping its residual branch in training; earlier blocks' rise linearly from 0, as in
    /// torchvision (convnext_tiny trains with 0.1, convnext_small with 0.4).
    /// </param>
    public ConvNeXt(IReadOnlyList<ConvNeXtStage> stages, double stochasticDepthProbability) : base(nameof(ConvNeXt))
    {
        if (stages.Count == 0) throw new ArgumentException("A ConvNeXt has at least one stage.", nameof(stages));
        var layers = new List<nn.Module<Tensor, Tensor>>
        {
            nn.Sequential(("0", ConvNeXtLayers.Init(nn.Conv2d(3, stages[0].Channels, 4, stride: 4))), ("1", new LayerNorm2d(stages[0].Channels))),
        };
        int totalBlocks = stages.Sum(s => s.Blocks), blockIndex = 0;
        for (int s = 0; s < stages.Count; s++)
        {
            if (s > 0)
                layers.Add(nn.Sequential(
                    ("0", new LayerNorm2d(stages[s - 1].Channels)),
                    ("1", ConvNeXtLayers.Init(nn.Conv2d(stages[s - 1].Channels, stages[s].Channels, 2, stride: 2)))));
            var blocks = new List<nn.Module<Tensor, Tensor>>();
            for (int b = 0; b < stages[s].Blocks; b++, blockIndex++)
                blocks.Add(new CNBlock(stages[s].Channels, totalBlocks > 1 ? stochasticDepthProbability * blockIndex / (totalBlocks - 1.0) : 0));
            layers.Add(Numbered(blocks));
        }
        features = Numbered(layers);
        stageCount = stages.Count;
        NumFeatures = stages[^1].Channels;
        RegisterComponents();
    }

    public override long NumFeatures { get; }

    /// <summary>
    /// The stem and the first half of the stages | the rest, each stage with the downsampling that feeds it, as the ResNets
    /// split (convnext_tiny: stem + stages 1-2 | stages 3-4).
    /// </summary>
    public override IReadOnlyList<IReadOnlyList<nn.Module>> LayerGroups
    {
        get
        {
            var children = features.children().ToList();
            int firstGroup = 2 * ((stageCount + 1) / 2);
            IReadOnlyList<nn.Module>[] groups = [children[..firstGroup], children[firstGroup..]];
            return [.. groups.Where(g => g.Count > 0)];
        }
    }

    /// <summary>Its channel LayerNorms are norm layers too (trainable when frozen, no weight decay), besides the blocks' LayerNorms.</summary>
    public override bool IsNormLayer(nn.Module module) => module is LayerNorm2d || base.IsNormLayer(module);

    protected override Tensor Features(Tensor x)
    {
        using var scope = NewDisposeScope();
        return features.forward(x).MoveToOuterDisposeScope();
    }

    public string ExportOnnx(OnnxGraph graph, string input) => graph.Emit(features, input);

    private static Sequential Numbered(IEnumerable<nn.Module<Tensor, Tensor>> modules) =>
        nn.Sequential(modules.Select((m, i) => (i.ToString(System.Globalization.CultureInfo.InvariantCulture), m)));
}

/// <summary>
/// torchvision's ConvNeXt block: 7x7 depthwise convolution, then channels-last LayerNorm → Linear(4C) → GELU → Linear(C),
/// scaled per channel by <c>layer_scale</c> ([C,1,1], 1e-6 at init), randomly dropped per sample in training (stochastic
/// depth, "row" mode), added to the input. Field names are torchvision's (<c>block.0</c>, <c>block.2</c>, <c>block.3</c>,
/// <c>block.5</c>, <c>layer_scale</c>).
/// </summary>
public sealed class CNBlock : nn.Module<Tensor, Tensor>, IOnnxExportable
{
    private readonly Sequential block;
    private readonly Parameter layer_scale;
    private readonly TorchSharp.torchvision.StochasticDepth stochastic_depth;

    public CNBlock(long channels, double stochasticDepthProbability, double layerScale = 1e-6) : base(nameof(CNBlock))
    {
        block = nn.Sequential(
            ("0", ConvNeXtLayers.Init(nn.Conv2d(channels, channels, 7, padding: 3, groups: channels))),
            ("1", new Permute(0, 2, 3, 1)),
            ("2", nn.LayerNorm(channels, eps: 1e-6)),
            ("3", ConvNeXtLayers.Init(nn.Linear(channels, 4 * channels))),
            ("4", nn.GELU()),
            ("5", ConvNeXtLayers.Init(nn.Linear(4 * channels, channels))),
            ("6", new Permute(0, 3, 1, 2)));
        layer_scale = new Parameter(full(channels, 1, 1, layerScale));
        stochastic_depth = TorchSharp.torchvision.ops.StochasticDepth(stochasticDepthProbability, TorchSharp.torchvision.StochasticDepth.Mode.Row);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var branch = stochastic_depth.forward(layer_scale * ConvNeXtLayers.ConvolutionLayout(block.forward(input)));
        return branch.add(input).MoveToOuterDisposeScope();
    }

    /// <summary>The block at inference (stochastic depth keeps every branch): its Linear layers act on [N,H,W,C], so they are MatMul + Add.</summary>
    public string ExportOnnx(OnnxGraph graph, string input)
    {
        var branch = block.named_children().Aggregate(input, (h, child) => child.module is Linear linear ? ChannelsLastLinear(graph, linear, h) : graph.Emit(child.module, h));
        return graph.Node("Add", [graph.Node("Mul", [branch, graph.Initializer(layer_scale)]), input]);
    }

    /// <summary>x · Wᵀ + b over the last axis of a tensor of any rank (ONNX's Gemm takes 2-D inputs only).</summary>
    private static string ChannelsLastLinear(OnnxGraph graph, Linear linear, string x)
    {
        using var transposed = linear.weight.detach().t();
        var product = graph.Node("MatMul", [x, graph.Initializer(transposed)]);
        return linear.bias is null ? product : graph.Node("Add", [product, graph.Initializer(linear.bias)]);
    }
}

/// <summary>
/// torchvision's LayerNorm2d: LayerNorm over the channels of an NCHW tensor (normalizing each pixel's channel vector),
/// computed channels-last. Keys <c>weight</c> and <c>bias</c>, eps 1e-6 as ConvNeXt uses it.
/// </summary>
public sealed class LayerNorm2d : nn.Module<Tensor, Tensor>, IOnnxExportable
{
    private readonly Parameter weight, bias;
    private readonly long channels;
    private readonly double eps;

    public LayerNorm2d(long channels, double eps = 1e-6) : base(nameof(LayerNorm2d))
    {
        weight = new Parameter(ones(channels));
        bias = new Parameter(zeros(channels));
        this.channels = channels;
        this.eps = eps;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var normalized = nn.functional.layer_norm(x.permute(0, 2, 3, 1), [channels], weight, bias, eps);
        return ConvNeXtLayers.ConvolutionLayout(normalized.permute(0, 3, 1, 2)).MoveToOuterDisposeScope();
    }

    public string ExportOnnx(OnnxGraph graph, string input)
    {
        var channelsLast = Permute.Transpose(graph, input, 0, 2, 3, 1);
        return Permute.Transpose(graph, graph.LayerNormLastAxis(channelsLast, weight, bias, eps), 0, 3, 1, 2);
    }
}

/// <summary>torchvision's Permute module (ConvNeXt's switch to channels-last and back); ONNX: Transpose.</summary>
public sealed class Permute(params long[] dims) : nn.Module<Tensor, Tensor>(nameof(Permute)), IOnnxExportable
{
    public override Tensor forward(Tensor x) => x.permute(dims);

    public string ExportOnnx(OnnxGraph graph, string input) => Transpose(graph, input, dims);

    internal static string Transpose(OnnxGraph graph, string input, params long[] dims) => graph.Node("Transpose", [input], OnnxGraph.Ints("perm", dims));
}

internal static class ConvNeXtLayers
{
    /// <summary>
    /// torchvision's ConvNeXt init for convolutions and linear layers: weights trunc_normal_(std=0.02), biases zero. Its
    /// truncation bounds are absolute (±2, i.e. ±100 std), so the distribution is normal(0, 0.02); TorchSharp 0.107's
    /// trunc_normal_ is not used because it fills the tensor with a constant (the std) and the odd NaN.
    /// </summary>
    public static T Init<T>(T layer) where T : nn.Module
    {
        using var noGrad = no_grad();
        foreach (var (name, p) in layer.named_parameters(recurse: false))
        {
            if (name == "weight") nn.init.normal_(p, std: 0.02);
            else nn.init.zeros_(p);
        }
        return layer;
    }

    /// <summary>
    /// A channels-last view back in NCHW shape, as the next convolution gets it: on CPUs where channels-last convolutions
    /// compute wrong results (<see cref="OneDnnHazard"/>) copied to NCHW memory, elsewhere as is (no cost).
    /// </summary>
    public static Tensor ConvolutionLayout(Tensor nchwView) =>
        nchwView.device_type == DeviceType.CPU && OneDnnHazard.MitigationEnabled ? nchwView.contiguous() : nchwView;
}
