using System.CommandLine;
using FastVision.Data;
using FastVision.Inference;
using FastVision.Reporting;

namespace FastVision.Cli;

/// <summary>The model argument and the options of every command that predicts with a saved model (with <see cref="RunArguments"/>' seed and bad-image policy).</summary>
internal sealed class PredictionArguments(RunArguments run)
{
    private readonly Argument<string> model = new("MODEL") { Description = "A model folder written by 'fastvision train' (model.json + model.safetensors)" };
    private readonly Option<PredictionEngine> engine = new("--engine")
    {
        Description = "auto (ONNX Runtime when the model has model.onnx and fp32 on the CPU is asked for: the fastest here), torch or onnx",
        DefaultValueFactory = _ => PredictionEngine.Auto,
    };
    private readonly Option<string> device = CommonOptions.Device();
    private readonly Option<string> precision = CommonOptions.Precision();
    private readonly Option<int> batchSize = CommonOptions.BatchSize();
    private readonly Option<int?> threads = new("--threads") { Description = "Intra-op threads of the engine (ONNX Runtime or libtorch); default one per core" };
    private readonly Option<bool> tta = new("--tta") { Description = "Test-time augmentation: (1-beta)*mean of --tta-passes augmented passes + beta*plain (fastai: 4 passes, beta 0.25)" };
    private readonly Option<int> ttaPasses = new("--tta-passes") { Description = "Augmented passes of --tta", DefaultValueFactory = _ => 4 };
    private readonly Option<double> ttaBeta = new("--tta-beta") { Description = "Weight of the plain pass in --tta", DefaultValueFactory = _ => 0.25 };
    private readonly Option<bool> uncalibrated = new("--no-calibration") { Description = "Ignore the model's fitted temperature (raw softmax)" };
    private readonly Option<EnsembleCombination> ensemble = new("--ensemble")
    {
        Description = "For an ensemble folder (train --folds): Mean or GeoMean of the members' probabilities", DefaultValueFactory = _ => EnsembleCombination.Mean,
    };

    public Argument<string> Model => model;

    public IEnumerable<Option> Options => [engine, device, precision, batchSize, threads, tta, ttaPasses, ttaBeta, uncalibrated, ensemble];

    /// <summary>The model folder given.</summary>
    public string ModelPath(ParseResult parse) => parse.GetValue(model)!;

    public Predictor Load(ParseResult parse)
    {
        var predictor = Predictor.Load(parse.GetValue(model)!, new PredictorOptions
        {
            Engine = parse.GetValue(engine), Device = parse.GetValue(device)!, MixedPrecision = CommonOptions.AutocastType(parse.GetValue(precision)!), BatchSize = parse.GetValue(batchSize),
            Threads = parse.GetValue(threads) is { } n ? n >= 1 ? n : throw new ArgumentException($"--threads {n}: at least 1.") : null,
            Tta = parse.GetValue(tta) ? new TestTimeAugmentation(parse.GetValue(ttaPasses), parse.GetValue(ttaBeta)) : null,
            Calibrated = !parse.GetValue(uncalibrated), Ensemble = parse.GetValue(ensemble), OnBadImage = parse.GetValue(run.OnBadImage), Seed = parse.GetValue(run.Seed),
        });
        if (predictor.EngineName.StartsWith("torch", StringComparison.Ordinal))
            CommonOptions.WarnIfBf16IsSlowHere(predictor.Options.MixedPrecision, Native.TorchRuntime.Device(predictor.Options.Device), "--engine onnx");
        var m = predictor.Metadata;
        Console.WriteLine(FormattableString.Invariant(
            $"model: {m.Architecture}, {m.Classes.Length} classes, {m.Pipeline.Size}px, {predictor.EngineName}, temperature {predictor.Temperature:G4}{(predictor.Options.Tta is { } t ? $", TTA {t.Passes} passes beta {t.Beta}" : "")}"));
        if (m.Pipeline.Crop is { } crop)
            Console.WriteLine(FormattableString.Invariant($"model crops to detector boxes (conf >= {crop.Threshold:0.###}, {crop.Mode}{(m.Pipeline.Views.Count > 1 ? ", averaged with the whole image" : "")}): images without detections (--detections) are predicted whole"));
        return predictor;
    }

    /// <summary>Runs a streaming prediction job with a progress bar on a terminal; lists every image that failed as it goes.</summary>
    public static PredictionJobResult Stream(Predictor predictor, IReadOnlyList<ImageInput> inputs, PredictionJobOptions options)
    {
        LiveProgress? live = LiveProgress.IsInteractive(Console.Out) ? new LiveProgress(Spectre.Console.AnsiConsole.Console) : null;
        Spectre.Console.ProgressTask? bar = null;
        try
        {
            return PredictionJob.Run(predictor, inputs, options, progress =>
            {
                if (live is not null)
                {
                    bar ??= live.AddTask("predicting", progress.Assigned);
                    bar.Value = progress.Done;
                }
                foreach (var failed in progress.Batch.Where(r => r.Failed))
                    Console.Error.WriteLine($"failed: {failed.File}: {failed.Failure}");
            });
        }
        finally
        {
            live?.Dispose();
        }
    }

    /// <summary>Predicts with a progress bar on a terminal; lists every image that was left out.</summary>
    public static PredictionSet Predict(Predictor predictor, IReadOnlyList<ImageItem> items)
    {
        int total = predictor.BatchesPerPass(items) * predictor.Passes;
        var result = LiveProgress.Track(Console.Out, $"predicting {items.Count} images", total, step => predictor.Predict(items, step));
        foreach (var (file, reason) in result.Skipped)
            Console.Error.WriteLine($"skipped: {(reason.StartsWith(file, StringComparison.Ordinal) ? reason : $"{file}: {reason}")}");
        return result;
    }
}
