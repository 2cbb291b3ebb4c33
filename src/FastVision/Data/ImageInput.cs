using System.Text.Json.Serialization;

namespace FastVision.Data;

/// <summary>What a prediction input argument is.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ImageInputKind>))]
public enum ImageInputKind
{
    /// <summary>A folder, searched recursively for image files.</summary>
    Folder,

    /// <summary>One image file.</summary>
    File,

    /// <summary>A text file with one image path per line (relative to the list's folder, or absolute); blank lines and lines starting with # are ignored.</summary>
    List,

    /// <summary>A features CSV (id, a path column relative to the CSV's folder, optionally a sequence column), e.g. the competition's test_features.csv.</summary>
    FeaturesCsv,
}

/// <summary>One image an input lists: its <see cref="Key"/> (its path relative to the input's <see cref="ImageInput.Root"/>, with forward slashes) and the item to predict.</summary>
/// <remarks>The key is what outputs name the image by (MegaDetector's <c>file</c>), what resume recognizes and what shards hash: it does not depend on the machine that lists it.</remarks>
public sealed record ListedImage(string Key, ImageItem Item);

/// <summary>
/// A folder, an image file, a list file or a features CSV to predict, enumerated lazily in a fixed order: a folder depth first,
/// each folder's image files in ordinal order of their names before its subfolders (also in ordinal order); a list or CSV in
/// its line order. Memory stays flat in the number of images a folder or list holds.
/// </summary>
/// <param name="Kind">What <paramref name="Path"/> is.</param>
/// <param name="Path">The full path of the folder or file.</param>
/// <param name="PathColumn">The image path column of a features CSV.</param>
/// <param name="SequenceColumn">The sequence column of a features CSV, when given.</param>
public sealed record ImageInput(ImageInputKind Kind, string Path, string PathColumn = "filepath", string? SequenceColumn = null)
{
    private static readonly string[] ListExtensions = [".txt", ".lst"];

    /// <summary>
    /// What a command-line argument names: an existing folder; a <c>.csv</c> file (a features CSV with <paramref name="pathColumn"/>); a
    /// <c>.txt</c> or <c>.lst</c> file (a list); any other existing file (an image).
    /// </summary>
    public static ImageInput FromArgument(string argument, string pathColumn = "filepath", string? sequenceColumn = null)
    {
        var full = System.IO.Path.GetFullPath(argument);
        if (Directory.Exists(full)) return new ImageInput(ImageInputKind.Folder, full);
        if (!System.IO.File.Exists(full)) throw new DataSourceException($"{argument}: no such image file, folder, list or features CSV.");
        var extension = System.IO.Path.GetExtension(full);
        if (extension.Equals(".csv", StringComparison.OrdinalIgnoreCase)) return new ImageInput(ImageInputKind.FeaturesCsv, full, pathColumn, sequenceColumn);
        if (ListExtensions.Contains(extension, StringComparer.OrdinalIgnoreCase)) return new ImageInput(ImageInputKind.List, full);
        return new ImageInput(ImageInputKind.File, full);
    }

    /// <summary>
    /// The folder keys (and a detections file's paths) are relative to: the folder itself, a list's or CSV's folder, and for an
    /// image file the current folder when it was given (as the path was typed); kept in manifests, so a merge elsewhere lists the same keys.
    /// </summary>
    public string Root { get; init; } = Kind switch
    {
        ImageInputKind.Folder => Path,
        ImageInputKind.File => Environment.CurrentDirectory,
        _ => System.IO.Path.GetDirectoryName(Path)!,
    };

    /// <summary>The images, lazily, in the documented order. A listed path that does not exist is listed anyway: prediction reports it as a failure.</summary>
    public IEnumerable<ListedImage> Enumerate() => Kind switch
    {
        ImageInputKind.Folder => Walk(Path, ""),
        ImageInputKind.File => [new ListedImage(FileKey(), new ImageItem(Path))],
        ImageInputKind.List => ListLines(),
        _ => CsvRows(),
    };

    /// <summary>An image file's path relative to the current folder, or its full path when it lies outside.</summary>
    private string FileKey()
    {
        var relative = System.IO.Path.GetRelativePath(Root, Path);
        return (relative.StartsWith("..", StringComparison.Ordinal) || System.IO.Path.IsPathRooted(relative) ? Path : relative).Replace('\\', '/');
    }

    private static IEnumerable<ListedImage> Walk(string folder, string prefix)
    {
        foreach (var file in Directory.EnumerateFiles(folder).Where(f => ImageFiles.Extensions.Contains(System.IO.Path.GetExtension(f)))
                     .Select(f => System.IO.Path.GetFileName(f)).Order(StringComparer.Ordinal))
            yield return new ListedImage(prefix + file, new ImageItem(System.IO.Path.Combine(folder, file)));
        foreach (var sub in Directory.EnumerateDirectories(folder).Select(d => System.IO.Path.GetFileName(d)).Order(StringComparer.Ordinal))
            foreach (var image in Walk(System.IO.Path.Combine(folder, sub), prefix + sub + "/"))
                yield return image;
    }

    private IEnumerable<ListedImage> ListLines()
    {
        int line = 0;
        foreach (var raw in System.IO.File.ReadLines(Path))
        {
            line++;
            var entry = raw.Trim();
            if (entry.Length == 0 || entry.StartsWith('#')) continue;
            var key = entry.Replace('\\', '/');
            yield return new ListedImage(key, new ImageItem(System.IO.Path.GetFullPath(System.IO.Path.Combine(Root, entry))) { Origin = $"{System.IO.Path.GetFileName(Path)} line {line}" });
        }
    }

    private IEnumerable<ListedImage> CsvRows() =>
        new CsvSource(System.IO.Path.GetFileName(Path), PathColumn, SequenceColumn).ReadAll(Root)
            .Select(item => new ListedImage(item.Fields[PathColumn].Replace('\\', '/'), item));

    /// <summary>
    /// The images of every input in turn, with their entries of <paramref name="detections"/> (paths relative to the input's root)
    /// when given; a key listed twice (the same file given twice, or two inputs with the same relative path) stops the listing
    /// with both places named, since outputs, resume and shards tell images apart by key.
    /// </summary>
    public static IEnumerable<ListedImage> EnumerateAll(IReadOnlyList<ImageInput> inputs, MegaDetectorResults? detections = null)
    {
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var input in inputs)
            foreach (var listed in input.Enumerate())
            {
                var image = detections is null ? listed : listed with { Item = listed.Item with { Detections = detections.Find(listed.Item, input.Root) } };
                if (image.Key.Any(char.IsControl))
                    throw new DataSourceException($"{image.Item.Describe()}: the path holds a control character (a line break?); rename the file.");
                if (!seen.TryAdd(image.Key, input.Path))
                    throw new DataSourceException($"{image.Key}: listed twice (by {seen[image.Key]} and by {input.Path}); outputs name images by their relative path, so predict such inputs in separate runs.");
                yield return image;
            }
    }

    /// <summary>
    /// The order <see cref="Enumerate"/> gives a folder's keys in, for keys alone (merged outputs): segment by segment, a file
    /// before a subfolder, names in ordinal order.
    /// </summary>
    public static IComparer<string> WalkOrder { get; } = Comparer<string>.Create((a, b) =>
    {
        var x = a.Split('/');
        var y = b.Split('/');
        for (int i = 0; i < Math.Min(x.Length, y.Length); i++)
        {
            if (x[i] == y[i]) continue;
            bool xFile = i == x.Length - 1, yFile = i == y.Length - 1;
            return xFile != yFile ? (xFile ? -1 : 1) : string.CompareOrdinal(x[i], y[i]);
        }
        return x.Length.CompareTo(y.Length);
    });
}
