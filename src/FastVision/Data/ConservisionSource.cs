namespace FastVision.Data;

/// <summary>
/// The DrivenData Conser-vision layout: <c>train_features.csv</c> (id,filepath,site) and
/// <c>train_labels.csv</c> (id + one one-hot column per class). Labels come from the one-hot row: exactly
/// one 1 per row, else an error naming the row. Image files in the referenced folders that no row
/// mentions are reported as a warning. An optional <paramref name="sequenceColumn"/> of the features file gives each item its
/// <see cref="ImageItem.Sequence"/> (mct-20: <c>sequence</c>; see <see cref="CsvSource"/>).
/// </summary>
public sealed class ConservisionSource(string featuresFile = ConservisionSource.FeaturesFile, string labelsFile = ConservisionSource.LabelsFile,
    string? sequenceColumn = null) : IItemSource
{
    public const string FeaturesFile = "train_features.csv";
    public const string LabelsFile = "train_labels.csv";

    /// <summary>True when <paramref name="root"/> holds the competition's features file.</summary>
    public static bool Detect(string root) => File.Exists(Path.Combine(root, FeaturesFile));

    public IReadOnlyList<ImageItem> GetItems(string root, DataIssues issues)
    {
        if (!Directory.Exists(root)) throw new DataSourceException($"{root}: data folder not found.");
        var labels = ReadLabels(Path.Combine(root, labelsFile), out var classes);
        Vocabulary = classes;
        var rows = new CsvSource(featuresFile, sequenceColumn: sequenceColumn).ReadAll(root);
        var labelled = new List<ImageItem>(rows.Count);
        foreach (var item in rows)
        {
            if (item.Id is null) throw new DataSourceException($"{Path.Combine(root, featuresFile)}: missing column 'id'.");
            if (!labels.TryGetValue(item.Id, out var label))
                throw new DataSourceException($"{Path.Combine(root, labelsFile)}: no label row for id '{item.Id}' ({item.Origin}).");
            if (File.Exists(item.Path)) labelled.Add(item with { Label = label });
            else issues.MissingFile(item);
        }
        var ids = rows.Select(i => i.Id!).ToHashSet(StringComparer.Ordinal);
        int labelOnly = labels.Keys.Count(id => !ids.Contains(id));
        if (labelOnly > 0) issues.Warn($"{labelsFile}: {labelOnly} label row(s) have no row in {featuresFile}; they are ignored.");
        WarnAboutUnlistedFiles(root, labelled, issues);
        return labelled;
    }

    public string Describe(string root) => $"{Path.Combine(root, featuresFile)} + one-hot {labelsFile}";

    /// <summary>The one-hot columns, in file order.</summary>
    public IReadOnlyList<string>? Vocabulary { get; private set; }

    private static Dictionary<string, string> ReadLabels(string path, out string[] classes)
    {
        var rows = CsvTable.Read(path, out var header, "id");
        classes = header.Where(c => c != "id").ToArray();
        if (classes.Length < 2)
            throw new DataSourceException($"{path}: expected 'id' and one one-hot column per class, found: {string.Join(",", header)}.");
        CsvTable.RequireUniqueIds(path, rows);
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            var id = row.Cells["id"];
            string? label = null;
            foreach (var c in classes)
            {
                var cell = row.Cells[c];
                if (!double.TryParse(cell, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var v) || (v != 0 && v != 1))
                    throw new DataSourceException($"{path} row {row.Line}: column '{c}' is '{cell}', expected 0 or 1.");
                if (v == 1)
                {
                    if (label is not null) throw new DataSourceException($"{path} row {row.Line}: id '{id}' has more than one class set ('{label}', '{c}').");
                    label = c;
                }
            }
            if (label is null) throw new DataSourceException($"{path} row {row.Line}: id '{id}' has no class set.");
            result[id] = label;
        }
        return result;
    }

    private void WarnAboutUnlistedFiles(string root, IReadOnlyList<ImageItem> listed, DataIssues issues)
    {
        var listedPaths = listed.Select(i => i.Path).ToHashSet(StringComparer.Ordinal);
        var folders = listed.Select(i => Path.GetDirectoryName(i.Path)!).Distinct(StringComparer.Ordinal);
        var unlisted = folders.SelectMany(f => Directory.EnumerateFiles(f))
            .Where(f => ImageFiles.Extensions.Contains(Path.GetExtension(f)) && !listedPaths.Contains(f) && !issues.IsSkipped(f))
            .Order(StringComparer.Ordinal).ToList();
        if (unlisted.Count > 0)
            issues.Warn($"{unlisted.Count} image file(s) next to the listed ones have no row in {featuresFile} and are not used, e.g. {string.Join(", ", unlisted.Take(3).Select(Path.GetFileName))}.");
    }
}
