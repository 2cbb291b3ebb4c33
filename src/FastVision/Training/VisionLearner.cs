using FastVision.Data;
using FastVision.Models;
using FastVision.Native;
using FastVision.Training;
using TorchSharp;

namespace FastVision.Training;

/// <summary>fastai's vision_learner: a pretrained body, a new head, the body frozen.</summary>
public static class VisionLearner
{
    public static Learner Create(DataLoaders dls, Architecture? architecture = null, LearnerOptions? options = null)
    {
        TorchRuntime.EnsureInitialized();
        architecture ??= Architectures.Default;
        options ??= new LearnerOptions();
        torch.random.manual_seed(options.Seed);
        bool builtIn = options.Weights is null && options.Pretrained && architecture.Pretrained is not null;
        var model = VisionModel.Create(architecture, dls.Classes.Count, builtIn);
        if (options.Weights is { } file)
        {
            var report = BodyWeights.LoadInto(model, file);
            options.Log?.WriteLine(report);
        }
        var learner = new Learner(dls, model, architecture, options);
        if (builtIn || options.Weights is not null) learner.Freeze();
        return learner;
    }
}
