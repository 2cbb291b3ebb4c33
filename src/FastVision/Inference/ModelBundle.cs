using FastVision.Models;
using FastVision.Training;
using Microsoft.ML.OnnxRuntime;
using TorchSharp;
using TorchSharp.PyBridge;
using System.Text.Json.Serialization;
using FastVision.Data;

namespace FastVision.Inference;

/// <summary>What a saved model folder holds besides its weights.</summary>
/// <param name="Pipeline">How images become inputs (presize, size, the training augmentation test-time augmentation draws from, normalization).</param>
public sealed record ModelMetadata(
    string FormatVersion,
    string FastVisionVersion,
    string Architecture,
    string[] Classes,
    ImagePipeline Pipeline,
    EpochResult[] History)
{
    /// <summary>Temperature scaling fitted on the validation set; none means temperature 1.</summary>
    public Calibration? Calibration { get; init; }

    [JsonIgnore] // derived from Calibration
    public double Temperature => Calibration?.Temperature ?? 1;
}

/// <summary>What <see cref="ModelBundle.Save"/> wrote: whether the folder has <c>model.onnx</c>, and why not when the export was refused.</summary>
public sealed record SavedBundle(string Directory, bool HasOnnx, string? OnnxWarning);

/// <summary>
/// A trained model on disk, one folder: <c>model.safetensors</c> (keys body.* / head.*), <c>model.onnx</c> (the same
/// network for ONNX Runtime, when the architecture exports) with <c>preprocess.json</c> (its inputs, for other engines) and
/// <c>model.json</c> (written last). Every file is
/// written atomically (temp file + rename). Loading validates each part and names what is wrong.
/// </summary>
public static class ModelBundle
{
    public const string WeightsFile = "model.safetensors";
    public const string OnnxFile = "model.onnx";
    public const string MetadataFile = "model.json";

    /// <summary>Beside <see cref="OnnxFile"/>: the preprocessing, classes and temperature other engines need to run it (<see cref="OnnxPreprocess"/>).</summary>
    public const string PreprocessFile = "preprocess.json";

    /// <summary>
    /// 2 added presize, training augmentation and calibration; 3 keeps the size, presize, augmentation and normalization in
    /// one <see cref="ImagePipeline"/> (its <c>FullView</c>, added later, reads as false when absent: the crop alone). Formats 1 and 2
    /// (FastVision 0.4) still read.
    /// </summary>
    public const string FormatVersion = "3";
    private static readonly string[] ReadableFormats = ["1", "2", FormatVersion];

    public static string Version => typeof(ModelBundle).Assembly.GetName().Version?.ToString() ?? "0";

    /// <summary>Writes <paramref name="learner"/>'s model, which must be a <see cref="VisionModel"/> of a registered architecture (what loading rebuilds).</summary>
    public static SavedBundle Save(Learner learner, string directory)
    {
        if (learner.Model is not VisionModel { Architecture: { } architecture } model)
            throw new NotSupportedException($"A model folder holds a vision model of a registered architecture (VisionLearner.Create, VisionModel.Create); this learner's model ({learner.Model.GetName()}) cannot be rebuilt from one.");
        Directory.CreateDirectory(directory);
        var onnxPath = Path.Combine(directory, OnnxFile);
        var preprocessPath = Path.Combine(directory, PreprocessFile);
        File.Delete(onnxPath); // an earlier run's graph must never sit beside new weights, whatever fails below
        File.Delete(preprocessPath); // nor its preprocessing
        var weightsPath = Path.Combine(directory, WeightsFile);
        AtomicFile.Write(weightsPath, path => model.save_safetensors(path));
        var onnxWarning = SaveOnnx(learner, model, weightsPath, onnxPath);
        var metadata = Metadata(learner, architecture.Name); // one value for both files: they carry the same temperature
        bool hasOnnx = File.Exists(onnxPath);
        if (hasOnnx) OnnxPreprocess.Of(metadata).Write(preprocessPath);
        JsonFiles.Write(Path.Combine(directory, MetadataFile), metadata);
        return new SavedBundle(directory, hasOnnx, onnxWarning);
    }

    /// <summary>What model.json says of <paramref name="learner"/>: its classes, pipeline, history and calibration.</summary>
    public static ModelMetadata Metadata(Learner learner, string architecture) =>
        new(FormatVersion, Version, architecture, [.. learner.Dls.Classes], learner.Dls.Pipeline, [.. learner.History]) { Calibration = learner.Calibration };

    /// <summary>
    /// model.onnx only when the architecture exports and the graph agrees with the model (checked by the export, on the
    /// CPU: a model trained elsewhere is checked as a CPU copy of the weights just written); otherwise none, and the
    /// warning says why (predictions then use TorchSharp).
    /// </summary>
    private static string? SaveOnnx(Learner learner, VisionModel model, string weightsPath, string onnxPath)
    {
        if (!OnnxExport.Supports(model)) return null;
        VisionModel? cpuCopy = null;
        try
        {
            if (learner.Device.type != DeviceType.CPU)
            {
                cpuCopy = VisionModel.Create(model.Architecture!, learner.Dls.Classes.Count);
                StateDicts.CopyFromFile(cpuCopy, weightsPath);
            }
            OnnxExport.Save(cpuCopy ?? model, learner.Dls.Size, onnxPath);
            return null;
        }
        catch (Exception e) when (e is OnnxMismatchException or OnnxRuntimeException)
        {
            return $"{e.Message}; the model folder has no {OnnxFile}, so predictions run on TorchSharp.";
        }
        finally
        {
            cpuCopy?.Dispose();
        }
    }

    /// <summary>Reads and validates <c>model.json</c>.</summary>
    public static ModelMetadata ReadMetadata(string directory)
    {
        var metaPath = Path.Combine(directory, MetadataFile);
        if (!File.Exists(metaPath)) throw new FileNotFoundException($"{metaPath}: not found; is '{directory}' a FastVision model folder?");
        var format = JsonFiles.Read<FormatHeader>(metaPath);
        if (!ReadableFormats.Contains(format.FormatVersion))
            throw new InvalidDataException($"{metaPath}: written by FastVision {format.FastVisionVersion} in bundle format {format.FormatVersion}; " +
                $"this FastVision ({Version}) reads formats {string.Join(", ", ReadableFormats)}. Re-export the model with a matching version.");
        var metadata = format.FormatVersion == FormatVersion ? JsonFiles.Read<ModelMetadata>(metaPath) : JsonFiles.Read<Format2Metadata>(metaPath).ToCurrent(metaPath);
        string? problem = metadata switch
        {
            { Classes: null or { Length: < 2 } } => "fewer than two classes",
            _ when metadata.Classes.Any(string.IsNullOrWhiteSpace) => "an empty class name",
            _ when metadata.Classes.Distinct(StringComparer.Ordinal).Count() != metadata.Classes.Length => "duplicate class names",
            { Pipeline: null } => "no Pipeline (how images become inputs)",
            { Pipeline.Size: <= 0 } => $"input size {metadata.Pipeline.Size}",
            { Pipeline.Presize: null or { Size: <= 0 } } => $"presize {metadata.Pipeline.Presize?.Size.ToString() ?? "missing"}",
            { Pipeline.Augment: null } => "no augmentation recipe (AugTransforms.None is written when there is none)",
            { Pipeline.Normalization: null } => "no normalization",
            { Pipeline.Normalization: { Mean: null or { Length: not 3 } } or { Std: null or { Length: not 3 } } } => "normalization needs 3 means and 3 standard deviations",
            { Pipeline.Normalization.Std: var std } when std.Any(v => !(v > 0)) => "a standard deviation that is not positive",
            { Pipeline.Crop: { } crop } when !(crop.Threshold is >= 0 and <= 1) || !(crop.Margin >= 0) || !Enum.IsDefined(crop.Mode) || crop.Category is null
                => $"a detector crop policy out of range (threshold {crop.Threshold}, margin {crop.Margin}, mode {crop.Mode})",
            { Calibration.Temperature: var t } when !(t > 0) => $"temperature {t}",
            { History: null } => "no History (the epoch table)",
            _ => null,
        };
        if (problem is not null) throw new InvalidDataException($"{metaPath}: {problem}.");
        try
        {
            Architectures.Get(metadata.Architecture ?? ""); // JSON can hold null where the type says it cannot
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{metaPath}: {e.Message}");
        }
        return metadata;
    }

    /// <summary>Rebuilds the model a folder describes and loads its weights, checking every key and shape.</summary>
    public static (VisionModel Model, ModelMetadata Metadata) Load(string directory)
    {
        var metadata = ReadMetadata(directory);
        var weightsPath = Path.Combine(directory, WeightsFile);
        if (!File.Exists(weightsPath)) throw new FileNotFoundException($"{weightsPath}: not found; the model folder is incomplete.");
        var model = VisionModel.Create(Architectures.Get(metadata.Architecture), metadata.Classes.Length);
        StateDicts.CopyFromFile(model, weightsPath);
        return (model, metadata);
    }

    private sealed record FormatHeader(string FormatVersion, string FastVisionVersion);

    /// <summary>model.json as formats 1 and 2 (FastVision 0.4) wrote it: the pipeline's values side by side.</summary>
    private sealed record Format2Metadata(string FormatVersion, string FastVisionVersion, string Architecture, string[] Classes,
        int Size, float[] Mean, float[] Std, EpochResult[] History)
    {
        /// <summary>The presize square; absent (format 1): the size.</summary>
        public int Presize { get; init; }

        /// <summary>The training augmentation (its size was the input size); absent (format 1): none.</summary>
        public AugTransforms? Augment { get; init; }

        public Calibration? Calibration { get; init; }

        public ModelMetadata ToCurrent(string path)
        {
            if (Size <= 0 || Presize < 0) throw new InvalidDataException($"{path}: input size {Size}, presize {Presize}.");
            var normalization = Mean is null || Std is null ? null : new Normalization(Mean, Std);
            var pipeline = new ImagePipeline(Size, new Presize(Presize > 0 ? Presize : Size), Augment ?? AugTransforms.None, normalization);
            return new ModelMetadata(FormatVersion, FastVisionVersion, Architecture, Classes, pipeline, History) { Calibration = Calibration };
        }
    }
}
