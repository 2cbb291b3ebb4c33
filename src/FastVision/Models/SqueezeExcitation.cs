using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FastVision.Models;

/// <summary>
/// torchvision's SqueezeExcitation: the feature map scaled per channel by sigmoid(fc2(activation(fc1(mean over the map)))),
/// fc1 and fc2 1x1 convolutions with bias (keys <c>fc1.weight</c>, <c>fc1.bias</c>, <c>fc2.*</c>). EfficientNet squeezes
/// through SiLU, RegNet through ReLU.
/// </summary>
public sealed class SqueezeExcitation : nn.Module<Tensor, Tensor>, IOnnxExportable
{
    private readonly Conv2d fc1, fc2;
    private readonly nn.Module<Tensor, Tensor> activation;

    public SqueezeExcitation(long channels, long squeezeChannels, nn.Module<Tensor, Tensor> activation) : base(nameof(SqueezeExcitation))
    {
        fc1 = ConvInit.KaimingNormal(nn.Conv2d(channels, squeezeChannels, 1));
        fc2 = ConvInit.KaimingNormal(nn.Conv2d(squeezeChannels, channels, 1));
        this.activation = activation;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var scale = nn.functional.sigmoid(fc2.forward(activation.forward(fc1.forward(nn.functional.adaptive_avg_pool2d(x, 1)))));
        return (x * scale).MoveToOuterDisposeScope();
    }

    public string ExportOnnx(OnnxGraph graph, string input)
    {
        var squeezed = graph.Emit(activation, graph.Conv(fc1, graph.Node("GlobalAveragePool", [input])));
        return graph.Node("Mul", [input, graph.Node("Sigmoid", [graph.Conv(fc2, squeezed)])]);
    }
}

/// <summary>The initialization torchvision's CNNs give their convolutions.</summary>
internal static class ConvInit
{
    /// <summary>Kaiming-normal weights (fan_out, ReLU gain) and zero biases: torchvision's ResNet, EfficientNet and RegNet init.</summary>
    public static Conv2d KaimingNormal(Conv2d conv)
    {
        nn.init.kaiming_normal_(conv.weight!, mode: nn.init.FanInOut.FanOut, nonlinearity: nn.init.NonlinearityType.ReLU);
        if (conv.bias is not null) nn.init.zeros_(conv.bias);
        return conv;
    }
}
