using TorchSharp;
using static TorchSharp.torch;

namespace FastVision.Models;

public static partial class Architectures
{
    public static Architecture MobileNetV2 { get; private set; } = null!;
    public static Architecture MobileNetV3Large { get; private set; } = null!;
    public static Architecture MobileNetV3Small { get; private set; } = null!;

    /// <summary>TorchVision's MobileNets (their module code, their key names); no weights ship offline.</summary>
    private static void RegisterMobileNets()
    {
        MobileNetV2 = Register(MobileNet("mobilenet_v2", 1280, () => torchvision.models.mobilenet_v2()));
        MobileNetV3Large = Register(MobileNet("mobilenet_v3_large", 960, () => torchvision.models.mobilenet_v3_large()));
        MobileNetV3Small = Register(MobileNet("mobilenet_v3_small", 576, () => torchvision.models.mobilenet_v3_small()));
    }

    private static Architecture MobileNet(string name, long features, Func<nn.Module> network) =>
        new(name, $"TorchVision {name} (features, {features} channels); no weights ship offline (random init or --weights)",
            () => new TorchVisionBody(network(), features), classifierKeys: ["classifier"]);
}
