using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using FastVision.Data;

namespace FastVision.Inference;

/// <summary>
/// <c>preprocess.json</c>, written beside <c>model.onnx</c>: FastVision's validation preprocessing, classes and calibration
/// spelled out for engines that run the graph without FastVision (Ray Data, Spark, plain onnxruntime), so their inputs are
/// the ones the model was validated on. Every value is derived from the bundle's <see cref="ImagePipeline"/> and metadata;
/// each step's <see cref="PreprocessStep.Rule"/> states the arithmetic exactly (rounding included), as the test re-implements it.
/// </summary>
/// <param name="Size">The model's input side: the graph takes [batch, 3, size, size].</param>
/// <param name="Steps">What turns an image file into one input, in order (the whole-image path).</param>
/// <param name="Scale">The factor bytes are multiplied by before normalization (1/255: values in [0, 1]).</param>
/// <param name="Mean">Per RGB channel, subtracted after scaling (0–1 scale).</param>
/// <param name="Std">Per RGB channel, divided by after subtracting the mean.</param>
/// <param name="Classes">Class names in logit order.</param>
/// <param name="Temperature">The bundle's calibration (1 when it has none).</param>
/// <param name="Probabilities">How logits become probabilities.</param>
public sealed record OnnxPreprocess(
    string FormatVersion, [property: JsonPropertyName("fastvision_version")] string FastVisionVersion, string InputName, string OutputName, string Layout, string ChannelOrder, string Dtype, int Size,
    PreprocessStep[] Steps, float Scale, float[] Mean, float[] Std, string[] Classes, double Temperature, string Probabilities)
{
    public const string CurrentFormat = "2"; // 2: one resampling, decoded square straight to the model size
    public const string LayoutNchw = "NCHW", Rgb = "RGB", Float32 = "float32";
    private const string ProbabilityRule = "softmax(logits / temperature)";

    /// <summary>With a detector crop policy: how the region the steps start from is chosen; null: whole images only.</summary>
    public DetectorCropStep? DetectorCrop { get; init; }

    /// <summary>
    /// snake_case (the convention of the Python tools that read it), enums as snake_case strings, absent values left out, and
    /// the rules' +, &lt; and quotes left readable (the file is never embedded in HTML).
    /// </summary>
    public static JsonSerializerOptions JsonOptions { get; } = new(JsonFiles.Options)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    /// <summary>The file beside an ONNX graph at <paramref name="onnxPath"/>: <c>preprocess.json</c> in the same folder.</summary>
    public static string PathBeside(string onnxPath) => Path.Combine(Path.GetDirectoryName(Path.GetFullPath(onnxPath))!, ModelBundle.PreprocessFile);

    /// <summary>The preprocessing, classes and temperature of the bundle <paramref name="metadata"/> describes.</summary>
    public static OnnxPreprocess Of(ModelMetadata metadata)
    {
        var pipeline = metadata.Pipeline;
        var normalization = pipeline.Normalization ?? throw new ArgumentException("The pipeline has no normalization yet (a learner sets its model's).", nameof(metadata));
        int size = pipeline.Size;
        PreprocessStep[] steps =
        [
            new("decode")
            {
                Orientation = "exif",
                JpegScaling = new JpegScaling(size, ImageDecoder.ScaleDenominator),
                Rule = "Decode to 8-bit RGBA, alpha premultiplied (opaque images: plain RGB), grey and CMYK converted to RGB, no colour management, then apply the EXIF orientation. " +
                    "A JPEG (recognized by content) is decoded with libjpeg-turbo DCT scaling n/8 (default IDCT, fancy upsampling) at the smallest n in 1..8 whose decoded size " +
                    "ceil(width * n / 8) x ceil(height * n / 8) has a shorter side >= min_short_side (n = 8 when none has). Other formats decode at full size.",
            },
            new("center_square_crop")
            {
                Rule = "side = min(w, h); the side x side square starts at round_half_even((max(w, h) - side) / 2) along the longer side, at 0 along the shorter.",
            },
            new("resize")
            {
                Size = size, Filter = "bilinear", AlignCorners = false, OutputDtype = "uint8",
                Rule = "Resample side x side to size x size (the identity when side = size), bilinear with pixel centres: source = (i + 0.5) * side / size - 0.5, " +
                    "clamped to the edge pixels, no antialiasing (Skia linear filter, no mipmaps), rounded to uint8. Alpha is dropped.",
            },
            new("scale") { Rule = "x * scale." },
            new("normalize") { Rule = "(x - mean[c]) / std[c] for c in R, G, B; then HWC -> CHW and batch: NCHW float32." },
        ];
        return new OnnxPreprocess(CurrentFormat, ModelBundle.Version, OnnxExport.InputName, OnnxExport.OutputName, LayoutNchw, Rgb, Float32, pipeline.Size,
            steps, DataLoader.ByteScale, [.. normalization.Mean], [.. normalization.Std], [.. metadata.Classes], metadata.Temperature, ProbabilityRule)
        {
            DetectorCrop = pipeline.Crop is { } crop ? new DetectorCropStep(crop, pipeline.FullView) : null,
        };
    }

    /// <summary>Writes the file atomically.</summary>
    public void Write(string path) => JsonFiles.Write(path, this, JsonOptions);

    /// <summary>Reads and validates a <c>preprocess.json</c>; what is wrong is an <see cref="InvalidDataException"/> naming the file.</summary>
    public static OnnxPreprocess Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: not found; FastVision writes {ModelBundle.PreprocessFile} beside every {ModelBundle.OnnxFile} it exports.");
        var file = JsonFiles.Read<OnnxPreprocess>(path, JsonOptions);
        static bool Finite(IEnumerable<float>? values, int count) => values is not null && values.Count() == count && values.All(float.IsFinite);
        string? problem = file switch
        {
            { FormatVersion: var v } when v != CurrentFormat => $"format {v ?? "missing"}; this FastVision ({ModelBundle.Version}) reads format {CurrentFormat}",
            { InputName: null or "" } or { OutputName: null or "" } => "no input or output name",
            { Layout: var l, ChannelOrder: var c, Dtype: var d } when (l, c, d) != (LayoutNchw, Rgb, Float32) => $"layout {l}, channel order {c}, dtype {d} (expected {LayoutNchw}, {Rgb}, {Float32})",
            { Size: <= 0 } => $"input size {file.Size}",
            { Steps: null or { Length: 0 } } => "no preprocessing steps",
            _ when file.Steps.Any(s => s is null || string.IsNullOrWhiteSpace(s.Op)) => "a step without an op",
            { Scale: var s } when !(s > 0) || !float.IsFinite(s) => $"scale {s}",
            _ when !Finite(file.Mean, 3) || !Finite(file.Std, 3) => "normalization needs 3 finite means and 3 standard deviations",
            _ when file.Std.Any(v => !(v > 0)) => "a standard deviation that is not positive",
            { Classes: null or { Length: < 2 } } => "fewer than two classes",
            _ when file.Classes.Any(string.IsNullOrWhiteSpace) => "an empty class name",
            _ when file.Classes.Distinct(StringComparer.Ordinal).Count() != file.Classes.Length => "duplicate class names",
            { Temperature: var t } when !(t > 0) || !double.IsFinite(t) => $"temperature {t}",
            { Probabilities: null or "" } => "no probability rule",
            { DetectorCrop: { Policy: null } } => "a detector crop without its policy",
            { DetectorCrop.Policy: { } crop } when !(crop.Threshold is >= 0 and <= 1) || !(crop.Margin >= 0) || !double.IsFinite(crop.Margin) || !Enum.IsDefined(crop.Mode) || crop.Category is null
                => $"a detector crop policy out of range (threshold {crop.Threshold}, margin {crop.Margin}, mode {crop.Mode})",
            _ => null,
        };
        if (problem is not null) throw new InvalidDataException($"{path}: {problem}.");
        return file;
    }
}

/// <summary>One preprocessing step: <see cref="Op"/> names it, the optional values parameterize it, <see cref="Rule"/> is the exact arithmetic.</summary>
public sealed record PreprocessStep(string Op)
{
    public int? Size { get; init; }
    public string? Filter { get; init; }
    public bool? AlignCorners { get; init; }

    /// <summary>The step's result is rounded to this type (bytes), which the next step reads.</summary>
    public string? OutputDtype { get; init; }

    public string? Orientation { get; init; }
    public JpegScaling? JpegScaling { get; init; }
    public required string Rule { get; init; }
}

/// <summary>How large a JPEG is decoded: the smallest n/<paramref name="Denominator"/> of its size whose short side holds <paramref name="MinShortSide"/> (the model's size).</summary>
public sealed record JpegScaling(int MinShortSide, int Denominator);

/// <summary>
/// The detector crop that precedes the steps when the bundle was trained on crops: the region comes from each image's
/// detections (MegaDetector boxes), so an engine without them can only run the whole-image path.
/// </summary>
public sealed record DetectorCropStep(DetectionCrop Policy, bool FullView)
{
    public string Rule { get; init; } =
        "Keep the detections of policy.category with confidence >= policy.threshold; top_box takes the most confident, union_of_kept_boxes the rectangle holding them all. " +
        "Square it on its longer side (centred), widen each side by policy.margin of that side, shift it inside the image (shorten only if longer than the image side); " +
        "the steps then start from that region of the upright image instead of the whole image. Images without a kept box use the whole image. " +
        "With full_view, a cropped image is also predicted whole: its logits become log(mean(softmax(crop logits), softmax(whole-image logits))), then probabilities = softmax(logits / temperature).";
}
