using System.Globalization;
using nietras.SeparatedValues;
using FastVision.Data;

namespace FastVision.Inference;

/// <summary>
/// Predictions as CSV (Sep, quoted where needed): <c>id</c> when a features CSV gave ids, <c>path</c> (the key),
/// <c>predicted</c>, one probability column per class, the box used when detections were given (<c>box_conf</c>,
/// <c>box_x</c>, <c>box_y</c>, <c>box_width</c>, <c>box_height</c>: MegaDetector's normalized bbox), and <c>failure</c>.
/// </summary>
public sealed class CsvPredictionFormat : PredictionFormat
{
    private static readonly string[] BoxColumns = ["box_conf", "box_x", "box_y", "box_width", "box_height"];
    private readonly string[] columns;
    private readonly bool ids, boxes;

    public CsvPredictionFormat(IReadOnlyList<string> classes, bool ids, bool boxes) : base(classes)
    {
        this.ids = ids;
        this.boxes = boxes;
        columns = [.. ids ? ["id"] : Array.Empty<string>(), "path", "predicted", .. classes, .. boxes ? BoxColumns : [], "failure"];
        var clash = columns.GroupBy(c => c).FirstOrDefault(g => g.Count() > 1);
        if (clash is not null) throw new ArgumentException($"A class is named '{clash.Key}', a column name of the predictions CSV; choose CSV-neutral class names or --format jsonl.");
        Header = CsvTable.Line(columns);
    }

    public override string Header { get; }

    public override string Line(PredictionRecord record, bool first)
    {
        var cells = new List<string>(columns.Length);
        if (ids) cells.Add(record.Id ?? "");
        cells.Add(record.File);
        cells.Add(record.Failed ? "" : Classes[record.Predicted]);
        cells.AddRange(record.Probabilities?.Select(Number) ?? Classes.Select(_ => ""));
        if (boxes)
            cells.AddRange(record.Box is { } b ? [Number(b.Confidence), Number(b.X), Number(b.Y), Number(b.Width), Number(b.Height)] : BoxColumns.Select(_ => ""));
        cells.Add(record.Failure ?? "");
        return CsvTable.Line(cells);
    }

    public override PredictionRecord Parse(string line)
    {
        string[] cells;
        try
        {
            using var reader = Sep.New(',').Reader(o => o with { HasHeader = false, Unescape = true, DisableColCountCheck = true }).FromText(line);
            if (!reader.MoveNext()) throw new InvalidDataException("an empty line");
            var row = reader.Current;
            cells = new string[row.ColCount];
            for (int i = 0; i < cells.Length; i++) cells[i] = row[i].ToString();
        }
        catch (Exception e) when (e is not InvalidDataException)
        {
            throw new InvalidDataException($"not a CSV line ({e.Message}): {Shorten(line)}");
        }
        if (cells.Length != columns.Length) throw new InvalidDataException($"{cells.Length} cells where the header has {columns.Length}: {Shorten(line)}");
        string Cell(string name) => cells[Array.IndexOf(columns, name)];
        var failure = Cell("failure");
        float[]? probabilities = null;
        if (failure.Length == 0)
            probabilities = ProbabilitiesIn(Classes.ToDictionary(c => c, c => double.TryParse(Cell(c), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : double.NaN), line);
        Detection? box = null;
        if (boxes && Cell("box_conf").Length > 0)
        {
            var v = BoxColumns.Select(c => double.TryParse(Cell(c), NumberStyles.Float, CultureInfo.InvariantCulture, out var x) ? x : throw new InvalidDataException($"{c} is not a number: {Shorten(line)}")).ToArray();
            box = new Detection(Detection.AnimalCategory, v[0], v[1], v[2], v[3], v[4]);
        }
        var file = Cell("path");
        if (file.Length == 0) throw new InvalidDataException($"an empty path: {Shorten(line)}");
        return new PredictionRecord(file, ids && Cell("id").Length > 0 ? Cell("id") : null, probabilities, box, null, failure.Length == 0 ? null : failure);
    }

    private static string Number(double value) => value.ToString("G7", CultureInfo.InvariantCulture);

    private static string Number(float value) => value.ToString("G7", CultureInfo.InvariantCulture);
}
