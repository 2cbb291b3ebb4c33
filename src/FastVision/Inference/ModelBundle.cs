using System.Text.Json;
using FastVision.Models;
using FastVision.Training;
using FastVision.Vision;
using TorchSharp.PyBridge;

namespace FastVision.Inference;

/// <summary>What a saved model folder holds besides its weights.</summary>
public sealed record ModelMetadata(
    string FormatVersion,
    string FastVisionVersion,
    string Architecture,
    string[] Classes,
    int Size,
    float[] Mean,
    float[] Std,
    EpochResult[] History)
{
    /// <summary>The square the images were presized to before the final resize (the size when absent).</summary>
    public int Presize { get; init; }

    /// <summary>The training augmentation; test-time augmentation draws from it.</summary>
    public AugTransforms? Augment { get; init; }

    /// <summary>Temperature scaling fitted on the validation set; none means temperature 1.</summary>
    public Calibration? Calibration { get; init; }

    public double Temperature => Calibration?.Temperature ?? 1;
}

/// <summary>A fitted temperature and the validation log loss it was fitted on, before and after.</summary>
public sealed record Calibration(double Temperature, double ValidLogLossBefore, double ValidLogLossAfter, int ValidImages);

/// <summary>
/// A trained model on disk: <c>model.safetensors</c> (keys body.* / head.*) and <c>model.json</c>.
/// Both are written atomically (temp file + rename).
/// </summary>
public static class ModelBundle
{
    public const string WeightsFile = "model.safetensors";
    public const string MetadataFile = "model.json";
    public const string FormatVersion = "1";
    private static JsonSerializerOptions Json => JsonFiles.Options;

    public static void Save(Learner learner, string directory)
    {
        Directory.CreateDirectory(directory);
        AtomicFile.Write(Path.Combine(directory, WeightsFile), path => learner.Model.save_safetensors(path));
        var norm = learner.Dls.Normalization ?? learner.Architecture.Normalization;
        var metadata = new ModelMetadata(FormatVersion, typeof(ModelBundle).Assembly.GetName().Version?.ToString() ?? "0",
            learner.Architecture.Name, [.. learner.Dls.Classes], learner.Dls.Size, norm.Mean, norm.Std, [.. learner.History])
        {
            Presize = learner.Dls.Train.Settings.Presize.Size,
            Augment = learner.Dls.Train.Settings.Augment,
            Calibration = learner.Calibration,
        };
        AtomicFile.WriteAllText(Path.Combine(directory, MetadataFile), JsonSerializer.Serialize(metadata, Json));
    }

    /// <summary>Rebuilds the model a folder describes and loads its weights.</summary>
    public static (VisionModel Model, ModelMetadata Metadata) Load(string directory)
    {
        var metaPath = Path.Combine(directory, MetadataFile);
        if (!File.Exists(metaPath)) throw new FileNotFoundException($"{metaPath}: not found; is '{directory}' a FastVision model folder?");
        var metadata = JsonSerializer.Deserialize<ModelMetadata>(File.ReadAllText(metaPath), Json)
            ?? throw new InvalidDataException($"{metaPath}: empty metadata.");
        if (metadata.FormatVersion != FormatVersion)
            throw new InvalidDataException($"{metaPath}: format version {metadata.FormatVersion}, this FastVision reads {FormatVersion}.");
        var arch = Architectures.Get(metadata.Architecture);
        var body = arch.CreateBody(pretrained: false);
        var model = new VisionModel(body, ClassifierHead.Create(((IVisionBody)body).NumFeatures, metadata.Classes.Length));
        model.load_safetensors(Path.Combine(directory, WeightsFile));
        return (model, metadata);
    }
}
