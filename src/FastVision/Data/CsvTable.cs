using nietras.SeparatedValues;

namespace FastVision.Data;

/// <summary>A CSV file read whole into rows of named cells (Sep), with messages that name file, row and column; and one line of cells written.</summary>
public static class CsvTable
{
    public sealed record Row(int Line, Dictionary<string, string> Cells);

    /// <summary>Reads every row; <paramref name="requiredColumns"/> must be in the header.</summary>
    public static List<Row> Read(string path, params string[] requiredColumns) => Read(path, out _, requiredColumns);

    public static List<Row> Read(string path, out IReadOnlyList<string> header, params string[] requiredColumns)
    {
        if (!File.Exists(path)) throw new DataSourceException($"{path}: file not found.");
        try
        {
            using var reader = Sep.New(',').Reader(o => o with { Unescape = true, Trim = SepTrim.All }).FromFile(path);
            var names = reader.Header.ColNames.ToList();
            header = names;
            var missing = requiredColumns.Where(c => !names.Contains(c)).ToList();
            if (missing.Count > 0)
                throw new DataSourceException($"{path}: missing column(s) {string.Join(", ", missing.Select(m => $"'{m}'"))} (found: {string.Join(",", names)}).");
            var duplicates = names.GroupBy(n => n).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
            if (duplicates.Count > 0) throw new DataSourceException($"{path}: duplicate column(s) {string.Join(", ", duplicates)}.");
            var rows = new List<Row>();
            foreach (var row in reader)
            {
                var cells = new Dictionary<string, string>(names.Count, StringComparer.Ordinal);
                for (int i = 0; i < names.Count; i++) cells[names[i]] = row[i].ToString();
                rows.Add(new Row(row.RowIndex + 1, cells)); // 1-based, the header is row 1
            }
            return rows;
        }
        catch (Exception e) when (e is not DataSourceException)
        {
            throw new DataSourceException($"{path}: cannot read as CSV ({e.Message}).");
        }
    }

    /// <summary>Stops at the first id that repeats, naming both rows; rows without the column are not checked.</summary>
    public static void RequireUniqueIds(string path, IEnumerable<Row> rows, string column = "id")
    {
        var first = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var row in rows)
            if (row.Cells.TryGetValue(column, out var id) && !first.TryAdd(id, row.Line))
                throw new DataSourceException($"{path} row {row.Line}: duplicate id '{id}' (first at row {first[id]}).");
    }

    /// <summary>One CSV line (no line end), quoted by Sep where a cell needs it.</summary>
    public static string Line(IReadOnlyList<string> cells)
    {
        using var text = new StringWriter(System.Globalization.CultureInfo.InvariantCulture);
        using (var writer = Sep.New(',').Writer(o => o with { Escape = true, WriteHeader = false }).To(text))
        {
            using var row = writer.NewRow();
            for (int i = 0; i < cells.Count; i++) row[$"c{i}"].Set(cells[i]);
        }
        return text.ToString().TrimEnd('\r', '\n');
    }
}
