using System.Text.RegularExpressions;

namespace FastVision.Data;

/// <summary>Divides items into training and validation indices (fastai's splitter).</summary>
public interface ISplitter
{
    (int[] Train, int[] Valid) Split(IReadOnlyList<ImageItem> items);

    /// <summary>One line for the report, e.g. "random, 20% valid, seed 42".</summary>
    string Describe();
}

/// <summary>fastai's RandomSplitter: a seeded permutation; the first valid_pct of it is the validation set.</summary>
public sealed record RandomSplitter(double ValidPct = 0.2, int Seed = 42) : ISplitter
{
    public (int[] Train, int[] Valid) Split(IReadOnlyList<ImageItem> items) => Split(items.Count);

    public (int[] Train, int[] Valid) Split(int count)
    {
        if (ValidPct is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(ValidPct), "valid_pct must be in [0, 1).");
        var order = Enumerable.Range(0, count).ToArray();
        new Random(Seed).Shuffle(order);
        int cut = (int)(ValidPct * count);
        return (order[cut..].Order().ToArray(), order[..cut].Order().ToArray());
    }

    public string Describe() => $"random, {ValidPct * 100:0.#}% valid, seed {Seed}";
}

/// <summary>
/// Whole groups (camera sites) go to one side: no group on both sides, and the validation share as close
/// to valid_pct as whole groups allow. Groups are visited in a seeded random order; each is put in the
/// validation set when that brings its size closer to the target.
/// </summary>
public sealed record GroupSplitter(Func<ImageItem, string?> GroupOf, string GroupName = "site", double ValidPct = 0.2, int Seed = 42) : ISplitter
{
    public static GroupSplitter BySite(double validPct = 0.2, int seed = 42) => new(i => i.Site, "site", validPct, seed);

    /// <summary>By <see cref="ImageItem.Sequence"/>: the frames of one trigger are near-duplicates, so one on both sides leaks like a site does.</summary>
    public static GroupSplitter BySequence(double validPct = 0.2, int seed = 42) => new(i => i.Sequence, "sequence", validPct, seed);

    public (int[] Train, int[] Valid) Split(IReadOnlyList<ImageItem> items)
    {
        var groups = new SortedDictionary<string, List<int>>(StringComparer.Ordinal);
        for (int i = 0; i < items.Count; i++)
        {
            var g = GroupOf(items[i]);
            if (string.IsNullOrEmpty(g)) throw new DataSourceException($"{items[i].Describe()}: no {GroupName} to split by.");
            if (!groups.TryGetValue(g, out var members)) groups[g] = members = [];
            members.Add(i);
        }
        if (groups.Count < 2) throw new DataSourceException($"Cannot split by {GroupName}: all {items.Count} images share one {GroupName} ('{groups.Keys.FirstOrDefault()}').");
        var order = groups.Keys.ToArray();
        new Random(Seed).Shuffle(order);
        double target = ValidPct * items.Count;
        var valid = new List<int>();
        foreach (var g in order)
        {
            var members = groups[g];
            if (Math.Abs(valid.Count + members.Count - target) < Math.Abs(valid.Count - target) && valid.Count + members.Count < items.Count)
                valid.AddRange(members);
        }
        if (valid.Count == 0) valid.AddRange(groups[order.OrderBy(g => groups[g].Count).First()]); // at least one group
        var validSet = valid.ToHashSet();
        return (Enumerable.Range(0, items.Count).Where(i => !validSet.Contains(i)).ToArray(), valid.Order().ToArray());
    }

    public string Describe() => $"by {GroupName} (no {GroupName} on both sides), target {ValidPct * 100:0.#}% valid, seed {Seed}";
}

/// <summary>Items whose id, file name or path is in an explicit list (or whose CSV column says so) are validation.</summary>
public sealed class ValidListSplitter : ISplitter
{
    private readonly Func<ImageItem, bool> isValid;
    private readonly string description;

    private ValidListSplitter(Func<ImageItem, bool> isValid, string description)
    {
        this.isValid = isValid;
        this.description = description;
    }

    /// <summary>Validation items named by id, file name or full path.</summary>
    public static ValidListSplitter FromList(IEnumerable<string> names)
    {
        var set = names.Select(n => n.Trim()).Where(n => n.Length > 0).ToHashSet(StringComparer.Ordinal);
        return new(i => (i.Id is not null && set.Contains(i.Id)) || set.Contains(Path.GetFileName(i.Path)) || set.Contains(i.Path),
            $"explicit list of {set.Count} validation ids/files");
    }

    /// <summary>A CSV column that is true/1/valid for validation rows (fastai's ColSplitter).</summary>
    public static ValidListSplitter FromColumn(string column) =>
        new(i => i.Fields.TryGetValue(column, out var v)
                ? v.Trim().ToLowerInvariant() is "1" or "true" or "valid" or "yes"
                : throw new DataSourceException($"{i.Describe()}: no column '{column}' to split by."),
            $"CSV column '{column}'");

    public (int[] Train, int[] Valid) Split(IReadOnlyList<ImageItem> items)
    {
        var valid = Enumerable.Range(0, items.Count).Where(i => isValid(items[i])).ToArray();
        var train = Enumerable.Range(0, items.Count).Except(valid).ToArray();
        return (train, valid);
    }

    public string Describe() => description;
}

/// <summary>fastai's GrandparentSplitter: <c>train/&lt;class&gt;/x.jpg</c> and <c>valid/&lt;class&gt;/y.jpg</c>.</summary>
public sealed record FolderSplitter(string TrainFolder = "train", string ValidFolder = "valid") : ISplitter
{
    /// <summary>True when <paramref name="root"/> has both folders.</summary>
    public bool Matches(string root) => Directory.Exists(Path.Combine(root, TrainFolder)) && Directory.Exists(Path.Combine(root, ValidFolder));

    public (int[] Train, int[] Valid) Split(IReadOnlyList<ImageItem> items)
    {
        string Grandparent(ImageItem i) => Path.GetFileName(Path.GetDirectoryName(Path.GetDirectoryName(i.Path))) ?? "";
        var train = new List<int>();
        var valid = new List<int>();
        for (int i = 0; i < items.Count; i++)
        {
            var g = Grandparent(items[i]);
            if (g == TrainFolder) train.Add(i);
            else if (g == ValidFolder) valid.Add(i);
        }
        return (train.ToArray(), valid.ToArray());
    }

    public string Describe() => $"by folder ({TrainFolder}/ and {ValidFolder}/)";
}

/// <summary>
/// Names that look like frames of one sequence: a stem, then a counter after a separator or in brackets
/// (IMG_0001.jpg, StationA__2009-04-21__00-40-00(2).JPG). Frames a few numbers apart are near-duplicates.
/// </summary>
public static partial class SequenceNames
{
    [GeneratedRegex(@"^(?<stem>.*?)(?:[ _\-.](?<n>\d{1,9})|\((?<n>\d{1,9})\))$")]
    private static partial Regex Counter();

    public static (string Stem, long Number)? Parse(string path)
    {
        var match = Counter().Match(Path.GetFileNameWithoutExtension(path));
        return match.Success && match.Groups["stem"].Length > 0
            ? (match.Groups["stem"].Value, long.Parse(match.Groups["n"].Value, System.Globalization.CultureInfo.InvariantCulture))
            : null;
    }
}
