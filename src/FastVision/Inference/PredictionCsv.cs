using System.Globalization;
using nietras.SeparatedValues;

namespace FastVision.Inference;

/// <summary>Predictions as CSV: path (and id when the images came from a features file), predicted class, one probability column per class.</summary>
public static class PredictionCsv
{
    public static void Write(PredictionSet predictions, string outPath)
    {
        bool ids = predictions.Rows.Any(r => r.Item.Id is not null);
        string[] header = [.. ids ? ["id"] : Array.Empty<string>(), "path", "predicted", .. predictions.Classes];
        AtomicFile.Write(outPath, temp =>
        {
            using var writer = Sep.New(',').Writer(o => o with { Escape = true, CultureInfo = CultureInfo.InvariantCulture }).ToFile(temp);
            writer.Header.Add(header);
            writer.Header.Write(); // also when every image was skipped
            foreach (var row in predictions.Rows)
            {
                using var line = writer.NewRow();
                if (ids) line["id"].Set(row.Item.Id ?? "");
                line["path"].Set(row.Item.Path);
                line["predicted"].Set(predictions.Classes[row.Predicted]);
                for (int c = 0; c < predictions.Classes.Count; c++) line[predictions.Classes[c]].Set(row.Probabilities[c].ToString("G7", CultureInfo.InvariantCulture));
            }
        });
    }
}
