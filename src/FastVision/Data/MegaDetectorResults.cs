using System.Globalization;
using System.Text.Json;

namespace FastVision.Data;

/// <summary>
/// A MegaDetector batch-output file (the "MegaDetector output format", https://lila.science/megadetector-output-format,
/// format versions 1.0–1.5) read as a lookup from an image's path relative to the data folder to its detections.
/// Everything a crop needs is checked when the file is read, so a bad file stops before training with a message that
/// names the file and the image entry: not JSON, a value of the wrong kind, an unknown or missing format version and
/// two entries for one image are <see cref="DataSourceException"/>s. What the format allows but a crop cannot use is
/// kept and reported instead: images the detector failed on (<c>failure</c> set, or <c>detections: null</c>) stay as
/// failed entries so the crop policy falls back to the full image and counts them; boxes clearly outside the image
/// or without area are dropped and listed in <see cref="DroppedBoxes"/>.
/// </summary>
public sealed class MegaDetectorResults
{
    /// <summary>The format versions this reader understands (MegaDetector writes "1.0" … "1.5" in <c>info.format_version</c>).</summary>
    public static readonly Version OldestFormat = new(1, 0), NewestFormat = new(1, 5);

    /// <summary>
    /// How far (as a share of the image side) a box edge may lie outside [0, 1] and still be clamped rather than dropped:
    /// MegaDetector rounds coordinates to 4 decimals, so x_min + width can exceed 1 by 0.0001, and converters from other
    /// box formats add float error of the same order; half a percent covers both and is still a few pixels at most,
    /// never a box that was meant to be somewhere else.
    /// </summary>
    public const double EdgeTolerance = 0.005;

    private readonly Dictionary<string, ImageDetections> byFile;

    private MegaDetectorResults(string path, string formatVersion, IReadOnlyDictionary<string, string> categories,
        IReadOnlyList<ImageDetections> images, IReadOnlyList<string> droppedBoxes)
    {
        Path = path;
        FormatVersion = formatVersion;
        Categories = categories;
        Images = images;
        DroppedBoxes = droppedBoxes;
        byFile = images.ToDictionary(i => i.File, StringComparer.Ordinal);
    }

    /// <summary>The file read, for messages.</summary>
    public string Path { get; }

    /// <summary><c>info.format_version</c> as written, e.g. "1.4".</summary>
    public string FormatVersion { get; }

    /// <summary><c>detection_categories</c>: category id → name (empty when the file has none, as old files may).</summary>
    public IReadOnlyDictionary<string, string> Categories { get; }

    /// <summary>Every image entry in file order, its <see cref="ImageDetections.File"/> normalized (see <see cref="NormalizePath"/>).</summary>
    public IReadOnlyList<ImageDetections> Images { get; }

    /// <summary>One message per box left out (outside the image or without area), naming the file, the entry and the box.</summary>
    public IReadOnlyList<string> DroppedBoxes { get; }

    /// <summary>The entry for <paramref name="relativePath"/> (e.g. a CSV's <c>images/MCT00000.jpg</c>, <c>./</c> and backslashes allowed), or null.</summary>
    public ImageDetections? Find(string relativePath) => byFile.GetValueOrDefault(NormalizePath(relativePath));

    /// <summary>
    /// The entry for <paramref name="item"/>, whose <see cref="ImageItem.Path"/> is looked up relative to the data folder
    /// <paramref name="root"/> (how MegaDetector is usually run and how the CSVs name files), then as the absolute path
    /// (the format allows absolute paths too); null when the file has no entry for it.
    /// </summary>
    public ImageDetections? Find(ImageItem item, string root) =>
        Find(System.IO.Path.GetRelativePath(root, item.Path)) ?? byFile.GetValueOrDefault(NormalizePath(System.IO.Path.GetFullPath(item.Path)));

    /// <summary>
    /// A path as the lookup keys it: forward slashes, no <c>.</c> segments or doubled slashes, a leading slash kept
    /// (absolute paths stay absolute). Case is kept: the images live on a case-sensitive file system.
    /// </summary>
    public static string NormalizePath(string path)
    {
        var slashed = path.Replace('\\', '/');
        var segments = slashed.Split('/').Where(s => s.Length > 0 && s != ".");
        return (slashed.StartsWith('/') ? "/" : "") + string.Join('/', segments);
    }

    /// <summary>
    /// Reads and checks <paramref name="path"/>; a summary of dropped boxes goes to <paramref name="issues"/> as one warning.
    /// </summary>
    public static MegaDetectorResults Read(string path, DataIssues? issues = null)
    {
        if (!File.Exists(path)) throw new DataSourceException($"{path}: file not found.");
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DataSourceException($"{path}: cannot read ({e.Message}).");
        }
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text);
        }
        catch (JsonException e)
        {
            throw new DataSourceException($"{path}: not valid JSON ({e.Message}).");
        }
        using (document)
        {
            var results = Parse(path, document.RootElement);
            if (results.DroppedBoxes.Count > 0)
                issues?.Warn($"{path}: {results.DroppedBoxes.Count} detection box(es) dropped (outside the image or without area), e.g. {results.DroppedBoxes[0]}");
            return results;
        }
    }

    /// <summary>
    /// Walks the document checking each value's kind before reading it (rather than deserializing into types), so a value of
    /// the wrong kind is a message naming the entry, never a System.Text.Json exception.
    /// </summary>
    private static MegaDetectorResults Parse(string path, JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
            throw new DataSourceException($"{path}: expected a JSON object with 'info', 'detection_categories' and 'images' (MegaDetector batch output), found {Kind(root)}.");
        var version = ReadFormatVersion(path, root);
        var categories = ReadCategories(path, root);
        if (!root.TryGetProperty("images", out var images) || images.ValueKind != JsonValueKind.Array)
            throw new DataSourceException($"{path}: 'images' must be an array of image entries, found {KindOf(root, "images")}.");

        var entries = new List<ImageDetections>(images.GetArrayLength());
        var firstIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        var dropped = new List<string>();
        int index = 0;
        foreach (var image in images.EnumerateArray())
        {
            var entry = ReadImage(path, index, image, dropped);
            if (!firstIndex.TryAdd(entry.File, index))
                throw new DataSourceException($"{path}: images[{index}] ('{entry.File}') repeats images[{firstIndex[entry.File]}]; each image must have one entry.");
            entries.Add(entry);
            index++;
        }
        return new MegaDetectorResults(path, version, categories, entries, dropped);
    }

    private static string ReadFormatVersion(string path, JsonElement root)
    {
        string readable = $"this reader reads format versions {OldestFormat}–{NewestFormat}";
        if (!root.TryGetProperty("info", out var info) || info.ValueKind != JsonValueKind.Object
            || !info.TryGetProperty("format_version", out var element))
            throw new DataSourceException($"{path}: no 'info.format_version', so the file's format is unknown; {readable}.");
        var text = element.ValueKind switch
        {
            JsonValueKind.String => element.GetString()!,
            JsonValueKind.Number => element.GetRawText(),
            _ => throw new DataSourceException($"{path}: 'info.format_version' must be a version string such as \"1.4\", found {Kind(element)}; {readable}."),
        };
        if (!Version.TryParse(text.Trim(), out var parsed) || parsed < OldestFormat || parsed > NewestFormat)
            throw new DataSourceException($"{path}: format version '{text}' is not supported; {readable}.");
        return text;
    }

    private static Dictionary<string, string> ReadCategories(string path, JsonElement root)
    {
        var categories = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!root.TryGetProperty("detection_categories", out var element) || element.ValueKind == JsonValueKind.Null) return categories;
        if (element.ValueKind != JsonValueKind.Object)
            throw new DataSourceException($"{path}: 'detection_categories' must be an object of id → name, found {Kind(element)}.");
        foreach (var category in element.EnumerateObject())
        {
            if (category.Value.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(category.Value.GetString()))
                throw new DataSourceException($"{path}: detection category '{category.Name}' must have a name, found {Kind(category.Value)}.");
            categories[category.Name] = category.Value.GetString()!;
        }
        return categories;
    }

    private static ImageDetections ReadImage(string path, int index, JsonElement image, List<string> dropped)
    {
        if (image.ValueKind != JsonValueKind.Object)
            throw new DataSourceException($"{path}: images[{index}] must be an object with 'file' and 'detections', found {Kind(image)}.");
        if (!image.TryGetProperty("file", out var fileElement) || fileElement.ValueKind != JsonValueKind.String
            || NormalizePath(fileElement.GetString()!) is not { Length: > 0 } file)
            throw new DataSourceException($"{path}: images[{index}] has no 'file' path (found {KindOf(image, "file")}).");
        var where = $"{path}: images[{index}] ('{file}')";

        var failure = image.TryGetProperty("failure", out var failureElement) ? failureElement : default;
        if (failure.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Null))
        {
            if (failure.ValueKind != JsonValueKind.String) throw new DataSourceException($"{where}: 'failure' must be a string or null, found {Kind(failure)}.");
            var reason = failure.GetString()!;
            return new ImageDetections(file, [], string.IsNullOrWhiteSpace(reason) ? "failure (no reason given)" : reason);
        }
        var detections = image.TryGetProperty("detections", out var detectionsElement) ? detectionsElement : default;
        if (detections.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
            return new ImageDetections(file, [], "no detections list (the detector did not process the image)");
        if (detections.ValueKind != JsonValueKind.Array)
            throw new DataSourceException($"{where}: 'detections' must be an array, found {Kind(detections)}.");

        var kept = new List<Detection>(detections.GetArrayLength());
        int d = 0;
        foreach (var detection in detections.EnumerateArray())
        {
            var box = ReadDetection($"{where} detection {d}", detection, dropped);
            if (box is not null) kept.Add(box);
            d++;
        }
        return new ImageDetections(file, kept);
    }

    /// <summary>The detection, clamped to the image; null (and a message in <paramref name="dropped"/>) when a crop cannot use it.</summary>
    private static Detection? ReadDetection(string where, JsonElement detection, List<string> dropped)
    {
        if (detection.ValueKind != JsonValueKind.Object)
            throw new DataSourceException($"{where}: must be an object with 'category', 'conf' and 'bbox', found {Kind(detection)}.");
        var categoryElement = detection.TryGetProperty("category", out var c) ? c : default;
        var category = categoryElement.ValueKind switch
        {
            JsonValueKind.String when categoryElement.GetString() is { Length: > 0 } id => id,
            JsonValueKind.Number when categoryElement.TryGetInt32(out var id) && id >= 0 => id.ToString(CultureInfo.InvariantCulture), // format 1.0 wrote numbers
            _ => throw new DataSourceException($"{where}: 'category' must be a category id such as \"1\", found {Kind(categoryElement)}."),
        };
        if (!detection.TryGetProperty("conf", out var confElement) || !IsFinite(confElement, out var conf) || conf < 0 || conf > 1)
            throw new DataSourceException($"{where}: 'conf' must be a confidence in [0, 1], found {KindOf(detection, "conf")}.");
        if (!detection.TryGetProperty("bbox", out var bbox) || bbox.ValueKind != JsonValueKind.Array || bbox.GetArrayLength() != 4)
            throw new DataSourceException($"{where}: 'bbox' must be [x_min, y_min, width, height], found {KindOf(detection, "bbox")}.");
        var v = new double[4];
        for (int i = 0; i < 4; i++)
            if (!IsFinite(bbox[i], out v[i])) throw new DataSourceException($"{where}: 'bbox' must hold 4 numbers, found {bbox.GetRawText()}.");

        double x = v[0], y = v[1], w = v[2], h = v[3];
        var box = string.Join(", ", v.Select(n => n.ToString("0.####", CultureInfo.InvariantCulture)));
        if (x < -EdgeTolerance || y < -EdgeTolerance || x + w > 1 + EdgeTolerance || y + h > 1 + EdgeTolerance)
        {
            dropped.Add($"{where}: box [{box}] reaches outside the image (coordinates are shares of its width and height, in [0, 1]).");
            return null;
        }
        // Clamped edge by edge, so that a box inside the image keeps its numbers exactly as written.
        if (x < 0) (w, x) = (w + x, 0);
        if (y < 0) (h, y) = (h + y, 0);
        if (x + w > 1) w = 1 - x;
        if (y + h > 1) h = 1 - y;
        if (w <= 0 || h <= 0)
        {
            dropped.Add($"{where}: box [{box}] has no area.");
            return null;
        }
        return new Detection(category, conf, x, y, w, h);
    }

    private static bool IsFinite(JsonElement element, out double value)
    {
        value = 0;
        return element.ValueKind == JsonValueKind.Number && element.TryGetDouble(out value) && double.IsFinite(value);
    }

    /// <summary>What a JSON value is, for messages: its kind and a short excerpt.</summary>
    private static string Kind(JsonElement element)
    {
        if (element.ValueKind == JsonValueKind.Undefined) return "nothing";
        var raw = element.GetRawText();
        return $"{element.ValueKind.ToString().ToLowerInvariant()} {(raw.Length > 40 ? raw[..40] + "…" : raw)}";
    }

    private static string KindOf(JsonElement parent, string property) => parent.TryGetProperty(property, out var value) ? Kind(value) : "nothing";
}
