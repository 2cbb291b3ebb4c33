using FastVision.Data;
using FastVision.Models;
using FastVision.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace FastVision.Bench;

/// <summary>
/// The Conser-vision competition's "pure PyTorch" benchmark model: the pretrained body, average pooling and a small MLP head
/// (Linear(nf, 100) → ReLU → Dropout(0.1) → Linear(100, classes)), all trainable from the first step, SGD lr 1e-3 momentum 0.9,
/// trained on plainly resized images (no augmentation: the loaders' pipeline must have none).
/// </summary>
public static class CompetitionBenchmark
{
    public const double LearningRate = 1e-3;

    public static Learner Create(DataLoaders dls, LearnerOptions options)
    {
        manual_seed(options.Seed);
        var body = Architectures.CntkResNet.CreateBody(pretrained: true);
        long nf = body.NumFeatures;
        var head = nn.Sequential(
            ("0", nn.AdaptiveAvgPool2d([1, 1])), ("1", nn.Flatten()),
            ("2", nn.Linear(nf, 100)), ("3", nn.ReLU()), ("4", nn.Dropout(0.1)), ("5", nn.Linear(100, dls.Classes.Count)));
        var model = new VisionModel(body, head);
        dls.Pipeline = dls.Pipeline with { Normalization = Architectures.CntkResNet.Normalization };
        var learn = new Learner(dls, model, options with { Optimizer = OptimizerKind.Sgd, WeightDecay = 0 }, splitter: _ => model.LayerGroups);
        learn.Unfreeze();
        return learn;
    }
}
