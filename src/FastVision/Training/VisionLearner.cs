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
    private VisionLearner(DataLoaders dls, VisionModel model, PretrainedConfig? weights, LearnerOptions options)
        : base(dls, model, options, splitter: _ => model.LayerGroups)
    {
        Architecture = model.Architecture!;
        Weights = weights;
        // fastai: the statistics the pretrained weights were trained with
        if (dls.Pipeline.Normalization is null) dls.Pipeline = dls.Pipeline with { Normalization = weights?.Normalization ?? Architecture.Normalization };
    }

    public override VisionModel Model => (VisionModel)base.Model;

    public Architecture Architecture { get; }

    /// <summary>The pretrained configuration the body started from; null for random init or a weights file of the user's.</summary>
    public PretrainedConfig? Weights { get; }

    /// <summary>Its body decides (<see cref="VisionBody.IsNormLayer"/>).</summary>
    protected override bool IsNormLayer(nn.Module module) => Model.Body.IsNormLayer(module);

    /// <summary>
    /// fastai's <c>vision_learner(dls, 'convnext_tiny.fb_in22k_ft_in1k')</c>: the architecture and weights a name resolves to
    /// (<see cref="Architectures.Resolve"/>), fetched through <see cref="LearnerOptions.WeightStore"/>.
    /// </summary>
    public static VisionLearner Create(DataLoaders dls, string name, LearnerOptions? options = null)
    {
        options ??= new LearnerOptions();
        if (!options.Pretrained || options.Weights is not null) return Create(dls, Architectures.Get(name.Split('.')[0]), null, options); // no lookup of weights not used
        var (architecture, weights) = Architectures.Resolve(name, options.WeightStore);
        return Create(dls, architecture, weights, options);
    }

    /// <summary>A learner on <paramref name="architecture"/> (the default: cntk-resnet), with its default weights when <see cref="LearnerOptions.Pretrained"/>.</summary>
    public static VisionLearner Create(DataLoaders dls, Architecture? architecture = null, LearnerOptions? options = null)
    {
        architecture ??= Architectures.Default;
        options ??= new LearnerOptions();
        return Create(dls, architecture, options.Pretrained && options.Weights is null ? architecture.DefaultWeights : null, options);
    }

    /// <summary>A learner on <paramref name="architecture"/> starting from <paramref name="weights"/> (null: random init, or <see cref="LearnerOptions.Weights"/>).</summary>
    public static VisionLearner Create(DataLoaders dls, Architecture architecture, PretrainedConfig? weights, LearnerOptions? options)
    {
        options ??= new LearnerOptions();
        TorchRuntime.EnsureInitialized();
        torch.random.manual_seed(options.Seed);
        var model = VisionModel.Create(architecture, dls.Classes.Count, weights, options.WeightStore);
        if (options.Weights is { } file)
        {
            var report = BodyWeights.LoadInto(model, file);
            options.Log?.WriteLine(report);
        }
        var learner = new VisionLearner(dls, model, weights, options);
        if (weights is not null || options.Weights is not null) learner.Freeze();
        return learner;
    }
}
