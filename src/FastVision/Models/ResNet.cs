using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FastVision.Models;

public enum ResNetBlock { Basic, Bottleneck }

/// <summary>
/// A torchvision-layout ResNet without its pooling and classifier: the body a vision learner puts a
/// head on. Key names (conv1, bn1, layer1.0.conv1, layer2.0.downsample.0, ...) are torchvision's.
/// </summary>
public sealed class ResNet : VisionBody, IOnnxExportable
{
    private readonly Conv2d conv1;
    private readonly BatchNorm2d bn1;
    private readonly MaxPool2d maxpool;
    private readonly Sequential layer1, layer2, layer3, layer4;

    /// <param name="groups">Bottleneck groups (ResNeXt: 32).</param>
    /// <param name="baseWidth">Bottleneck width per group (ResNeXt: 4 or 8, Wide ResNet: 128).</param>
    public ResNet(ResNetBlock block, IReadOnlyList<int> layers, long groups = 1, long baseWidth = 64) : base(nameof(ResNet))
    {
        if (layers.Count != 4) throw new ArgumentException("A ResNet has four stages.", nameof(layers));
        int expansion = block == ResNetBlock.Basic ? BasicBlock.Expansion : Bottleneck.Expansion;
        conv1 = ConvInit.KaimingNormal(nn.Conv2d(3, 64, 7, stride: 2, padding: 3, bias: false));
        bn1 = nn.BatchNorm2d(64);
        maxpool = nn.MaxPool2d(3, stride: 2, padding: 1);
        long inplanes = 64;
        layer1 = MakeLayer(block, expansion, ref inplanes, 64, layers[0], 1, groups, baseWidth);
        layer2 = MakeLayer(block, expansion, ref inplanes, 128, layers[1], 2, groups, baseWidth);
        layer3 = MakeLayer(block, expansion, ref inplanes, 256, layers[2], 2, groups, baseWidth);
        layer4 = MakeLayer(block, expansion, ref inplanes, 512, layers[3], 2, groups, baseWidth);
        NumFeatures = inplanes;
        RegisterComponents();
    }

    public override long NumFeatures { get; }

    /// <summary>fastai's split for ResNets: stem + layer1 + layer2 | layer3 + layer4.</summary>
    public override IReadOnlyList<IReadOnlyList<nn.Module>> LayerGroups =>
    [
        [conv1, bn1, layer1, layer2],
        [layer3, layer4],
    ];

    protected override Tensor Features(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = maxpool.forward(nn.functional.relu(bn1.forward(conv1.forward(x))));
        h = layer4.forward(layer3.forward(layer2.forward(layer1.forward(h))));
        return h.MoveToOuterDisposeScope();
    }

    public string ExportOnnx(OnnxGraph graph, string input)
    {
        var stem = graph.MaxPool(maxpool, graph.Node("Relu", [graph.Emit(bn1, graph.Emit(conv1, input))]));
        return new[] { layer1, layer2, layer3, layer4 }.Aggregate(stem, (h, layer) => graph.Emit(layer, h));
    }

    private static Sequential MakeLayer(ResNetBlock block, int expansion, ref long inplanes, long planes, int blocks, long stride, long groups, long baseWidth)
    {
        Sequential? downsample = null;
        if (stride != 1 || inplanes != planes * expansion)
            downsample = nn.Sequential(
                ("0", new PointwiseConv2d(inplanes, planes * expansion, stride)),
                ("1", nn.BatchNorm2d(planes * expansion)));
        var modules = new List<(string, nn.Module<Tensor, Tensor>)>();
        for (int i = 0; i < blocks; i++)
        {
            nn.Module<Tensor, Tensor> b = block == ResNetBlock.Basic
                ? new BasicBlock(inplanes, planes, i == 0 ? stride : 1, i == 0 ? downsample : null)
                : new Bottleneck(inplanes, planes, i == 0 ? stride : 1, i == 0 ? downsample : null, groups, baseWidth);
            modules.Add((i.ToString(System.Globalization.CultureInfo.InvariantCulture), b));
            inplanes = planes * expansion;
        }
        return nn.Sequential(modules);
    }
}
