using System.CommandLine;
using FastVision.Callbacks;
using FastVision.Data;
using FastVision.Metrics;
using FastVision.Models;
using FastVision.Training;

namespace FastVision.Cli;

/// <summary>The options that create a learner (shared by train and lr-find), seeded by <see cref="RunArguments.Seed"/>.</summary>
internal sealed class TrainingArguments(RunArguments run)
{
    private readonly Option<string> arch = CommonOptions.Architecture();
    private readonly Option<string> device = CommonOptions.Device();
    private readonly Option<OptimizerKind> optimizer = new("--optimizer") { Description = "AdamW or Sgd (momentum follows the schedule)", DefaultValueFactory = _ => OptimizerKind.AdamW };
    private readonly Option<double> weightDecay = new("--wd") { Description = "Decoupled weight decay (not on BatchNorm and biases)", DefaultValueFactory = _ => 0.01 };
    private readonly Option<double> labelSmoothing = new("--label-smoothing") { Description = "Label smoothing of the loss (fastai: 0.1); 0 for none", DefaultValueFactory = _ => 0.0 };
    private readonly Option<string> precision = CommonOptions.Precision();
    private readonly Option<bool> noPretrained = new("--no-pretrained") { Description = "Random initialization (train the whole network)" };
    private readonly Option<string?> weights = new("--weights")
    {
        Description = "Start from this state dict instead of the built-in weights: .pth/.pt/.bin/.safetensors with torchvision or timm names, or a FastVision model.safetensors",
    };

    public IEnumerable<Option> Options => [arch, device, precision, optimizer, weightDecay, labelSmoothing, noPretrained, weights];

    /// <summary>The architecture --arch names (its input size is the default --size).</summary>
    public Architecture Architecture(ParseResult parse) => Architectures.Get(parse.GetValue(arch)!);

    public Learner Create(ParseResult parse, DataLoaders dls)
    {
        var architecture = Architecture(parse);
        var learn = VisionLearner.Create(dls, architecture, new LearnerOptions
        {
            Seed = parse.GetValue(run.Seed), Device = parse.GetValue(device)!, Optimizer = parse.GetValue(optimizer), WeightDecay = parse.GetValue(weightDecay),
            LabelSmoothing = parse.GetValue(labelSmoothing), Pretrained = !parse.GetValue(noPretrained), Weights = parse.GetValue(weights),
            MixedPrecision = CommonOptions.AutocastType(parse.GetValue(precision)!),
            Metrics = _ => [new Accuracy(), new ErrorRate(), new LogLoss()],
        });
        Console.WriteLine($"model: {architecture.Name}{(learn.IsFrozen ? $" ({parse.GetValue(weights) ?? "pretrained"}, body frozen)" : " (random init)")} on {learn.Device}, {dls.Size}px, {parse.GetValue(precision)}");
        return learn;
    }
}
