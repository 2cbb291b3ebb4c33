using System.Globalization;
using FastVision.Data;

namespace FastVision.Inference;

/// <summary>
/// Validates a submission against the format file and names every problem: header (missing, extra or
/// reordered columns), ids (unknown, duplicated, missing, out of order), and values (not a number, NaN or
/// infinite, outside [0, 1], rows not summing to 1 within <see cref="SumTolerance"/>).
/// </summary>
public static class SubmissionChecker
{
    public const double SumTolerance = 1e-6;

    public static IReadOnlyList<string> Check(string submissionPath, SubmissionFormat format)
    {
        var problems = new List<string>();
        List<CsvTable.Row> rows;
        IReadOnlyList<string> header;
        try
        {
            rows = CsvTable.Read(submissionPath, out header);
        }
        catch (DataSourceException e)
        {
            return [e.Message];
        }
        var missingColumns = format.Columns.Where(c => !header.Contains(c)).ToList();
        var extraColumns = header.Where(c => !format.Columns.Contains(c)).ToList();
        if (missingColumns.Count > 0) problems.Add($"missing column(s): {string.Join(", ", missingColumns)}.");
        if (extraColumns.Count > 0) problems.Add($"unexpected column(s): {string.Join(", ", extraColumns)}.");
        if (missingColumns.Count == 0 && extraColumns.Count == 0 && !header.SequenceEqual(format.Columns))
            problems.Add($"columns are not in the format's order: expected {string.Join(",", format.Columns)}; found {string.Join(",", header)}.");
        if (!header.Contains("id")) return problems;

        var expected = format.Ids.Select((id, i) => (id, i)).ToDictionary(p => p.id, p => p.i, StringComparer.Ordinal);
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        var classes = format.Classes.Where(header.Contains).ToList();
        int? firstOutOfOrder = null;
        foreach (var row in rows)
        {
            var id = row.Cells["id"];
            var where = $"row {row.Line} (id '{id}')";
            if (!expected.TryGetValue(id, out int position)) problems.Add($"{where}: id not in the format.");
            else if (!seen.TryAdd(id, row.Line)) problems.Add($"{where}: duplicate id (first at row {seen[id]}).");
            else if (position != seen.Count - 1) firstOutOfOrder ??= row.Line;

            double sum = 0;
            bool numeric = true;
            foreach (var c in classes)
            {
                var cell = row.Cells[c];
                if (!double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out var p))
                {
                    problems.Add($"{where}, column '{c}': '{cell}' is not a number.");
                    numeric = false;
                }
                else if (!double.IsFinite(p))
                {
                    problems.Add($"{where}, column '{c}': {cell}.");
                    numeric = false;
                }
                else
                {
                    if (p < 0 || p > 1) problems.Add($"{where}, column '{c}': {cell} is outside [0, 1].");
                    sum += p;
                }
            }
            if (numeric && classes.Count == format.Classes.Count && Math.Abs(sum - 1) > SumTolerance)
                problems.Add(string.Create(CultureInfo.InvariantCulture, $"{where}: probabilities sum to {sum:G9}, expected 1."));
        }
        var missing = format.Ids.Where(id => !seen.ContainsKey(id)).ToList();
        if (missing.Count > 0)
            problems.Add($"{missing.Count} id(s) of the format are missing: {string.Join(", ", missing.Take(5))}{(missing.Count > 5 ? ", ..." : "")}.");
        if (firstOutOfOrder is { } line) problems.Add($"rows are not in the format's id order (first difference at row {line}).");
        return problems;
    }
}
