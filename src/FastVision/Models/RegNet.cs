using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FastVision.Models;

/// <summary>One stage of a RegNet: its output width, number of blocks, channels per group of its 3x3 convolutions and bottleneck multiplier.</summary>
public sealed record RegNetStage(long Width, int Depth, long GroupWidth, double BottleneckMultiplier = 1.0);

/// <summary>
/// torchvision's RegNet without its pooling and classifier: a 3x3 stride-2 stem (SimpleStemIN) and four stages
/// (<c>trunk_output.block1</c> ... <c>block4</c>) of <see cref="ResBottleneckBlock"/>s, the first block of each halving
/// the resolution. With a squeeze-excitation ratio it is a RegNetY, without one a RegNetX. Key names are torchvision's
/// (<c>stem.0.weight</c>, <c>trunk_output.block1.block1-0.f.a.0.weight</c>, ...).
/// </summary>
public sealed class RegNet : VisionBody, IOnnxExportable
{
    /// <summary>Block widths are quantized to multiples of this (torchvision's QUANT).</summary>
    private const int WidthQuantum = 8;

    private readonly Sequential stem;
    private readonly Sequential trunk_output; // named as torchvision's key prefix: registration takes field names

    /// <param name="stages">Per-stage settings, the first stage first (see <see cref="StagesFromInitParams"/> for torchvision's models).</param>
    /// <param name="seRatio">Squeeze width over each block's input width; 0: no squeeze-excitation (RegNetX).</param>
    /// <param name="stemWidth">Channels of the stem (32 in every torchvision RegNet).</param>
    public RegNet(IReadOnlyList<RegNetStage> stages, double seRatio, long stemWidth = 32) : base(nameof(RegNet))
    {
        if (stages.Count == 0 || stages.Any(s => s.Depth < 1 || s.Width < 1 || s.GroupWidth < 1))
            throw new ArgumentException("A RegNet needs stages of at least one block with positive widths.", nameof(stages));
        stem = RegNetLayers.ConvBnRelu(ResNetLayers.Conv3x3(3, stemWidth, stride: 2));
        long width = stemWidth;
        var trunk = new List<(string, nn.Module<Tensor, Tensor>)>();
        foreach (var (stage, index) in stages.Select((s, i) => (s, i + 1)))
        {
            var blocks = new List<(string, nn.Module<Tensor, Tensor>)>();
            for (int i = 0; i < stage.Depth; i++)
            {
                blocks.Add(($"block{index}-{i}", new ResBottleneckBlock(width, stage.Width, i == 0 ? 2 : 1, stage.GroupWidth, stage.BottleneckMultiplier, seRatio)));
                width = stage.Width;
            }
            trunk.Add(($"block{index}", nn.Sequential(blocks)));
        }
        trunk_output = nn.Sequential(trunk);
        NumFeatures = width;
        RegisterComponents();
    }

    public override long NumFeatures { get; }

    /// <summary>fastai's split for ResNet-like bodies: stem + the first two stages | the last two.</summary>
    public override IReadOnlyList<IReadOnlyList<nn.Module>> LayerGroups
    {
        get
        {
            var stages = trunk_output.children().ToList();
            int early = stages.Count / 2;
            return [[stem, .. stages.Take(early)], [.. stages.Skip(early)]];
        }
    }

    protected override Tensor Features(Tensor x)
    {
        using var scope = NewDisposeScope();
        return trunk_output.forward(stem.forward(x)).MoveToOuterDisposeScope();
    }

    public string ExportOnnx(OnnxGraph graph, string input) => graph.Emit(trunk_output, graph.Emit(stem, input));

    /// <summary>
    /// torchvision's <c>BlockParams.from_init_params</c>: block j of <paramref name="depth"/> gets the width
    /// <paramref name="w0"/> * <paramref name="wm"/>^round(log((j * <paramref name="wa"/> + w0) / w0) / log(wm)), quantized to
    /// multiples of 8; runs of equal widths become the stages; then each stage's bottleneck width is made a multiple of its
    /// group width (group width at most the bottleneck width). Computed in float32 as torchvision's tensors compute it, so the
    /// rounding of the log-space steps lands where torchvision's does.
    /// </summary>
    public static IReadOnlyList<RegNetStage> StagesFromInitParams(int depth, int w0, double wa, double wm, int groupWidth, double bottleneckMultiplier = 1.0)
    {
        if (wa < 0 || w0 <= 0 || wm <= 1 || w0 % WidthQuantum != 0 || depth < 1) throw new ArgumentException("Invalid RegNet settings.");
        float logWm = (float)Math.Log(wm), powerBase = (float)wm;
        var blockWidths = Enumerable.Range(0, depth).Select(j =>
        {
            float continuous = j * (float)wa + w0;
            float capacity = MathF.Round(MathF.Log(continuous / w0) / logWm);
            return (long)MathF.Round(w0 * MathF.Pow(powerBase, capacity) / WidthQuantum) * WidthQuantum;
        }).ToList();
        var stages = new List<RegNetStage>();
        for (int start = 0, end; start < depth; start = end)
        {
            for (end = start + 1; end < depth && blockWidths[end] == blockWidths[start]; end++) { }
            long bottleneck = (long)(blockWidths[start] * bottleneckMultiplier);
            long stageGroupWidth = Math.Min(groupWidth, bottleneck);
            stages.Add(new RegNetStage((long)(MakeDivisible(bottleneck, stageGroupWidth) / bottleneckMultiplier), end - start, stageGroupWidth, bottleneckMultiplier));
        }
        return stages;
    }

    /// <summary>torchvision's <c>_make_divisible</c>: <paramref name="value"/> rounded to the nearest multiple of <paramref name="divisor"/>, at least one divisor and never more than 10% below the value.</summary>
    private static long MakeDivisible(long value, long divisor)
    {
        long rounded = Math.Max(divisor, (long)(value + divisor / 2.0) / divisor * divisor);
        return rounded < 0.9 * value ? rounded + divisor : rounded;
    }
}
