using nietras.SeparatedValues;

namespace FastVision.Data;

/// <summary>
/// The DrivenData Conser-vision layout: <c>train_features.csv</c> (id,filepath,site) and
/// <c>train_labels.csv</c> (id + one one-hot column per class), file paths relative to the data folder.
/// </summary>
public static class ConservisionCsv
{
    public const string FeaturesFile = "train_features.csv";
    public const string LabelsFile = "train_labels.csv";

    public static IReadOnlyList<ImageItem> Load(string root, string featuresFile = FeaturesFile, string labelsFile = LabelsFile)
    {
        if (!Directory.Exists(root)) throw new DataSourceException($"{root}: data folder not found.");
        var featuresPath = Path.Combine(root, featuresFile);
        var labelsPath = Path.Combine(root, labelsFile);
        var features = ReadFeatures(featuresPath);
        var labels = ReadLabels(labelsPath);

        var fullRoot = Path.GetFullPath(root);
        var items = new List<ImageItem>(features.Count);
        foreach (var (id, (filepath, site, row)) in features)
        {
            if (!labels.TryGetValue(id, out var label))
                throw new DataSourceException($"{labelsPath}: no label row for id '{id}' ({featuresFile} row {row}).");
            var full = Path.GetFullPath(Path.Combine(root, filepath));
            if (!full.StartsWith(fullRoot + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                throw new DataSourceException($"{featuresPath} row {row}: filepath '{filepath}' points outside the data folder.");
            if (!File.Exists(full))
                throw new DataSourceException($"{featuresPath} row {row}: image file '{filepath}' not found.");
            items.Add(new ImageItem(full, label, id, site));
        }
        if (items.Count == 0) throw new DataSourceException($"{featuresPath}: no rows.");
        return items;
    }

    private static Dictionary<string, (string Filepath, string? Site, int Row)> ReadFeatures(string path)
    {
        using var reader = Open(path);
        RequireColumns(reader, path, "id", "filepath");
        bool hasSite = reader.Header.ColNames.Contains("site");
        var result = new Dictionary<string, (string, string?, int)>(StringComparer.Ordinal);
        foreach (var row in reader)
        {
            int line = row.RowIndex + 1; // 1-based, the header is row 1
            var id = row["id"].ToString().Trim();
            if (id.Length == 0) throw new DataSourceException($"{path} row {line}: empty id.");
            if (!result.TryAdd(id, (row["filepath"].ToString().Trim(), hasSite ? row["site"].ToString().Trim() : null, line)))
                throw new DataSourceException($"{path} row {line}: duplicate id '{id}'.");
        }
        return result;
    }

    private static Dictionary<string, string> ReadLabels(string path)
    {
        using var reader = Open(path);
        RequireColumns(reader, path, "id");
        var classes = reader.Header.ColNames.Where(c => c != "id").ToArray();
        if (classes.Length < 2)
            throw new DataSourceException($"{path}: expected 'id' and one one-hot column per class, found: {string.Join(",", reader.Header.ColNames)}.");
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var row in reader)
        {
            int line = row.RowIndex + 1;
            var id = row["id"].ToString().Trim();
            string? label = null;
            foreach (var c in classes)
            {
                var cell = row[c].ToString().Trim();
                if (!double.TryParse(cell, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var v) || (v != 0 && v != 1))
                    throw new DataSourceException($"{path} row {line}: column '{c}' is '{cell}', expected 0 or 1.");
                if (v == 1)
                {
                    if (label is not null) throw new DataSourceException($"{path} row {line}: id '{id}' has more than one class set ('{label}', '{c}').");
                    label = c;
                }
            }
            if (label is null) throw new DataSourceException($"{path} row {line}: id '{id}' has no class set.");
            if (!result.TryAdd(id, label)) throw new DataSourceException($"{path} row {line}: duplicate id '{id}'.");
        }
        return result;
    }

    private static SepReader Open(string path)
    {
        if (!File.Exists(path)) throw new DataSourceException($"{path}: file not found.");
        try { return Sep.New(',').Reader(o => o with { Unescape = true }).FromFile(path); }
        catch (Exception e) when (e is not DataSourceException) { throw new DataSourceException($"{path}: cannot read CSV ({e.Message})."); }
    }

    private static void RequireColumns(SepReader reader, string path, params string[] columns)
    {
        var names = reader.Header.ColNames;
        var missing = columns.Where(c => !names.Contains(c)).ToList();
        if (missing.Count > 0)
            throw new DataSourceException($"{path}: missing column(s) {string.Join(", ", missing.Select(m => $"'{m}'"))} (found: {string.Join(",", names)}).");
    }
}
