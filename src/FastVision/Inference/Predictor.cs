using TorchSharp;
using FastVision.Data;
using FastVision.Models;
using FastVision.Native;
using static TorchSharp.torch;
using DataLoader = FastVision.Data.DataLoader;
using FastVision.Training;

namespace FastVision.Inference;

/// <summary>One image's class probabilities (in <see cref="Predictor.Classes"/> order).</summary>
public sealed record ImagePrediction(ImageItem Item, float[] Probabilities, int Target)
{
    public int Predicted => Array.IndexOf(Probabilities, Probabilities.Max());
}

/// <summary>Probabilities for images that could be read, and the ones that could not (path, reason).</summary>
public sealed record PredictionSet(IReadOnlyList<string> Classes, IReadOnlyList<ImagePrediction> Rows, IReadOnlyList<KeyValuePair<string, string>> Skipped);

/// <summary>
/// A loaded model bundle that predicts images (fastai's load_learner + get_preds/tta): the validation path of
/// training (presize centred, resize, normalization), batched, optionally with test-time augmentation, with
/// the bundle's temperature applied.
/// </summary>
public sealed class Predictor : IDisposable
{
    private readonly IInferenceEngine engine;
    private readonly bool engineCalibrates;
    private readonly BufferPool buffers = new(); // a streaming job's one-batch calls reuse the same few pixel buffers

    /// <summary>A predictor on an engine of the caller's (it is disposed with the predictor).</summary>
    /// <param name="engineTemperature">The temperature the engine applies itself (an ensemble's, to each member); null: the bundle's, applied here.</param>
    public Predictor(IInferenceEngine engine, ModelMetadata metadata, PredictorOptions? options = null, double? engineTemperature = null)
    {
        TorchRuntime.EnsureInitialized();
        Options = options ?? new PredictorOptions();
        this.engine = new SerializedEngine(engine);
        Metadata = metadata;
        engineCalibrates = engineTemperature is not null;
        Temperature = engineTemperature ?? (Options.Calibrated ? Metadata.Temperature : 1);
    }

    /// <summary>
    /// Loads a bundle with the engine <see cref="PredictorOptions.Engine"/> asks for: auto picks ONNX Runtime when the bundle
    /// has <c>model.onnx</c> and fp32 is asked for on the CPU (the fastest here, see bench/results/inference.md), else TorchSharp.
    /// </summary>
    public static Predictor Load(string directory, PredictorOptions? options = null)
    {
        TorchRuntime.EnsureInitialized();
        options ??= new PredictorOptions();
        if (EnsembleBundle.IsEnsemble(directory))
        {
            // Every member on the same engine choice; the ensemble's one temperature goes into the engine, so none is applied after.
            var (ensemble, members) = EnsembleBundle.Read(directory);
            var engines = ensemble.Members.Select(m => Engine(Path.Combine(directory, m), options)).ToList();
            double temperature = options.Calibrated ? ensemble.Temperature : 1;
            return new Predictor(new EnsembleEngine(engines, temperature, options.Ensemble), members[0] with { Calibration = null }, options, temperature);
        }
        return new Predictor(Engine(directory, options), ModelBundle.ReadMetadata(directory), options);
    }

    /// <summary>
    /// A predictor of a learner's model as it is in memory (fastai's learn.get_preds / learn.tta without an export), with the
    /// learner's precision and pipeline; the model stays the learner's.
    /// </summary>
    public static Predictor ForLearner(Learner learner, PredictorOptions? options = null)
    {
        var architecture = learner.Model is VisionModel { Architecture: { } a } ? a.Name : learner.Model.GetName();
        return new Predictor(new TorchEngine(learner.Model, learner.Device, learner.Options.MixedPrecision), ModelBundle.Metadata(learner, architecture), options);
    }

    /// <summary>The engine a bundle runs on (see <see cref="Load"/>).</summary>
    private static IInferenceEngine Engine(string directory, PredictorOptions options)
    {
        var onnx = Path.Combine(directory, ModelBundle.OnnxFile);
        var device = TorchRuntime.Device(options.Device);
        bool useOnnx = options.Engine switch
        {
            PredictionEngine.Onnx => true,
            PredictionEngine.Torch => false,
            _ => File.Exists(onnx) && options.MixedPrecision is null && device.type == TorchSharp.DeviceType.CPU,
        };
        if (useOnnx) return new OnnxEngine(onnx, options.Threads);
        if (options.Threads is { } threads) torch.set_num_threads(threads);
        var (model, _) = ModelBundle.Load(directory);
        model.to(device);
        return new TorchEngine(model, device, options.MixedPrecision, ownsModel: true);
    }

    /// <summary>"onnx", "torch fp32", "torch bf16".</summary>
    public string EngineName => engine.Name;

    public ModelMetadata Metadata { get; }
    public PredictorOptions Options { get; }
    public IReadOnlyList<string> Classes => Metadata.Classes;
    /// <summary>The temperature the predictions are calibrated with (1: the model's raw softmax).</summary>
    public double Temperature { get; }

    /// <summary>Batches one pass over <paramref name="items"/> takes, every view included (progress bars: multiply by <see cref="Passes"/>).</summary>
    public int BatchesPerPass(IReadOnlyList<ImageItem> items) => ViewAveraging.Batches(Metadata.Pipeline, items, Options.BatchSize);

    public int Passes => 1 + (Options.Tta?.Passes ?? 0);

    /// <summary>
    /// Predicts <paramref name="items"/>; an item with a label must name one of <see cref="Classes"/> (evaluation).
    /// <paramref name="afterBatch"/> is called after every batch of every pass. With the bundle's two views every pass (plain
    /// and each test-time augmentation) averages the crop and the whole image of each cropped image (<see cref="ViewAveraging"/>),
    /// then the temperature applies and test-time augmentation blends the passes: each view gets the TTA treatment.
    /// </summary>
    /// <remarks>
    /// Calls may overlap (a streaming job decodes the next batch while this one runs): decoding runs in parallel, the engine one
    /// batch at a time. <paramref name="seed"/> (default <see cref="PredictorOptions.Seed"/>) seeds this call's test-time augmentation.
    /// </remarks>
    public PredictionSet Predict(IReadOnlyList<ImageItem> items, Action? afterBatch = null, int? seed = null)
    {
        var issues = new DataIssues(Options.OnBadImage);
        var settings = new LoaderSettings { BatchSize = Options.BatchSize, Seed = seed ?? Options.Seed, Issues = issues, Buffers = buffers };
        float[][] Pass(bool augment, int epoch, out Predictions raw)
        {
            var loader = new DataLoader(items, Classes, Metadata.Pipeline, settings, isTrain: false, augment) { Device = engine.Device };
            raw = ViewAveraging.Collect(engine, loader, epoch, _ => afterBatch?.Invoke());
            return raw.Probabilities(engineCalibrates ? 1 : Temperature);
        }

        var plain = Pass(augment: false, 0, out var plainRaw);
        using (plainRaw)
        {
            if (Options.Tta is { } tta)
            {
                var passes = new List<float[][]>();
                for (int pass = 0; pass < tta.Passes; pass++)
                {
                    var probabilities = Pass(augment: true, pass + 1, out var raw);
                    using (raw)
                    {
                        if (!raw.Items.SequenceEqual(plainRaw.Items))
                            throw new InvalidOperationException("Test-time augmentation read a different set of images than the plain pass.");
                    }
                    passes.Add(probabilities);
                }
                plain = tta.Combine(passes, plain);
            }
            var rows = plainRaw.Items.Select((item, r) => new ImagePrediction(items[item], plain[r], plainRaw.Targets[r])).ToList();
            return new PredictionSet(Classes, rows, issues.Skipped);
        }
    }

    public void Dispose() => engine.Dispose();
}
