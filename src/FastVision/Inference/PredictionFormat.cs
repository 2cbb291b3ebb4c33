using System.Text.Json.Serialization;

namespace FastVision.Inference;

/// <summary>The file formats prediction writes.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<PredictionFileFormat>))]
public enum PredictionFileFormat
{
    /// <summary>[id,] path, predicted, one probability column per class, [the box used,] failure.</summary>
    Csv,

    /// <summary>One JSON object per image: file, id, predicted, probabilities by class, box, failure.</summary>
    JsonLines,

    /// <summary>MegaDetector's batch output (format 1.5) with classification_categories and per-detection classifications, as Timelapse imports it.</summary>
    MegaDetector,
}

/// <summary>
/// How one prediction file format lays out its lines. Every format is line-framed: an optional header line, one line per image
/// (written whole and flushed per batch, so a kill leaves at most a torn last line, which has no line end), and an optional footer
/// line written when the job completes. That framing is what resume and merge rely on.
/// </summary>
public abstract class PredictionFormat
{
    protected PredictionFormat(IReadOnlyList<string> classes) => Classes = classes;

    public IReadOnlyList<string> Classes { get; }

    /// <summary>The first line, or null when the format has none.</summary>
    public abstract string? Header { get; }

    /// <summary>The last line of a complete file, or null when the format has none.</summary>
    public virtual string? Footer => null;

    /// <summary>The line of one image; <paramref name="first"/> when it is the file's first image line (a JSON array separates the others with commas).</summary>
    public abstract string Line(PredictionRecord record, bool first);

    /// <summary>The image's key, id, probabilities and failure read back from one of its lines; <see cref="InvalidDataException"/> when the line is damaged.</summary>
    public abstract PredictionRecord Parse(string line);

    /// <summary>A line as it reads when it is the file's first image line, or not (merge re-joins lines of several parts).</summary>
    public virtual string Rejoin(string line, bool first) => line;

    /// <summary>The format of <paramref name="format"/> for a model's classes; <paramref name="boxes"/> when detections were given; <paramref name="classifier"/> names the model in MegaDetector output.</summary>
    public static PredictionFormat Create(PredictionFileFormat format, IReadOnlyList<string> classes, bool ids, bool boxes, string classifier,
        IReadOnlyDictionary<string, string>? detectionCategories = null) => format switch
    {
        PredictionFileFormat.Csv => new CsvPredictionFormat(classes, ids, boxes),
        PredictionFileFormat.JsonLines => new JsonLinesPredictionFormat(classes),
        PredictionFileFormat.MegaDetector => new MegaDetectorPredictionFormat(classes, classifier, detectionCategories),
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, null),
    };

    /// <summary>The format a file name suggests: .jsonl → JSON Lines, .json → MegaDetector, else CSV.</summary>
    public static PredictionFileFormat FromExtension(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".jsonl" => PredictionFileFormat.JsonLines,
        ".json" => PredictionFileFormat.MegaDetector,
        _ => PredictionFileFormat.Csv,
    };

    protected float[] ProbabilitiesIn(IReadOnlyDictionary<string, double> byClass, string line)
    {
        var p = new float[Classes.Count];
        for (int c = 0; c < p.Length; c++)
        {
            if (!byClass.TryGetValue(Classes[c], out var value) || !(value is >= 0 and <= 1))
                throw new InvalidDataException($"no probability in [0, 1] for class '{Classes[c]}' in: {Shorten(line)}");
            p[c] = (float)value;
        }
        return p;
    }

    /// <summary>A line as error messages quote it.</summary>
    internal static string Shorten(string line) => line.Length <= 120 ? line : line[..120] + "...";
}
