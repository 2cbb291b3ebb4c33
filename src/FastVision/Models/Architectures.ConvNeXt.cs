using System.Text.RegularExpressions;

namespace FastVision.Models;

public static partial class Architectures
{
    public static Architecture ConvNeXtNano { get; private set; } = null!;
    public static Architecture ConvNeXtTiny { get; private set; } = null!;
    public static Architecture ConvNeXtSmall { get; private set; } = null!;

    /// <summary>
    /// ConvNeXt (Liu et al. 2022, "A ConvNet for the 2020s"): torchvision's module code and key names; torchvision's weights
    /// (its DEFAULT first, evaluated at resize 236 (tiny) / 230 (small) → crop 224, bilinear) and timm's on the Hugging Face
    /// Hub (timm's pretrained_cfg: train size 224, bicubic, its crop_pct). convnext_nano is timm's own size (no torchvision weights).
    /// </summary>
    private static void RegisterConvNeXts()
    {
        ConvNeXtNano = Register(ConvNeXtArchitecture("convnext_nano", "ConvNeXt-Nano (timm's size, 15.0M)",
            [new(80, 2), new(160, 2), new(320, 8), new(640, 2)], stochasticDepth: 0.0,
            [TimmConfig("convnext_nano", "in12k_ft_in1k", 0.95), TimmConfig("convnext_nano", "d1h_in1k", 0.95)]));
        ConvNeXtTiny = Register(ConvNeXtArchitecture("convnext_tiny", "ConvNeXt-T (27.8M)",
            [new(96, 3), new(192, 3), new(384, 9), new(768, 3)], stochasticDepth: 0.1,
            [TorchvisionConfig("convnext_tiny-983f1562.pth", 236, 82.520, 4.46),
             TimmConfig("convnext_tiny", "fb_in22k_ft_in1k", 0.875, 4.46), TimmConfig("convnext_tiny", "in12k_ft_in1k", 0.95, 4.46),
             TimmConfig("convnext_tiny", "fb_in1k", 0.875, 4.46)]));
        ConvNeXtSmall = Register(ConvNeXtArchitecture("convnext_small", "ConvNeXt-S (49.5M)",
            [new(96, 3), new(192, 3), new(384, 27), new(768, 3)], stochasticDepth: 0.4,
            [TorchvisionConfig("convnext_small-0c510722.pth", 230, 83.616, 8.68),
             TimmConfig("convnext_small", "fb_in22k_ft_in1k", 0.875, 8.68), TimmConfig("convnext_small", "in12k_ft_in1k", 0.95, 8.68),
             TimmConfig("convnext_small", "fb_in1k", 0.875, 8.68)]));
    }

    /// <param name="size">The variant and its body's parameter count.</param>
    /// <param name="stochasticDepth">The training drop probability of the last block: torchvision's recipe for tiny and small, timm's default (0) for nano.</param>
    private static Architecture ConvNeXtArchitecture(string name, string size, ConvNeXtStage[] stages, double stochasticDepth, PretrainedConfig[] weights) =>
        new(name,
            $"{size}: 4x4 patch stem, [{string.Join(",", stages.Select(s => s.Blocks))}] blocks of 7x7 depthwise conv + LayerNorm + 4x GELU MLP " +
            $"with layer scale, {stages[0].Channels}-{stages[^1].Channels} channels",
            () => new ConvNeXt(stages, stochasticDepth), weights, classifierKeys: ["classifier"], timmKeys: ConvNeXtKeyFromTimm);

    /// <summary>torchvision's IMAGENET1K_V1 weights, evaluated by resizing to <paramref name="resize"/> and cropping 224.</summary>
    private static PretrainedConfig TorchvisionConfig(string fileName, int resize, double top1, double gmacs) =>
        new("tv_in1k", new TorchvisionWeights(fileName), Normalization.ImageNet) { CropPct = 224.0 / resize, Top1 = top1, GMacs = gmacs };

    /// <summary>timm's <c>timm/&lt;name&gt;.&lt;tag&gt;</c>: trained at 224 with ImageNet statistics, evaluated bicubic with its crop_pct.</summary>
    private static PretrainedConfig TimmConfig(string name, string tag, double cropPct, double? gmacs = null) =>
        new(tag, new HubWeights($"timm/{name}.{tag}"), Normalization.ImageNet) { CropPct = cropPct, Interpolation = "bicubic", GMacs = gmacs };

    private static readonly Regex TimmConvNeXtKey = new(
        @"^(?:stem\.(?<stem>[01])|stages\.(?<stage>\d+)\.(?:downsample\.(?<down>[01])|blocks\.(?<block>\d+)\.(?<part>conv_dw|norm|mlp\.fc1|mlp\.fc2|gamma)))(?<rest>(?:\..+)?)$",
        RegexOptions.CultureInvariant);

    /// <summary>
    /// timm's ConvNeXt names as torchvision's: <c>stem.i</c> → <c>features.0.i</c>; stage S's <c>downsample.i</c> → <c>features.2S.i</c>;
    /// its block B's <c>conv_dw</c>, <c>norm</c>, <c>mlp.fc1</c>, <c>mlp.fc2</c>, <c>gamma</c> → <c>features.(2S+1).B.block.0/2/3/5</c>,
    /// <c>.layer_scale</c>; the head (<c>head.norm</c>, <c>head.fc</c>) is dropped. Any other key stays as it is, so the load names it.
    /// Key names only: timm's gamma is [C] where layer_scale is [C,1,1], and timm's conv-MLP sizes (convnext_nano) store fc1/fc2 as
    /// 1x1 convolutions [4C,C,1,1] where torchvision's Linear is [4C,C]; those tensors need a reshape on load.
    /// </summary>
    private static string? ConvNeXtKeyFromTimm(string key)
    {
        if (key.StartsWith("head.", StringComparison.Ordinal)) return null;
        var m = TimmConvNeXtKey.Match(key);
        if (!m.Success) return key;
        var rest = m.Groups["rest"].Value;
        if (m.Groups["stem"].Success) return $"features.0.{m.Groups["stem"].Value}{rest}";
        int stage = int.Parse(m.Groups["stage"].Value, System.Globalization.CultureInfo.InvariantCulture);
        if (m.Groups["down"].Success) return $"features.{2 * stage}.{m.Groups["down"].Value}{rest}";
        var part = m.Groups["part"].Value switch
        {
            "conv_dw" => "block.0",
            "norm" => "block.2",
            "mlp.fc1" => "block.3",
            "mlp.fc2" => "block.5",
            _ => "layer_scale",
        };
        return $"features.{2 * stage + 1}.{m.Groups["block"].Value}.{part}{rest}";
    }
}
