namespace FastVision.Data;

/// <summary>
/// One image of a data set: its file, its class name (null until a labeller sets it), and what the source
/// knew about it — camera-trap id and site, the CSV row it came from (for messages), other CSV fields.
/// </summary>
public sealed record ImageItem(string Path, string? Label = null, string? Id = null, string? Site = null)
{
    /// <summary>Where the item was declared, e.g. "train_features.csv row 12"; the path for found files.</summary>
    public string? Origin { get; init; }

    /// <summary>The CSV row's cells by column name (empty for found files).</summary>
    public IReadOnlyDictionary<string, string> Fields { get; init; } = EmptyFields;

    /// <summary>
    /// The camera-trap trigger sequence the image belongs to (frames of one event, seconds apart), from a CSV column or
    /// derived from EXIF times (<see cref="Sequences"/>); null when unknown. Predictions can be pooled over it.
    /// </summary>
    public string? Sequence { get; init; }

    /// <summary>The detector's output for this image (MegaDetector results), when a results file was given; null: not in it.</summary>
    public ImageDetections? Detections { get; init; }

    /// <summary>The picture of the image this item is (<see cref="ImagePipeline.Views"/>): the full view is never cropped.</summary>
    public ImageView View { get; init; }

    private static readonly IReadOnlyDictionary<string, string> EmptyFields = new Dictionary<string, string>();

    public string Describe() => Origin is null ? Path : $"{Origin} ({Path})";
}
