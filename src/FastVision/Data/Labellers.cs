using System.Globalization;
using System.Text.RegularExpressions;

namespace FastVision.Data;

/// <summary>Gives an item its class name (fastai's get_y); null means "cannot label this item".</summary>
public interface ILabeller
{
    /// <param name="root">The data folder the item was found in (labels may come from the path below it).</param>
    string? Label(ImageItem item, string root);

    string Describe();
}

/// <summary>A folder of the item's path (fastai's parent_label with <see cref="FolderLevel.Parent"/>).</summary>
public sealed class FolderLabeller(FolderLevel level) : ILabeller
{
    public static FolderLabeller Parent { get; } = new(FolderLevel.Parent);

    public FolderLevel Level { get; } = level;

    public string? Label(ImageItem item, string root) => Level.Of(item.Path, root);

    public string Describe() => Level.FromTop ? $"name of {Level}" : $"{Level} name";
}

/// <summary>fastai's RegexLabeller: the first group of a regex matched against the path below the data folder, '/'-separated.</summary>
public sealed class RegexLabeller(string pattern) : ILabeller
{
    private readonly Regex regex = new(pattern, RegexOptions.CultureInvariant);

    /// <summary>
    /// The seed's pattern: the file name's text before the last <c>_digits.jpg</c>, whatever folders precede it,
    /// e.g. monkey_prosimian_9780.jpg or site1/monkey_prosimian_9780.jpg → monkey_prosimian.
    /// </summary>
    public const string NameBeforeNumberPattern = @"^(?:.*/)?([^/]+)_\d+\.jpe?g$";

    public static RegexLabeller NameBeforeNumber { get; } = new(NameBeforeNumberPattern);

    public string? Label(ImageItem item, string root)
    {
        var match = regex.Match(Path.GetRelativePath(root, item.Path).Replace(Path.DirectorySeparatorChar, '/'));
        return match.Success && match.Groups.Count > 1 ? match.Groups[1].Value : null;
    }

    public string Describe() => $"regex {regex} on the path below the data folder";
}

/// <summary>
/// A CSV column holding the class name. With <paramref name="classes"/> (the class list in index order), a cell holding an
/// integer is an index into it (0 = first) and must be in range. Without it, integer cells are class names like any other
/// (the data block sorts all-integer class names numerically). A negative integer is refused either way: it is no index.
/// </summary>
public sealed class ColumnLabeller(string column, IReadOnlyList<string>? classes = null) : ILabeller
{
    public string? Label(ImageItem item, string root)
    {
        if (!item.Fields.TryGetValue(column, out var value))
            throw new DataSourceException($"{item.Describe()}: no column '{column}' to read the label from.");
        var label = value.Trim();
        if (label.Length == 0) return null;
        if (!long.TryParse(label, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var index)) return label;
        if (index < 0) throw new DataSourceException($"{item.Describe()}: label '{label}' in column '{column}' is a negative class index.");
        if (classes is null) return label;
        return index < classes.Count
            ? classes[(int)index]
            : throw new DataSourceException($"{item.Describe()}: label index {index} in column '{column}' is out of range ({classes.Count} classes: 0 to {classes.Count - 1}).");
    }

    public string Describe() => classes is null ? $"CSV column '{column}'" : $"CSV column '{column}' (names, or indices into the {classes.Count} classes)";
}
