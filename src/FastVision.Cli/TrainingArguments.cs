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
    private readonly Option<string> arch = new("--arch")
    {
        Description = "Architecture, with the tag of its weights as timm writes it when not the default: resnet50, resnet50.tv_in1k, " +
                      $"convnext_tiny.fb_in22k_ft_in1k ('fastvision models' lists them; default {Architectures.Default.Name})",
        DefaultValueFactory = _ => Architectures.Default.Name,
    };
    private readonly WeightStoreArguments store = new();
    private readonly Option<string> device = CommonOptions.Device();
    private readonly Option<OptimizerKind> optimizer = new("--optimizer") { Description = "AdamW or Sgd (momentum follows the schedule)", DefaultValueFactory = _ => OptimizerKind.AdamW };
    private readonly Option<double> weightDecay = new("--wd") { Description = "Decoupled weight decay (not on BatchNorm and biases)", DefaultValueFactory = _ => 0.01 };
    private readonly Option<double> labelSmoothing = new("--label-smoothing") { Description = "Label smoothing of the loss (fastai: 0.1); 0 for none", DefaultValueFactory = _ => 0.0 };
    private readonly Option<string> precision = CommonOptions.Precision();
    private readonly Option<string> classWeights = ClassWeightsOption();
    private readonly Option<bool> noPretrained = new("--no-pretrained") { Description = "Random initialization (train the whole network)" };
    private readonly Option<string?> weights = new("--weights")
    {
        Description = "Start from this state dict instead of the built-in weights: .pth/.pt/.bin/.safetensors with torchvision or timm names, or a FastVision model.safetensors",
    };

    public IEnumerable<Option> Options => [arch, device, precision, optimizer, weightDecay, labelSmoothing, classWeights, noPretrained, weights, .. store.Options];

    private static Option<string> ClassWeightsOption()
    {
        var option = new Option<string>("--class-weights")
        {
            Description = "auto: weight the loss by N / (classes x images of the class) of the training set (rare classes count more); none",
            DefaultValueFactory = _ => "none",
        };
        option.AcceptOnlyFromAmong("auto", "none");
        return option;
    }

    /// <summary>
    /// The architecture and weights --arch names (a hub tag's config.json is read now: it sets the normalization and the default
    /// --size); no pretrained weights with --no-pretrained or --weights.
    /// </summary>
    public ModelChoice Choose(ParseResult parse)
    {
        var weightStore = store.Read(parse);
        var name = parse.GetValue(arch)!;
        if (parse.GetValue(noPretrained) || parse.GetValue(weights) is not null)
            return new ModelChoice(Architectures.Get(name.Split('.')[0]), null, weightStore);
        var (architecture, pretrained) = Architectures.Resolve(name, weightStore);
        return new ModelChoice(architecture, pretrained, weightStore);
    }

    public Learner Create(ParseResult parse, DataLoaders dls, ModelChoice choice)
    {
        var architecture = choice.Architecture;
        var learn = VisionLearner.Create(dls, architecture, choice.Weights, new LearnerOptions
        {
            WeightStore = choice.Store,
            ClassWeights = parse.GetValue(classWeights) == "auto"
                ? ClassWeights.Balanced(Enumerable.Range(0, dls.Train.Count).Select(dls.Train.LabelOf), dls.Classes.Count) : null,
            Seed = parse.GetValue(run.Seed), Device = parse.GetValue(device)!, Optimizer = parse.GetValue(optimizer), WeightDecay = parse.GetValue(weightDecay),
            LabelSmoothing = parse.GetValue(labelSmoothing), Pretrained = !parse.GetValue(noPretrained), Weights = parse.GetValue(weights),
            MixedPrecision = CommonOptions.AutocastType(parse.GetValue(precision)!),
            Metrics = _ => [new Accuracy(), new ErrorRate(), new LogLoss()],
        });
        CommonOptions.WarnIfBf16IsSlowHere(learn.Options.MixedPrecision, learn.Device, "--precision fp32");
        var start = parse.GetValue(weights) ?? (choice.Weights is { } w ? $"{w.Tag} weights" : null);
        Console.WriteLine($"model: {architecture.Name}{(start is not null ? $" ({start}, body frozen)" : " (random init)")} on {learn.Device}, {dls.Size}px, {parse.GetValue(precision)}");
        return learn;
    }
}
