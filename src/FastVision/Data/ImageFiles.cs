namespace FastVision.Data;

/// <summary>Finds image files and reads labels from a folder-per-class layout.</summary>
public static class ImageFiles
{
    public static readonly IReadOnlySet<string> Extensions =
        new HashSet<string>(StringComparer.OrdinalIgnoreCase) { ".jpg", ".jpeg", ".png", ".bmp", ".webp", ".gif" };

    /// <summary>Image files below <paramref name="folder"/>, recursively, in ordinal path order.</summary>
    public static IReadOnlyList<string> Find(string folder)
    {
        if (!Directory.Exists(folder)) throw new DataSourceException($"{folder}: folder not found.");
        return Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Where(f => Extensions.Contains(System.IO.Path.GetExtension(f)))
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    /// <summary><c>root/&lt;class&gt;/**/*.jpg</c>: the label is the top-level folder name.</summary>
    public static IReadOnlyList<ImageItem> FromFolderPerClass(string root)
    {
        if (!Directory.Exists(root)) throw new DataSourceException($"{root}: data folder not found.");
        var items = new List<ImageItem>();
        foreach (var classDir in Directory.EnumerateDirectories(root).Order(StringComparer.Ordinal))
        {
            var label = System.IO.Path.GetFileName(classDir);
            items.AddRange(Find(classDir).Select(f => new ImageItem(f, label)));
        }
        if (items.Count == 0)
            throw new DataSourceException($"{root}: no images found in class sub-folders (expected {root}/<class>/<image>.jpg).");
        return items;
    }
}
