using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FastVision.Training;

/// <summary>
/// A learner's optimizer over its layer groups: per layer group, one parameter group that takes weight decay and one
/// that does not (normalization layers and biases, fastai's wd_bn_bias=False), so a schedule can give each layer group
/// its own rate.
/// </summary>
internal sealed class OptimizerGroups : IDisposable
{
    private readonly int[] layerGroupOf;

    private OptimizerGroups(OptimizerHelper optimizer, int[] layerGroupOf)
    {
        Optimizer = optimizer;
        this.layerGroupOf = layerGroupOf;
    }

    public OptimizerHelper Optimizer { get; }

    public static OptimizerGroups Create(IReadOnlyList<IReadOnlyList<nn.Module>> layerGroups, Func<nn.Module, bool> isNormLayer, LearnerOptions options)
    {
        var groups = new List<(List<Parameter> Parameters, bool Decay)>();
        var layerOf = new List<int>();
        for (int g = 0; g < layerGroups.Count; g++)
        {
            var decay = new List<Parameter>();
            var noDecay = new List<Parameter>();
            foreach (var module in layerGroups[g].SelectMany(m => m.modules().Prepend(m)).Distinct())
                foreach (var (name, p) in module.named_parameters(recurse: false))
                    (isNormLayer(module) || name == "bias" ? noDecay : decay).Add(p);
            if (decay.Count > 0) { groups.Add((decay, true)); layerOf.Add(g); }
            if (noDecay.Count > 0) { groups.Add((noDecay, false)); layerOf.Add(g); }
        }
        double lr = LearningRates.DefaultFit, wd = options.WeightDecay;
        OptimizerHelper optimizer = options.Optimizer == OptimizerKind.Sgd
            ? optim.SGD(groups.Select(g => new SGD.ParamGroup(g.Parameters, lr, 0.9, 0, g.Decay ? wd : 0, false, false)), lr)
            : optim.AdamW(groups.Select(g => new AdamW.ParamGroup(g.Parameters, lr, 0.9, options.Beta2, options.Eps, g.Decay ? wd : 0, false, false)));
        return new OptimizerGroups(optimizer, [.. layerOf]);
    }

    /// <summary>Each parameter group gets its layer group's rate; the momentum is Adam's beta1 or SGD's momentum.</summary>
    public void Set(double[] learningRates, double momentum)
    {
        int i = 0;
        foreach (var group in Optimizer.ParamGroups)
        {
            group.LearningRate = learningRates[layerGroupOf[i++]];
            switch (group)
            {
                case optim.IBetas betas: betas.Betas = (momentum, betas.Betas.Item2); break;
                case SGD.ParamGroup sgd: sgd.Momentum = momentum; break;
            }
        }
    }

    public void Dispose() => Optimizer.Dispose();
}
