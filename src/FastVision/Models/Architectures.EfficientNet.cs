namespace FastVision.Models;

public static partial class Architectures
{
    public static Architecture EfficientNetB0 { get; private set; } = null!;
    public static Architecture EfficientNetB1 { get; private set; } = null!;
    public static Architecture EfficientNetB2 { get; private set; } = null!;
    public static Architecture EfficientNetB3 { get; private set; } = null!;
    public static Architecture EfficientNetV2S { get; private set; } = null!;

    /// <summary>
    /// torchvision's EfficientNets with its weights (DEFAULT first; sizes, resampling and top-1 from torchvision 0.14's
    /// weight enums, GMACs from its docs), and timm's hub weights where timm publishes the same network under the same name.
    /// The B0-B3 V1 files (ported from timm) have the names current torchvision gives them (renamed in pytorch/vision#8036):
    /// 0.14's names (efficientnet_b0_rwightman-3dd342df.pth, ...) carry timm's original digests, not the files' SHA-256
    /// (pytorch/vision#7744), and <see cref="TorchvisionWeights"/> refuses a download whose digest does not match its name.
    /// timm's efficientnet_b1.ft_in1k, b2.ra_in1k and b3.ra2_in1k resolve through their hub config.json (timm versions
    /// disagree on their crop_pct); V2-S has no timm twin: timm's tf_efficientnetv2_s pads like TensorFlow ("same").
    /// </summary>
    private static void RegisterEfficientNets()
    {
        EfficientNetB0 = Register(EfficientNetV1("efficientnet_b0", 1.0, 1.0,
        [
            EfficientNetWeights("tv_in1k", "efficientnet_b0_rwightman-7f5810bc.pth", 224, 256, "bicubic", 77.692, 0.39),
            new PretrainedConfig("ra_in1k", new HubWeights("timm/efficientnet_b0.ra_in1k"), Normalization.ImageNet) { Interpolation = "bicubic" },
        ]));
        EfficientNetB1 = Register(EfficientNetV1("efficientnet_b1", 1.0, 1.1,
        [
            EfficientNetWeights("tv2_in1k", "efficientnet_b1-c27df63c.pth", 240, 255, "bilinear", 79.838, 0.69),
            EfficientNetWeights("tv_in1k", "efficientnet_b1_rwightman-bac287d4.pth", 240, 256, "bicubic", 78.642, 0.69),
        ]));
        EfficientNetB2 = Register(EfficientNetV1("efficientnet_b2", 1.1, 1.2,
            [EfficientNetWeights("tv_in1k", "efficientnet_b2_rwightman-c35c1473.pth", 288, 288, "bicubic", 80.608, 1.09)]));
        EfficientNetB3 = Register(EfficientNetV1("efficientnet_b3", 1.2, 1.4,
            [EfficientNetWeights("tv_in1k", "efficientnet_b3_rwightman-b3899882.pth", 300, 320, "bicubic", 82.008, 1.83)]));
        var v2s = EfficientNet.V2SStages;
        EfficientNetV2S = Register(new Architecture("efficientnet_v2_s",
            "torchvision efficientnet_v2_s: EfficientNetV2-S, 3 FusedMBConv + 3 MBConv stages (SiLU, squeeze-excitation, stochastic depth 0.2), BatchNorm eps 1e-3, 1280 features",
            () => new EfficientNet(v2s, lastChannels: 1280, batchNormEps: 1e-3),
            [EfficientNetWeights("tv_in1k", "efficientnet_v2_s-dd5fe13b.pth", 384, 384, "bilinear", 84.228, 8.37)],
            classifierKeys: ["classifier"], timmKeys: EfficientNet.TimmKeys(v2s)));
    }

    /// <summary>EfficientNet-B<i>n</i>: B0's stages scaled by <paramref name="widthMult"/> and <paramref name="depthMult"/>.</summary>
    private static Architecture EfficientNetV1(string name, double widthMult, double depthMult, PretrainedConfig[] weights)
    {
        var stages = EfficientNet.V1Stages(widthMult, depthMult);
        var features = 4 * stages[^1].OutputChannels;
        var description = FormattableString.Invariant($"torchvision {name}: EfficientNet width x{widthMult}, depth x{depthMult}, {stages.Sum(s => s.Layers)} MBConv blocks (SiLU, squeeze-excitation, stochastic depth 0.2), BatchNorm eps 1e-5, {features} features");
        return new Architecture(name, description,
            () => new EfficientNet(stages), weights, classifierKeys: ["classifier"], timmKeys: EfficientNet.TimmKeys(stages));
    }

    /// <summary>torchvision's weights evaluated at a <paramref name="crop"/> of an image resized to <paramref name="resize"/>.</summary>
    private static PretrainedConfig EfficientNetWeights(string tag, string fileName, int crop, int resize, string interpolation, double top1, double gmacs) =>
        new(tag, new TorchvisionWeights(fileName), Normalization.ImageNet, crop) { CropPct = (double)crop / resize, Interpolation = interpolation, Top1 = top1, GMacs = gmacs };
}
