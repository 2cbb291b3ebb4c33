using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using FastVision.Data;

namespace FastVision.Inference;

/// <summary>
/// What makes two prediction runs' lines interchangeable: the model's files (a SHA-256 over them), its classes and input
/// size, the engine, test-time augmentation, calibration, the ensemble rule, the detections file's content and the output
/// format. A resume or a merge across runs that differ in any of them is refused; batch size and threads are left out (they
/// change no probability beyond float rounding).
/// </summary>
public sealed record PredictionIdentity(
    string ModelFingerprint, string Architecture, string[] Classes, int Size, string Engine, string? Tta, bool Calibrated, double Temperature,
    string Ensemble, string? DetectionsFingerprint, PredictionFileFormat Format, bool Ids)
{
    /// <summary>The differences from <paramref name="other"/>, e.g. "Engine: onnx vs torch bf16"; empty when they match.</summary>
    public IReadOnlyList<string> Differences(PredictionIdentity other) =>
        [.. typeof(PredictionIdentity).GetProperties().Where(p => p.Name != nameof(Ids)) // ids follow from the inputs, not the options
            .Select(p => (p.Name, Mine: JsonSerializer.Serialize(p.GetValue(this)), Theirs: JsonSerializer.Serialize(p.GetValue(other))))
            .Where(p => p.Mine != p.Theirs).Select(p => $"{p.Name}: {p.Mine} vs {p.Theirs}")];
}

/// <summary>
/// The record beside a prediction output (<c>OUT.manifest.json</c>): the run's identity, its shard, the inputs it listed, and
/// once it finished, its counts. Resume checks the identity; merge checks that parts share it and covers every shard.
/// </summary>
/// <param name="Classifier">How MegaDetector output names the model.</param>
/// <param name="DetectionCategories">The detections file's categories (MegaDetector output copies them); null without detections.</param>
public sealed record PredictionManifest(string FastVisionVersion, string Model, PredictionIdentity Identity, Shard Shard, ImageInput[] Inputs, string? Detections,
    string Classifier, IReadOnlyDictionary<string, string>? DetectionCategories)
{
    /// <summary>Images of the inputs that belong to the shard (known before the first prediction).</summary>
    public int Assigned { get; init; }

    public bool Complete { get; init; }
    public int Rows { get; init; }
    public int Failures { get; init; }

    public const string Suffix = ".manifest.json";

    public static string PathOf(string output) => output + Suffix;

    /// <summary>The line layout of the run's output (the one factory: the job writes with it, resume, merge and submit read with it).</summary>
    public PredictionFormat CreateFormat() =>
        PredictionFormat.Create(Identity.Format, Identity.Classes, Identity.Ids, Identity.DetectionsFingerprint is not null, Classifier, DetectionCategories);

    public void Write(string output) => JsonFiles.Write(PathOf(output), this);

    /// <summary>The manifest of <paramref name="output"/>; a missing or malformed one is an error that names it.</summary>
    public static PredictionManifest Read(string output)
    {
        var path = PathOf(output);
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: not found; {output} was not written by 'fastvision predict' or 'merge' (their outputs have a manifest beside them).");
        var manifest = JsonFiles.Read<PredictionManifest>(path);
        string? problem = manifest switch
        {
            { Identity: null } => "no Identity",
            { Identity.Classes: null or { Length: < 2 } } => "fewer than two classes",
            _ when manifest.Identity.Classes.Any(string.IsNullOrEmpty) || manifest.Identity.Classes.Distinct().Count() != manifest.Identity.Classes.Length => "empty or repeated class names",
            { Identity.ModelFingerprint: null } or { Identity.Engine: null } or { Identity.Ensemble: null } or { Identity.Architecture: null } or { Classifier: null } => "a missing model or engine field",
            _ when !Enum.IsDefined(manifest.Identity.Format) => $"format {manifest.Identity.Format}",
            { Shard: null } => "no Shard",
            { Shard: var s } when s.Count < 1 || s.Index < 0 || s.Index >= s.Count => $"shard {s.Index}/{s.Count}",
            { Inputs: null } => "no Inputs",
            _ when manifest.Inputs.Any(i => i is null || i.Path is null || i.Root is null || !Enum.IsDefined(i.Kind) || i.PathColumn is null) => "an input without a path or kind",
            { Rows: < 0 } or { Failures: < 0 } or { Assigned: < 0 } => "a negative count",
            _ => null,
        };
        if (problem is not null) throw new InvalidDataException($"{path}: {problem}.");
        return manifest;
    }

    private static readonly string[] ModelFiles = [ModelBundle.MetadataFile, ModelBundle.WeightsFile, ModelBundle.OnnxFile, EnsembleBundle.File];

    /// <summary>
    /// A SHA-256 over the model folder's bundle files (model.json, model.safetensors, model.onnx, ensemble.json: names and
    /// contents, an ensemble's members included; checkpoints and anything else a run left there are not the model).
    /// </summary>
    public static string Fingerprint(string modelDirectory)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var root = System.IO.Path.GetFullPath(modelDirectory);
        foreach (var file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
                     .Select(f => System.IO.Path.GetRelativePath(root, f).Replace('\\', '/'))
                     .Where(f => ModelFiles.Contains(System.IO.Path.GetFileName(f)) && !f.Split('/').Contains("checkpoints")).Order(StringComparer.Ordinal))
        {
            sha.AppendData(Encoding.UTF8.GetBytes(file + "\n"));
            using var stream = File.OpenRead(System.IO.Path.Combine(root, file));
            var buffer = new byte[1 << 16];
            int n;
            while ((n = stream.Read(buffer)) > 0) sha.AppendData(buffer, 0, n);
        }
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    /// <summary>A SHA-256 of one file's contents (the detections a run cropped with).</summary>
    public static string FileFingerprint(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
