using FastVision.Native;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FastVision.Models;

/// <summary>
/// A bias-free 1x1 convolution (ResNet downsample). Its parameter is named <c>weight</c>, so state-dict
/// keys match torchvision's <c>downsample.0.weight</c>. On CPUs where oneDNN would crash planning a
/// strided 1x1 backward pass (<see cref="OneDnnHazard"/>) it subsamples first, then convolves with
/// stride 1: the same result, computed without the faulty kernel.
/// </summary>
public sealed class PointwiseConv2d : nn.Module<Tensor, Tensor>, IOnnxExportable
{
    private readonly Parameter weight;
    private readonly long stride;

    public PointwiseConv2d(long inChannels, long outChannels, long stride) : base(nameof(PointwiseConv2d))
    {
        this.stride = stride;
        weight = new Parameter(empty(outChannels, inChannels, 1, 1));
        nn.init.kaiming_normal_(weight, mode: nn.init.FanInOut.FanOut, nonlinearity: nn.init.NonlinearityType.ReLU);
        RegisterComponents();
    }

    public long Stride => stride;

    public string ExportOnnx(OnnxGraph graph, string input) =>
        graph.Node("Conv", [input, graph.Initializer(named_parameters().Single().parameter)], OnnxGraph.Ints("kernel_shape", 1, 1), OnnxGraph.Ints("strides", stride, stride));

    public override Tensor forward(Tensor input)
    {
        if (stride == 1) return nn.functional.conv2d(input, weight);
        if (input.device_type == DeviceType.CPU && OneDnnHazard.MitigationEnabled)
        {
            using var rows = input.slice(2, 0, input.shape[2], stride);
            using var subsampled = rows.slice(3, 0, input.shape[3], stride);
            return nn.functional.conv2d(subsampled, weight);
        }
        return nn.functional.conv2d(input, weight, strides: [stride, stride]);
    }
}
