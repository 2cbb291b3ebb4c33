namespace FastVision.Data;

/// <summary>Where a data block's items come from (fastai's get_items).</summary>
public interface IItemSource
{
    IReadOnlyList<ImageItem> GetItems(string root, DataIssues issues);

    /// <summary>One line for reports, e.g. "image files below data/ (.jpg, .png, ...)".</summary>
    string Describe(string root);

    /// <summary>The class list the source declares (e.g. one-hot columns), known after <see cref="GetItems"/>; null if none.</summary>
    IReadOnlyList<string>? Vocabulary => null;
}

/// <summary>
/// Image files found recursively below the root, filtered by extension, in ordinal path order. With <see cref="GroupLevel"/>,
/// that folder of each file's path is its group (<see cref="ImageItem.Site"/>): a sequence or camera folder the split keeps on one side.
/// </summary>
public sealed class ImageFileSource(IReadOnlySet<string>? extensions = null) : IItemSource
{
    public IReadOnlySet<string> Extensions { get; } = extensions ?? ImageFiles.Extensions;

    /// <summary>The folder naming each file's group; null: no groups.</summary>
    public FolderLevel? GroupLevel { get; init; }

    public IReadOnlyList<ImageItem> GetItems(string root, DataIssues issues) =>
        ImageFiles.Find(root, Extensions).Select(f => new ImageItem(f, Site: GroupOf(f, root))).ToList();

    public string Describe(string root) =>
        $"image files below {root} ({string.Join(", ", Extensions.Order())}){(GroupLevel is { } level ? $", grouped by {level}" : "")}";

    private string? GroupOf(string file, string root) => GroupLevel is not { } level
        ? null
        : level.Of(file, root) ?? throw new DataSourceException($"{file}: no {level} below {root} to name its group.");
}

/// <summary>
/// Rows of a CSV file with a column of image paths (relative to the data folder). Other columns stay
/// available to labellers and splitters (<see cref="ImageItem.Fields"/>); "id" and "site" columns are recognized.
/// When <paramref name="sequenceColumn"/> is given, that column must exist and every row must name a sequence
/// (<see cref="ImageItem.Sequence"/>): an empty cell would silently make a one-frame sequence of the row. Likewise
/// <see cref="GroupColumn"/> names each row's group (<see cref="ImageItem.Site"/>) instead of "site".
/// </summary>
public sealed class CsvSource(string csvFile, string pathColumn = "filepath", string? sequenceColumn = null) : IItemSource
{
    /// <summary>The column naming each row's group (site, camera, sequence) for the split; null: the "site" column if there is one.</summary>
    public string? GroupColumn { get; init; }

    /// <summary>Further columns the header must have (the label and validation columns), so that a missing one is named up front.</summary>
    public IReadOnlyList<string> RequiredColumns { get; init; } = [];

    public IReadOnlyList<ImageItem> GetItems(string root, DataIssues issues)
    {
        var all = ReadAll(root);
        foreach (var missing in all.Where(i => !File.Exists(i.Path))) issues.MissingFile(missing);
        return all.Where(i => File.Exists(i.Path)).ToList();
    }

    /// <summary>Every row as an item, whether its file exists or not.</summary>
    public List<ImageItem> ReadAll(string root)
    {
        if (!Directory.Exists(root)) throw new DataSourceException($"{root}: data folder not found.");
        var csvPath = Path.Combine(root, csvFile);
        string[] required = [pathColumn, .. new[] { sequenceColumn, GroupColumn }.OfType<string>(), .. RequiredColumns];
        var rows = CsvTable.Read(csvPath, [.. required.Distinct()]);
        CsvTable.RequireUniqueIds(csvPath, rows);
        var items = new List<ImageItem>(rows.Count);
        foreach (var row in rows)
        {
            row.Cells.TryGetValue("id", out var id);
            var where = $"{csvPath} row {row.Line}";
            var path = ResolveInside(root, row.Cells[pathColumn], where);
            var item = new ImageItem(path, null, id, GroupOf(row, where)) { Origin = $"{csvFile} row {row.Line}", Fields = row.Cells, Sequence = SequenceOf(row, csvPath) };
            items.Add(item);
        }
        return items;
    }

    public string Describe(string root) =>
        $"rows of {Path.Combine(root, csvFile)} (image path column '{pathColumn}'{(GroupColumn is null ? "" : $", group column '{GroupColumn}'")}" +
        $"{(sequenceColumn is null ? "" : $", sequence column '{sequenceColumn}'")})";

    private string? GroupOf(CsvTable.Row row, string where)
    {
        if (GroupColumn is null) return row.Cells.GetValueOrDefault("site");
        var group = row.Cells[GroupColumn];
        return group.Length > 0 ? group : throw new DataSourceException($"{where}: empty group in column '{GroupColumn}'.");
    }

    private string? SequenceOf(CsvTable.Row row, string csvPath)
    {
        if (sequenceColumn is null) return null;
        var sequence = row.Cells[sequenceColumn];
        if (sequence.Length == 0) throw new DataSourceException($"{csvPath} row {row.Line}: empty sequence in column '{sequenceColumn}'.");
        return sequence;
    }

    /// <summary>The full path of a CSV cell's relative path; refuses paths that leave the data folder.</summary>
    public static string ResolveInside(string root, string relative, string where)
    {
        if (string.IsNullOrWhiteSpace(relative)) throw new DataSourceException($"{where}: empty file path.");
        if (relative.Contains("://", StringComparison.Ordinal))
            throw new DataSourceException($"{where}: file path '{relative}' is a URL; download the files below the data folder and give their relative paths.");
        if (relative.Contains('\0')) throw new DataSourceException($"{where}: file path '{relative.Replace('\0', '?')}' holds a NUL character.");
        var fullRoot = Path.GetFullPath(root);
        var full = Path.GetFullPath(Path.Combine(fullRoot, relative));
        if (!full.StartsWith(fullRoot.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            throw new DataSourceException($"{where}: file path '{relative}' points outside the data folder {fullRoot}.");
        return full;
    }
}
