using FastVision.Data;

namespace FastVision.Inference;

/// <summary>The competition's <c>submission_format.csv</c>: an <c>id</c> column, then one column per class; its row order is the submission's.</summary>
public sealed record SubmissionFormat(string Path, IReadOnlyList<string> Columns, IReadOnlyList<string> Ids)
{
    public IReadOnlyList<string> Classes => Columns.Skip(1).ToList();

    public static SubmissionFormat Read(string path)
    {
        var rows = CsvTable.Read(path, out var header, "id");
        if (header[0] != "id") throw new DataSourceException($"{path}: the first column must be 'id' (found '{header[0]}').");
        if (header.Count < 3) throw new DataSourceException($"{path}: expected 'id' and one column per class, found: {string.Join(",", header)}.");
        CsvTable.RequireUniqueIds(path, rows);
        return new SubmissionFormat(path, header, rows.Select(r => r.Cells["id"]).ToList());
    }
}
