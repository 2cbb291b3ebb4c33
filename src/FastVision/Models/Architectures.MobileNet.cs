using TorchSharp;
using static TorchSharp.torch;

namespace FastVision.Models;

public static partial class Architectures
{
    public static Architecture MobileNetV2 { get; private set; } = null!;
    public static Architecture MobileNetV3Large { get; private set; } = null!;
    public static Architecture MobileNetV3Small { get; private set; } = null!;

    /// <summary>TorchVision's MobileNets (their module code, their key names), with torchvision's weights.</summary>
    private static void RegisterMobileNets()
    {
        MobileNetV2 = Register(MobileNet("mobilenet_v2", 1280, () => torchvision.models.mobilenet_v2(),
            [TorchvisionConfigs.V2("mobilenet_v2-7ebf99e0.pth", 72.154, 0.30), TorchvisionConfigs.V1("mobilenet_v2-b0353104.pth", 71.878, 0.30)]));
        MobileNetV3Large = Register(MobileNet("mobilenet_v3_large", 960, () => torchvision.models.mobilenet_v3_large(),
            [TorchvisionConfigs.V2("mobilenet_v3_large-5c1a4163.pth", 75.274, 0.22), TorchvisionConfigs.V1("mobilenet_v3_large-8738ca79.pth", 74.042, 0.22)]));
        MobileNetV3Small = Register(MobileNet("mobilenet_v3_small", 576, () => torchvision.models.mobilenet_v3_small(),
            [TorchvisionConfigs.V1("mobilenet_v3_small-047dcff4.pth", 67.668, 0.06)]));
    }

    private static Architecture MobileNet(string name, long features, Func<nn.Module> network, PretrainedConfig[] weights) =>
        new(name, $"TorchVision {name} (features, {features} channels)", () => new TorchVisionBody(network(), features), weights, classifierKeys: ["classifier"]);
}
