using FastVision.Data;
using FastVision.Models;
using FastVision.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace FastVision.Training;

/// <summary>
/// fastai's vision_learner: a <see cref="Learner"/> on a registered architecture's body (its weights when pretrained)
/// with a new head, the data normalized with the architecture's statistics, and the body frozen when it starts from weights.
/// </summary>
public sealed class VisionLearner : Learner
{
    private VisionLearner(DataLoaders dls, VisionModel model, LearnerOptions options)
        : base(dls, model, options, splitter: _ => model.LayerGroups)
    {
        Architecture = model.Architecture!;
        if (dls.Pipeline.Normalization is null) dls.Pipeline = dls.Pipeline with { Normalization = Architecture.Normalization }; // fastai: a pretrained model's statistics
    }

    public override VisionModel Model => (VisionModel)base.Model;

    public Architecture Architecture { get; }

    /// <summary>Its body decides (<see cref="VisionBody.IsNormLayer"/>).</summary>
    protected override bool IsNormLayer(nn.Module module) => Model.Body.IsNormLayer(module);

    public static VisionLearner Create(DataLoaders dls, Architecture? architecture = null, LearnerOptions? options = null)
    {
        TorchRuntime.EnsureInitialized();
        architecture ??= Architectures.Default;
        options ??= new LearnerOptions();
        torch.random.manual_seed(options.Seed);
        bool builtIn = options.Weights is null && options.Pretrained && architecture.DefaultWeights is not null;
        var model = VisionModel.Create(architecture, dls.Classes.Count, builtIn);
        if (options.Weights is { } file)
        {
            var report = BodyWeights.LoadInto(model, file);
            options.Log?.WriteLine(report);
        }
        var learner = new VisionLearner(dls, model, options);
        if (builtIn || options.Weights is not null) learner.Freeze();
        return learner;
    }
}
