using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using FastVision.Data;

namespace FastVision.Inference;

/// <summary>
/// MegaDetector's batch output format (https://lila.science/megadetector-output-format, version 1.5), which Timelapse and
/// other camera-trap tools import: <c>classification_categories</c> maps "0".."K-1" to the model's classes, and the box a
/// prediction was made from carries <c>classifications</c>, every class as <c>[id, conf]</c> in descending order. The
/// detector's boxes for the image (from --detections) are copied. A model that cropped to a box classifies that box; a
/// prediction made from the whole image is a whole-image box <c>[0, 0, 1, 1]</c> of category "1" whose <c>conf</c> is the
/// detector's highest animal confidence for the image (so a frame the detector found empty stays below the usual thresholds),
/// or 1 when the detector has no result for it. An image that failed gets <c>failure</c> and <c>detections: null</c>, as
/// MegaDetector writes it.
/// </summary>
/// <remarks>One JSON document, laid out one image per line (the header line opens the images array, later images start with a comma, the footer closes it), so it streams, resumes and merges like the other formats.</remarks>
public sealed class MegaDetectorPredictionFormat : PredictionFormat
{
    public const string FormatVersion = "1.5";
    public static readonly IReadOnlyDictionary<string, string> DefaultDetectionCategories = new Dictionary<string, string> { [Detection.AnimalCategory] = "animal", ["2"] = "person", ["3"] = "vehicle" };
    private static readonly JsonSerializerOptions Compact = new() { WriteIndented = false };

    public MegaDetectorPredictionFormat(IReadOnlyList<string> classes, string classifier, IReadOnlyDictionary<string, string>? detectionCategories = null) : base(classes)
    {
        var categories = new JsonObject();
        foreach (var (id, name) in (detectionCategories is { Count: > 0 } ? detectionCategories : DefaultDetectionCategories).OrderBy(kv => int.TryParse(kv.Key, out var n) ? n : int.MaxValue))
            categories[id] = name;
        var classification = new JsonObject();
        for (int c = 0; c < classes.Count; c++) classification[Id(c)] = classes[c];
        var head = new JsonObject
        {
            ["info"] = new JsonObject { ["format_version"] = FormatVersion, ["classifier"] = classifier },
            ["detection_categories"] = categories,
            ["classification_categories"] = classification,
            ["images"] = new JsonArray(),
        }.ToJsonString(Compact);
        Header = head[..^2]; // leaves the images array open: ...,"images":[
    }

    public override string Header { get; }

    public override string Footer => "]}";

    public override string Line(PredictionRecord record, bool first)
    {
        var image = new JsonObject { ["file"] = record.File };
        if (record.Failure is not null)
        {
            image["failure"] = record.Failure;
            image["detections"] = null;
        }
        else
        {
            var detections = new JsonArray();
            var copied = record.Detections is { Failed: false } entry ? entry.Detections : [];
            foreach (var d in copied) detections.Add(d == record.Box ? WithClassifications(Box(d), record.Probabilities!) : Box(d));
            if (record.Box is { } used && !copied.Contains(used)) // a union of boxes is not one of the detector's
                detections.Add(WithClassifications(Box(used), record.Probabilities!));
            if (record.Box is null)
            {
                double conf = record.Detections is { Failed: false } ? copied.Where(d => d.Category == Detection.AnimalCategory).Select(d => d.Confidence).DefaultIfEmpty(0).Max() : 1;
                detections.Add(WithClassifications(Box(new Detection(Detection.AnimalCategory, conf, 0, 0, 1, 1)), record.Probabilities!));
            }
            image["detections"] = detections;
        }
        return (first ? "" : ",") + image.ToJsonString(Compact);
    }

    public override string Rejoin(string line, bool first) => (first ? "" : ",") + line.TrimStart(',');

    public override PredictionRecord Parse(string line)
    {
        try
        {
            var image = JsonNode.Parse(line.TrimStart(',')) as JsonObject ?? throw new InvalidDataException($"not a JSON object: {Shorten(line)}");
            var file = image["file"]?.GetValue<string>() is { Length: > 0 } f ? f : throw new InvalidDataException($"no file: {Shorten(line)}");
            var failure = image["failure"]?.GetValue<string>();
            float[]? probabilities = null;
            if (failure is null)
            {
                var detections = image["detections"] as JsonArray ?? throw new InvalidDataException($"no detections: {Shorten(line)}");
                if (detections.OfType<JsonObject>().Select(d => d["classifications"] as JsonArray).FirstOrDefault(c => c is not null) is { } classified)
                    probabilities = ProbabilitiesIn(classified.Select(pair => (pair as JsonArray)!)
                        .ToDictionary(pair => ClassOf(pair[0]!.GetValue<string>()), pair => pair[1]!.GetValue<double>()), line);
            }
            return new PredictionRecord(file, null, probabilities, null, null, failure);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or NullReferenceException or ArgumentException)
        {
            throw new InvalidDataException($"not a MegaDetector image line ({e.Message}): {Shorten(line)}");
        }
    }

    private string ClassOf(string id) =>
        int.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out int c) && c < Classes.Count ? Classes[c] : throw new InvalidDataException($"classification category '{id}' is not one of 0..{Classes.Count - 1}");

    private static string Id(int c) => c.ToString(CultureInfo.InvariantCulture);

    private static JsonObject Box(Detection d) => new()
    {
        ["category"] = d.Category,
        ["conf"] = Math.Round(d.Confidence, 4),
        ["bbox"] = new JsonArray(Math.Round(d.X, 4), Math.Round(d.Y, 4), Math.Round(d.Width, 4), Math.Round(d.Height, 4)),
    };

    private static JsonObject WithClassifications(JsonObject box, float[] probabilities)
    {
        box["classifications"] = Classifications(probabilities);
        return box;
    }

    private static JsonArray Classifications(float[] probabilities) =>
        [.. probabilities.Select((p, c) => (p, c)).OrderByDescending(x => x.p).ThenBy(x => x.c).Select(x => (JsonNode)new JsonArray(Id(x.c), Math.Round(x.p, 6)))];
}
