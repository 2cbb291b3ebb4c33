namespace FastVision.Data;

/// <summary>Finds image files by extension.</summary>
public static class ImageFiles
{
    public static readonly IReadOnlySet<string> Extensions =
        new HashSet<string>(StringComparer.OrdinalIgnoreCase) { ".jpg", ".jpeg", ".png", ".bmp", ".webp", ".gif" };

    /// <summary>Image files below <paramref name="folder"/>, recursively, in ordinal path order.</summary>
    public static IReadOnlyList<string> Find(string folder, IReadOnlySet<string>? extensions = null)
    {
        if (!Directory.Exists(folder)) throw new DataSourceException($"{folder}: folder not found.");
        extensions ??= Extensions;
        var files = Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Where(f => extensions.Contains(Path.GetExtension(f)))
            .Order(StringComparer.Ordinal)
            .ToList();
        if (files.Count == 0) throw new DataSourceException($"{folder}: no image files ({string.Join(", ", extensions.Order())}) found.");
        return files;
    }
}
