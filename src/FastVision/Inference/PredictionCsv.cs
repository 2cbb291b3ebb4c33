using System.Globalization;
using System.Text;

namespace FastVision.Inference;

/// <summary>Predictions as CSV: path (and id when the images came from a features file), predicted class, one probability column per class.</summary>
public static class PredictionCsv
{
    public static void Write(PredictionSet predictions, string outPath)
    {
        bool ids = predictions.Rows.Any(r => r.Item.Id is not null);
        var text = new StringBuilder();
        text.Append(ids ? "id,path,predicted," : "path,predicted,").AppendJoin(',', predictions.Classes.Select(Quote)).Append('\n');
        foreach (var row in predictions.Rows)
        {
            if (ids) text.Append(Quote(row.Item.Id ?? "")).Append(',');
            text.Append(Quote(row.Item.Path)).Append(',').Append(Quote(predictions.Classes[row.Predicted]));
            foreach (var p in row.Probabilities) text.Append(',').Append(p.ToString("G7", CultureInfo.InvariantCulture));
            text.Append('\n');
        }
        AtomicFile.WriteAllText(outPath, text.ToString());
    }

    private static string Quote(string value) =>
        value.IndexOfAny([',', '"', '\n', '\r']) < 0 ? value : $"\"{value.Replace("\"", "\"\"")}\"";
}
