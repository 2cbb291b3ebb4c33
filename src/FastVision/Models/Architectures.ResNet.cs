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
        // torchvision's weights, its DEFAULT first (V2 where it has one); top-1 and GMACs as torchvision reports them.
        ResNet18 = Register(Torchvision("resnet18", ResNetBlock.Basic, [2, 2, 2, 2], [TorchvisionConfigs.V1("resnet18-f37072fd.pth", 69.758, 1.81)]));
        ResNet34 = Register(Torchvision("resnet34", ResNetBlock.Basic, [3, 4, 6, 3], [TorchvisionConfigs.V1("resnet34-b627a593.pth", 73.314, 3.66)]));
        ResNet50 = Register(Torchvision("resnet50", ResNetBlock.Bottleneck, [3, 4, 6, 3],
            [TorchvisionConfigs.V2("resnet50-11ad3fa6.pth", 80.858, 4.09), TorchvisionConfigs.V1("resnet50-0676ba61.pth", 76.130, 4.09)]));
        ResNet101 = Register(Torchvision("resnet101", ResNetBlock.Bottleneck, [3, 4, 23, 3],
            [TorchvisionConfigs.V2("resnet101-cd907fc2.pth", 81.886, 7.80), TorchvisionConfigs.V1("resnet101-63fe2227.pth", 77.374, 7.80)]));
        ResNet152 = Register(Torchvision("resnet152", ResNetBlock.Bottleneck, [3, 8, 36, 3],
            [TorchvisionConfigs.V2("resnet152-f82ba261.pth", 82.284, 11.51), TorchvisionConfigs.V1("resnet152-394f9c45.pth", 78.312, 11.51)]));
        Register(Torchvision("resnext50_32x4d", ResNetBlock.Bottleneck, [3, 4, 6, 3],
            [TorchvisionConfigs.V2("resnext50_32x4d-1a0047aa.pth", 81.198, 4.23), TorchvisionConfigs.V1("resnext50_32x4d-7cdf4587.pth", 77.618, 4.23)], groups: 32, baseWidth: 4));
        Register(Torchvision("resnext101_32x8d", ResNetBlock.Bottleneck, [3, 4, 23, 3],
            [TorchvisionConfigs.V2("resnext101_32x8d-110c445d.pth", 82.834, 16.41), TorchvisionConfigs.V1("resnext101_32x8d-8ba56ff5.pth", 79.312, 16.41)], groups: 32, baseWidth: 8));
        Register(Torchvision("wide_resnet50_2", ResNetBlock.Bottleneck, [3, 4, 6, 3],
            [TorchvisionConfigs.V2("wide_resnet50_2-9ba9bcbe.pth", 81.602, 11.40), TorchvisionConfigs.V1("wide_resnet50_2-95faca4d.pth", 78.468, 11.40)], baseWidth: 128));
        Register(Torchvision("wide_resnet101_2", ResNetBlock.Bottleneck, [3, 4, 23, 3],
            [TorchvisionConfigs.V2("wide_resnet101_2-d733dc28.pth", 82.510, 22.75), TorchvisionConfigs.V1("wide_resnet101_2-32ee1156.pth", 78.848, 22.75)], baseWidth: 128));
    }

    /// <summary>A torchvision ResNet; timm's ResNets use the same key names.</summary>
    private static Architecture Torchvision(string name, ResNetBlock block, int[] layers, PretrainedConfig[] weights, long groups = 1, long baseWidth = 64) =>
        new(name, $"torchvision {name}", () => new ResNet(block, layers, groups, baseWidth), weights, classifierKeys: ["fc"]);
}
