using System.Globalization;
using System.Text;

namespace FastVision.Data;

/// <summary>
/// How a crop policy treats a data set's images, counted per <see cref="CropOutcome"/> before anything is trained:
/// a crop run on a results file of another folder, or a detector that failed on half the images, shows here as
/// "full: not in the file" or "full: detector failure" instead of as a quietly worse model.
/// </summary>
public sealed class DetectionReport
{
    private const int Examples = 3;

    private DetectionReport(MegaDetectorResults results, DetectionCrop policy, int images, IReadOnlyDictionary<CropOutcome, int> counts,
        IReadOnlyList<string> notInResults, IReadOnlyList<string> failures, int unusedEntries)
    {
        Results = results;
        Policy = policy;
        ImageCount = images;
        Counts = counts;
        NotInResultsExamples = notInResults;
        FailureExamples = failures;
        UnusedEntries = unusedEntries;
    }

    public MegaDetectorResults Results { get; }

    public DetectionCrop Policy { get; }

    public int ImageCount { get; }

    /// <summary>Images per outcome; every outcome is present (0 when none).</summary>
    public IReadOnlyDictionary<CropOutcome, int> Counts { get; }

    /// <summary>The first few images without an entry, as <see cref="ImageItem.Describe"/> gives them.</summary>
    public IReadOnlyList<string> NotInResultsExamples { get; }

    /// <summary>The first few images the detector failed on, with the file's reason.</summary>
    public IReadOnlyList<string> FailureExamples { get; }

    /// <summary>Entries of the results file that no item matched (other images, or a results file of a larger folder).</summary>
    public int UnusedEntries { get; }

    /// <summary>Looks every item of <paramref name="items"/> up in <paramref name="results"/> (paths relative to the data folder <paramref name="root"/>) and counts the outcomes.</summary>
    public static DetectionReport Build(IReadOnlyList<ImageItem> items, string root, MegaDetectorResults results, DetectionCrop policy)
    {
        var counts = Enum.GetValues<CropOutcome>().ToDictionary(o => o, _ => 0);
        var notInResults = new List<string>();
        var failures = new List<string>();
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in items)
        {
            var entry = results.Find(item, root);
            if (entry is not null) used.Add(entry.File);
            var outcome = policy.Classify(entry);
            counts[outcome]++;
            if (outcome == CropOutcome.NotInResults && notInResults.Count < Examples) notInResults.Add(item.Describe());
            if (outcome == CropOutcome.DetectorFailure && failures.Count < Examples) failures.Add($"{item.Describe()}: {entry!.Failure}");
        }
        return new DetectionReport(results, policy, items.Count, counts, notInResults, failures, results.Images.Count - used.Count);
    }

    /// <summary>A few lines in the data report's style: the file and policy, then images per outcome with their share.</summary>
    public string Format()
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        var category = Results.Categories.TryGetValue(Policy.Category, out var name) ? $"{Policy.Category} ({name})" : Policy.Category;
        var mode = Policy.Mode == CropMode.TopBox ? "top box" : "union of kept boxes";
        sb.AppendLine(inv, $"detections: {Results.Path} (format {Results.FormatVersion}, {Results.Images.Count} entries)");
        sb.AppendLine(inv, $"crop:       category {category} boxes with conf >= {Policy.Threshold:0.###}, {mode}, squared, margin {Policy.Margin:0.###} per side");
        foreach (var (outcome, label) in Labels)
        {
            int n = Counts[outcome];
            sb.AppendLine(inv, $"  {label,-30} {n,6}  ({(ImageCount == 0 ? 0 : 100.0 * n / ImageCount):0.0}%)");
        }
        if (NotInResultsExamples.Count > 0) sb.AppendLine($"  not in the file, e.g. {string.Join("; ", NotInResultsExamples)}");
        if (FailureExamples.Count > 0) sb.AppendLine($"  detector failures, e.g. {string.Join("; ", FailureExamples)}");
        if (Results.DroppedBoxes.Count > 0) sb.AppendLine(inv, $"  {Results.DroppedBoxes.Count} box(es) dropped (outside the image or without area), e.g. {Results.DroppedBoxes[0]}");
        if (UnusedEntries > 0) sb.AppendLine(inv, $"  {UnusedEntries} entr{(UnusedEntries == 1 ? "y" : "ies")} of the file with no image in the data set");
        return sb.ToString();
    }

    private static readonly (CropOutcome Outcome, string Label)[] Labels =
    [
        (CropOutcome.Crop, "crop"),
        (CropOutcome.NoBoxAboveThreshold, "full: no box above threshold"),
        (CropOutcome.NotInResults, "full: not in the file"),
        (CropOutcome.DetectorFailure, "full: detector failure"),
    ];
}
