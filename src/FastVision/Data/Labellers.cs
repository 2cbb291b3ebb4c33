using System.Text.RegularExpressions;

namespace FastVision.Data;

/// <summary>Gives an item its class name (fastai's get_y); null means "cannot label this item".</summary>
public interface ILabeller
{
    string? Label(ImageItem item);
    string Describe();
}

/// <summary>fastai's parent_label: the name of the folder the file is in.</summary>
public sealed class ParentFolderLabeller : ILabeller
{
    public string? Label(ImageItem item) => Path.GetFileName(Path.GetDirectoryName(item.Path));
    public string Describe() => "parent folder name";
}

/// <summary>fastai's RegexLabeller: the first group of a regex matched against the file name.</summary>
public sealed class RegexLabeller(string pattern) : ILabeller
{
    private readonly Regex regex = new(pattern, RegexOptions.CultureInvariant);

    /// <summary>The seed's pattern: the text before the last <c>_digits.jpg</c>, e.g. monkey_prosimian_9780.jpg → monkey_prosimian.</summary>
    public static RegexLabeller NameBeforeNumber { get; } = new(@"^(.+)_\d+\.jpe?g$");

    public string? Label(ImageItem item)
    {
        var match = regex.Match(Path.GetFileName(item.Path));
        return match.Success && match.Groups.Count > 1 ? match.Groups[1].Value : null;
    }

    public string Describe() => $"regex {regex} on the file name";
}

/// <summary>A CSV column holding the class name.</summary>
public sealed class ColumnLabeller(string column) : ILabeller
{
    public string? Label(ImageItem item) =>
        item.Fields.TryGetValue(column, out var value)
            ? (string.IsNullOrWhiteSpace(value) ? null : value.Trim())
            : throw new DataSourceException($"{item.Describe()}: no column '{column}' to read the label from.");

    public string Describe() => $"CSV column '{column}'";
}
