using System.Text.Json;
using System.Text.Json.Nodes;
using FastVision.Data;

namespace FastVision.Inference;

/// <summary>
/// Predictions as JSON Lines: one object per image, <c>{"file", "id", "predicted", "probabilities": {class: p}, "box":
/// {"conf", "bbox": [x, y, w, h]}, "failure"}</c>, absent fields left out.
/// </summary>
public sealed class JsonLinesPredictionFormat(IReadOnlyList<string> classes) : PredictionFormat(classes)
{
    public override string? Header => null;

    public override string Line(PredictionRecord record, bool first)
    {
        var line = new JsonObject { ["file"] = record.File };
        if (record.Id is not null) line["id"] = record.Id;
        if (record.Probabilities is { } p)
        {
            line["predicted"] = Classes[record.Predicted];
            var byClass = new JsonObject();
            for (int c = 0; c < Classes.Count; c++) byClass[Classes[c]] = Math.Round(p[c], 7);
            line["probabilities"] = byClass;
        }
        if (record.Box is { } b) line["box"] = new JsonObject { ["conf"] = b.Confidence, ["bbox"] = new JsonArray(b.X, b.Y, b.Width, b.Height) };
        if (record.Failure is not null) line["failure"] = record.Failure;
        return line.ToJsonString();
    }

    public override PredictionRecord Parse(string line)
    {
        JsonObject node;
        try
        {
            node = JsonNode.Parse(line) as JsonObject ?? throw new InvalidDataException($"not a JSON object: {Shorten(line)}");
            var file = node["file"]?.GetValue<string>() is { Length: > 0 } f ? f : throw new InvalidDataException($"no file: {Shorten(line)}");
            var failure = node["failure"]?.GetValue<string>();
            float[]? probabilities = failure is null
                ? ProbabilitiesIn((node["probabilities"] as JsonObject ?? throw new InvalidDataException($"no probabilities: {Shorten(line)}"))
                    .ToDictionary(kv => kv.Key, kv => kv.Value?.GetValue<double>() ?? double.NaN), line)
                : null;
            Detection? box = null;
            if (node["box"] is JsonObject b && b["bbox"] is JsonArray { Count: 4 } bbox)
                box = new Detection(Detection.AnimalCategory, b["conf"]?.GetValue<double>() ?? 0, bbox[0]!.GetValue<double>(), bbox[1]!.GetValue<double>(), bbox[2]!.GetValue<double>(), bbox[3]!.GetValue<double>());
            return new PredictionRecord(file, node["id"]?.GetValue<string>(), probabilities, box, null, failure);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or NullReferenceException or ArgumentException)
        {
            throw new InvalidDataException($"not a prediction line ({e.Message}): {Shorten(line)}");
        }
    }
}
