namespace FastVision.Models;

public static partial class Architectures
{
    public static Architecture CntkResNet { get; private set; } = null!;
    public static Architecture ResNet18 { get; private set; } = null!;
    public static Architecture ResNet34 { get; private set; } = null!;
    public static Architecture ResNet50 { get; private set; } = null!;
    public static Architecture ResNet101 { get; private set; } = null!;
    public static Architecture ResNet152 { get; private set; } = null!;

    private static void RegisterResNets()
    {
        CntkResNet = Register(new Architecture(
            "cntk-resnet",
            "ImageNet-pretrained BasicBlock ResNet, blocks [2,2,2,3] (not torchvision's resnet18), from ML.NET's DnnImageFeaturizer.ResNet18 CNTK export",
            () => new ResNet(ResNetBlock.Basic, [2, 2, 2, 3]),
            [new PretrainedConfig("cntk_in1k", new CntkResNetWeights(), CntkResNetWeights.Normalization)]));
        ResNet18 = Register(Torchvision("resnet18", ResNetBlock.Basic, [2, 2, 2, 2]));
        ResNet34 = Register(Torchvision("resnet34", ResNetBlock.Basic, [3, 4, 6, 3]));
        ResNet50 = Register(Torchvision("resnet50", ResNetBlock.Bottleneck, [3, 4, 6, 3]));
        ResNet101 = Register(Torchvision("resnet101", ResNetBlock.Bottleneck, [3, 4, 23, 3]));
        ResNet152 = Register(Torchvision("resnet152", ResNetBlock.Bottleneck, [3, 8, 36, 3]));
        Register(Torchvision("resnext50_32x4d", ResNetBlock.Bottleneck, [3, 4, 6, 3], groups: 32, baseWidth: 4));
        Register(Torchvision("resnext101_32x8d", ResNetBlock.Bottleneck, [3, 4, 23, 3], groups: 32, baseWidth: 8));
        Register(Torchvision("wide_resnet50_2", ResNetBlock.Bottleneck, [3, 4, 6, 3], baseWidth: 128));
        Register(Torchvision("wide_resnet101_2", ResNetBlock.Bottleneck, [3, 4, 23, 3], baseWidth: 128));
    }

    private static Architecture Torchvision(string name, ResNetBlock block, int[] layers, long groups = 1, long baseWidth = 64) =>
        new(name, $"torchvision {name} layout; no weights ship offline (random init or --weights)",
            () => new ResNet(block, layers, groups, baseWidth), classifierKeys: ["fc"]);
}
