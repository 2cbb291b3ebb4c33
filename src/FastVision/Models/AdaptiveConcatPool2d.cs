using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FastVision.Models;

/// <summary>fastai's pooling: adaptive max and average pooling concatenated, doubling the channels.</summary>
public sealed class AdaptiveConcatPool2d : nn.Module<Tensor, Tensor>, IOnnxExportable
{
    private readonly AdaptiveMaxPool2d mp = nn.AdaptiveMaxPool2d([1, 1]);
    private readonly AdaptiveAvgPool2d ap = nn.AdaptiveAvgPool2d([1, 1]);

    public AdaptiveConcatPool2d() : base(nameof(AdaptiveConcatPool2d)) => RegisterComponents();

    public string ExportOnnx(OnnxGraph graph, string input) =>
        graph.Node("Concat", [graph.Node("GlobalMaxPool", [input]), graph.Node("GlobalAveragePool", [input])], OnnxGraph.Int("axis", 1));

    public override Tensor forward(Tensor x)
    {
        using var max = mp.forward(x);
        using var avg = ap.forward(x);
        return cat([max, avg], 1);
    }
}
