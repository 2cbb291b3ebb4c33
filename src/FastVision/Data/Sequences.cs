using System.Globalization;

namespace FastVision.Data;

/// <summary>
/// Items with their <see cref="ImageItem.Sequence"/> set by <see cref="Sequences.FromTimes"/>, and the images that had no capture
/// time (each made its own one-frame sequence).
/// </summary>
public sealed record SequenceAssignment(IReadOnlyList<ImageItem> Items, int SequenceCount, IReadOnlyList<ImageItem> Untimed)
{
    /// <summary>One line for logs and reports, e.g. "1,275 images in 100 sequences (4 one-frame; 2 images without a capture time)".</summary>
    public string Describe()
    {
        int singles = Items.GroupBy(i => i.Sequence, StringComparer.Ordinal).Count(g => g.Count() == 1);
        var untimed = Untimed.Count == 0 ? "" : $"; {Untimed.Count:N0} image(s) without a capture time";
        return $"{Items.Count:N0} images in {SequenceCount:N0} sequences ({singles:N0} one-frame{untimed})";
    }
}

/// <summary>
/// Camera-trap trigger sequences derived from capture times, the way camera-trap software (Timelapse, camtrapR) groups
/// them when the camera did not record a sequence id: per camera, frames sorted by time, a new sequence whenever the time
/// since the previous frame exceeds the gap. Frames of one sequence show one event, so they must stay on one side of a
/// split and their predictions can be pooled (<c>Inference.SequenceAggregation</c>). When the data has a sequence column,
/// read it instead (<see cref="CsvSource"/>'s <c>sequenceColumn</c>).
/// </summary>
public static class Sequences
{
    /// <summary>One minute, the usual default of camera-trap software: bursts are seconds apart, separate visits minutes.</summary>
    public static readonly TimeSpan DefaultGap = TimeSpan.FromSeconds(60);

    /// <summary><see cref="FromTimes"/> with each image's EXIF capture time (<see cref="ExifTime"/>).</summary>
    public static SequenceAssignment FromExifTimes(IReadOnlyList<ImageItem> items, TimeSpan? gap = null, DataIssues? issues = null) =>
        FromTimes(items, item => ExifTime.Read(item.Path), gap, issues);

    /// <summary>
    /// Sets every item's sequence, the items staying in their order. The camera is the item's <see cref="ImageItem.Site"/>, or
    /// its folder when it has none or an empty one (camera-trap cards are usually copied one folder per camera). Within a camera, frames are
    /// sorted by time (ties by path), and a frame more than <paramref name="gap"/> (default <see cref="DefaultGap"/>) after
    /// the previous one starts a new sequence; a gap of exactly <paramref name="gap"/> does not. The id is
    /// <c>{camera}_{first frame time, yyyyMMddTHHmmss}_{ordinal of the sequence in the camera, 000}</c>, so the same images
    /// always get the same ids. An image without a time cannot be placed: it becomes its own sequence,
    /// <c>{camera}_untimed_{id or file name}</c>, is listed in <see cref="SequenceAssignment.Untimed"/>, and a warning counting
    /// them goes to <paramref name="issues"/>.
    /// </summary>
    public static SequenceAssignment FromTimes(IReadOnlyList<ImageItem> items, Func<ImageItem, DateTime?> timeOf, TimeSpan? gap = null, DataIssues? issues = null)
    {
        var maxGap = gap ?? DefaultGap;
        if (maxGap <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(gap), maxGap, "The sequence gap must be positive.");
        var sequenceOf = new string[items.Count];
        var untimed = new List<ImageItem>();
        int sequenceCount = 0;
        var frames = items.Select((item, index) => (Item: item, Index: index, Time: timeOf(item))).ToList();
        foreach (var camera in frames.GroupBy(f => CameraKey(f.Item), StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var name = CameraName(camera.First().Item);
            foreach (var frame in camera.Where(f => f.Time is null))
            {
                sequenceOf[frame.Index] = $"{name}_untimed_{frame.Item.Id ?? Path.GetFileNameWithoutExtension(frame.Item.Path)}";
                untimed.Add(frame.Item);
                sequenceCount++;
            }
            var timed = camera.Where(f => f.Time is not null).OrderBy(f => f.Time).ThenBy(f => f.Item.Path, StringComparer.Ordinal).ToList();
            int ordinal = -1;
            string current = "";
            for (int i = 0; i < timed.Count; i++)
            {
                if (i == 0 || timed[i].Time!.Value - timed[i - 1].Time!.Value > maxGap)
                {
                    ordinal++;
                    sequenceCount++;
                    current = string.Create(CultureInfo.InvariantCulture, $"{name}_{timed[i].Time!.Value:yyyyMMdd'T'HHmmss}_{ordinal:000}");
                }
                sequenceOf[timed[i].Index] = current;
            }
        }
        if (untimed.Count > 0)
            issues?.Warn($"{untimed.Count:N0} image(s) have no EXIF capture time (DateTimeOriginal or DateTime) and are one-frame sequences each, " +
                $"e.g. {string.Join(", ", untimed.Take(3).Select(i => i.Describe()))}.");
        var assigned = items.Select((item, index) => item with { Sequence = sequenceOf[index] }).ToList();
        return new SequenceAssignment(assigned, sequenceCount, untimed);
    }

    private static string CameraKey(ImageItem item) => string.IsNullOrEmpty(item.Site) ? Folder(item) : item.Site;

    private static string CameraName(ImageItem item) => string.IsNullOrEmpty(item.Site) ? Path.GetFileName(Folder(item)) : item.Site;

    private static string Folder(ImageItem item) => Path.GetDirectoryName(Path.GetFullPath(item.Path)) ?? "";
}
