using System.Text.RegularExpressions;

namespace FastVision.Models;

public static partial class Architectures
{
    public static Architecture RegNetY016 { get; private set; } = null!;
    public static Architecture RegNetY032 { get; private set; } = null!;

    /// <summary>Squeeze width over each block's input width in every RegNetY.</summary>
    private const double RegNetYSeRatio = 0.25;

    /// <summary>
    /// torchvision's RegNetYs under timm's names, built from torchvision's design parameters (depth, w_0, w_a, w_m, group
    /// width), with torchvision's V2 (its DEFAULT) and V1 weights; top-1 as torchvision 0.14 reports it.
    /// </summary>
    private static void RegisterRegNets()
    {
        RegNetY016 = Register(RegNetY("regnety_016", "regnet_y_1_6gf", "1.6GF", depth: 27, w0: 48, wa: 20.71, wm: 2.65, groupWidth: 24,
            [TorchvisionConfigs.V2("regnet_y_1_6gf-0d7bc02a.pth", 80.876, 1.6), TorchvisionConfigs.V1("regnet_y_1_6gf-b11a554e.pth", 77.950, 1.6)]));
        RegNetY032 = Register(RegNetY("regnety_032", "regnet_y_3_2gf", "3.2GF", depth: 21, w0: 80, wa: 42.63, wm: 2.66, groupWidth: 24,
        [
            TorchvisionConfigs.V2("regnet_y_3_2gf-9180c971.pth", 81.982, 3.2), TorchvisionConfigs.V1("regnet_y_3_2gf-b5a9779c.pth", 78.948, 3.2),
            // timm's own training (RandAugment recipe), its pretrained_cfg: 224 px, crop 0.95, bicubic.
            new PretrainedConfig("ra_in1k", new HubWeights("timm/regnety_032.ra_in1k"), Normalization.ImageNet) { CropPct = 0.95, Interpolation = "bicubic", GMacs = 3.2 },
        ]));
    }

    private static Architecture RegNetY(string name, string torchvisionName, string flops, int depth, int w0, double wa, double wm, int groupWidth, PretrainedConfig[] weights)
    {
        var stages = RegNet.StagesFromInitParams(depth, w0, wa, wm, groupWidth);
        var description = $"RegNetY-{flops} (torchvision {torchvisionName}): 3x3 stride-2 stem, four stages of residual bottlenecks " +
            $"(1x1, grouped 3x3 with squeeze-excitation, 1x1; strided 1x1 projection), depths [{string.Join(",", stages.Select(s => s.Depth))}], " +
            $"widths [{string.Join(",", stages.Select(s => s.Width))}], group width {groupWidth}";
        return new(name, description, () => new RegNet(stages, RegNetYSeRatio), weights, classifierKeys: ["fc"], timmKeys: RegNetFromTimmKey);
    }

    private static readonly Regex TimmRegNetBlockKey = new(@"^s(\d+)\.b(\d+)\.(\w+\.\w+)\.(\w+)$", RegexOptions.CultureInvariant);

    /// <summary>timm's RegNet block layers (s1.b1.conv1.conv, ...) and their torchvision names inside the block (f.a.0, ...).</summary>
    private static readonly Dictionary<string, string> TimmRegNetBlockLayers = new(StringComparer.Ordinal)
    {
        ["conv1.conv"] = "f.a.0", ["conv1.bn"] = "f.a.1",
        ["conv2.conv"] = "f.b.0", ["conv2.bn"] = "f.b.1",
        ["se.fc1"] = "f.se.fc1", ["se.fc2"] = "f.se.fc2",
        ["conv3.conv"] = "f.c.0", ["conv3.bn"] = "f.c.1",
        ["downsample.conv"] = "proj.0", ["downsample.bn"] = "proj.1",
    };

    /// <summary>
    /// A timm RegNet key as torchvision names it: stem.conv/bn → stem.0/1, s{i}.b{j} (blocks counted from 1) →
    /// trunk_output.block{i}.block{i}-{j-1}, the classifier (head.*) dropped. Keys of no known layer stay as they are, so a
    /// load reports them as unexpected.
    /// </summary>
    private static string? RegNetFromTimmKey(string key)
    {
        if (key.StartsWith("head.", StringComparison.Ordinal)) return null;
        if (key.StartsWith("stem.conv.", StringComparison.Ordinal)) return "stem.0." + key["stem.conv.".Length..];
        if (key.StartsWith("stem.bn.", StringComparison.Ordinal)) return "stem.1." + key["stem.bn.".Length..];
        var match = TimmRegNetBlockKey.Match(key);
        if (!match.Success || !TimmRegNetBlockLayers.TryGetValue(match.Groups[3].Value, out var layer)) return key;
        var stage = match.Groups[1].Value;
        int block = int.Parse(match.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture) - 1;
        return $"trunk_output.block{stage}.block{stage}-{block}.{layer}.{match.Groups[4].Value}";
    }
}
