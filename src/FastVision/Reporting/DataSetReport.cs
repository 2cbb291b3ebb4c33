using System.Globalization;
using System.Text;
using FastVision.Data;

namespace FastVision.Reporting;

/// <summary>
/// What a user should read before training: where the items came from, how they were labelled and split,
/// counts per class and split and per site, skipped images, and warnings about leaks between the splits
/// (a site on both sides, or frames of one sequence on both sides).
/// </summary>
public static class DataSetReport
{
    public static string Build(DataSet data)
    {
        var sb = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        sb.AppendLine($"source: {data.Source}");
        sb.AppendLine($"labels: {data.Labels}");
        sb.AppendLine(inv, $"split:  {data.Split} → {data.Train.Length} train / {data.Valid.Length} valid ({100.0 * data.Valid.Length / data.Items.Count:0.0}% valid)");
        sb.AppendLine();

        int width = Math.Max(5, data.Classes.Max(c => c.Length));
        sb.AppendLine($"{"class".PadRight(width)}  {"train",6}  {"valid",6}  {"total",6}");
        var counts = ClassCounts(data);
        foreach (var (c, t, v) in counts) sb.AppendLine($"{c.PadRight(width)}  {t,6}  {v,6}  {t + v,6}");

        if (StratifiedGroups.LargestShareDeviation(data.Items, data.Valid) is { } worst)
            sb.AppendLine(inv, $"class shares: validation within {worst.Points:0.0} points of the whole set (largest gap: {worst.Class} {worst.ValidShare:0.0}% of validation, {worst.OverallShare:0.0}% overall)");

        if (data.Detections is { } detections)
        {
            sb.AppendLine();
            sb.AppendLine(detections.Format().TrimEnd());
        }

        var warnings = new List<string>(data.Issues.Warnings);
        var emptyValid = counts.Where(c => c.Valid == 0 && c.Train > 0).Select(c => c.Class).ToList();
        if (emptyValid.Count > 0) warnings.Add($"no validation images for: {string.Join(", ", emptyValid)}.");

        if (data.Items.All(i => i.Site is not null))
        {
            var trainSites = Count(data.Train.Select(i => data.Items[i].Site!));
            var validSites = Count(data.Valid.Select(i => data.Items[i].Site!));
            var sites = trainSites.Keys.Union(validSites.Keys).Order(StringComparer.Ordinal).ToList();
            var shared = sites.Where(s => trainSites.ContainsKey(s) && validSites.ContainsKey(s)).ToList();
            sb.AppendLine();
            sb.AppendLine($"sites: {sites.Count} ({trainSites.Count} with training images, {validSites.Count} with validation images)");
            int sw = Math.Max(4, sites.Max(s => s.Length));
            foreach (var s in sites.Take(40))
                sb.AppendLine($"{s.PadRight(sw)}  {trainSites.GetValueOrDefault(s),6}  {validSites.GetValueOrDefault(s),6}");
            if (sites.Count > 40) sb.AppendLine($"... {sites.Count - 40} more sites");
            if (shared.Count > 0)
                warnings.Add($"{shared.Count} of {sites.Count} sites have images on both sides of the split (e.g. {string.Join(", ", shared.Take(3))}): " +
                    "validation scores will be optimistic for new sites; split by site (--split site).");
        }

        int sequencePairs = CrossSplitSequencePairs(data, out var example);
        if (sequencePairs > 0)
            warnings.Add($"{sequencePairs} pair(s) of near-duplicate file names (frames of one sequence) fall on both sides of the split, e.g. {example}.");

        var skipped = data.Issues.Skipped;
        if (skipped.Count > 0)
        {
            sb.AppendLine();
            sb.AppendLine($"skipped {skipped.Count} image(s) (--on-bad-image {data.Issues.Policy.ToString().ToLowerInvariant()}):");
            foreach (var (path, reason) in skipped.Take(20)) sb.AppendLine($"  {(reason.StartsWith(path, StringComparison.Ordinal) ? reason : $"{path}: {reason}")}");
            if (skipped.Count > 20) sb.AppendLine($"  ... {skipped.Count - 20} more");
        }
        if (warnings.Count > 0)
        {
            sb.AppendLine();
            foreach (var w in warnings) sb.AppendLine($"warning: {w}");
        }
        return sb.ToString();
    }

    /// <summary>Pairs of files with the same name stem and counters at most 2 apart, one in each split.</summary>
    public static int CrossSplitSequencePairs(DataSet data, out string example)
    {
        example = "";
        var validSet = data.Valid.ToHashSet();
        var frames = Enumerable.Range(0, data.Items.Count)
            .Select(i => (Index: i, Name: SequenceNames.Parse(data.Items[i].Path)))
            // A stem that is just the class name (monkey_prosimian_9780.jpg) numbers images, not frames of a burst.
            .Where(f => f.Name is not null && !string.Equals(f.Name.Value.Stem, data.Items[f.Index].Label, StringComparison.OrdinalIgnoreCase))
            .GroupBy(f => (Path.GetDirectoryName(data.Items[f.Index].Path), f.Name!.Value.Stem));
        int pairs = 0;
        foreach (var group in frames)
        {
            var ordered = group.OrderBy(f => f.Name!.Value.Number).ToList();
            for (int k = 1; k < ordered.Count; k++)
            {
                var (a, b) = (ordered[k - 1], ordered[k]);
                if (b.Name!.Value.Number - a.Name!.Value.Number <= 2 && validSet.Contains(a.Index) != validSet.Contains(b.Index))
                {
                    if (pairs++ == 0) example = $"{Path.GetFileName(data.Items[a.Index].Path)} / {Path.GetFileName(data.Items[b.Index].Path)}";
                }
            }
        }
        return pairs;
    }

    /// <summary>Images per class in each split, in the classes' order.</summary>
    public static IReadOnlyList<(string Class, int Train, int Valid)> ClassCounts(DataSet data)
    {
        var train = Count(data.Train.Select(i => data.Items[i].Label!));
        var valid = Count(data.Valid.Select(i => data.Items[i].Label!));
        return [.. data.Classes.Select(c => (c, train.GetValueOrDefault(c), valid.GetValueOrDefault(c)))];
    }

    private static Dictionary<string, int> Count(IEnumerable<string> keys) =>
        keys.GroupBy(k => k, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
}
