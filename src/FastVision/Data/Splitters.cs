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
/// Whole groups (camera sites) go to one side — no group on both sides — and each class's share of the validation set
/// stays close to its share of the whole set (a site split that ignores classes can leave a species out of validation or
/// put 1% birds there against 10% overall), with the validation share close to valid_pct. The assignment is
/// <see cref="StratifiedGroups"/>' (scikit-learn's StratifiedGroupKFold idea, greedy, seeded).
/// </summary>
public sealed record GroupSplitter(Func<ImageItem, string?> GroupOf, string GroupName = "site", double ValidPct = 0.2, int Seed = 42) : ISplitter
{
    public static GroupSplitter BySite(double validPct = 0.2, int seed = 42) => new(i => i.Site, "site", validPct, seed);

    /// <summary>By <see cref="ImageItem.Sequence"/>: the frames of one trigger are near-duplicates, so one on both sides leaks like a site does.</summary>
    public static GroupSplitter BySequence(double validPct = 0.2, int seed = 42) => new(i => i.Sequence, "sequence", validPct, seed);

    public (int[] Train, int[] Valid) Split(IReadOnlyList<ImageItem> items)
    {
        if (ValidPct is <= 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(ValidPct), "valid_pct must be in (0, 1).");
        var bins = StratifiedGroups.Assign(items, GroupOf, GroupName, [1 - ValidPct, ValidPct], Seed);
        return (Enumerable.Range(0, items.Count).Where(i => bins[i] == 0).ToArray(), Enumerable.Range(0, items.Count).Where(i => bins[i] == 1).ToArray());
    }

    public string Describe() => $"by {GroupName} (no {GroupName} on both sides), stratified by class, target {ValidPct * 100:0.#}% valid, seed {Seed}";
}

/// <summary>
/// K folds of whole groups (sites, sequences), each class spread over the folds in proportion: fold k is the validation
/// set of model k in cross-validation, and every item is in exactly one fold.
/// </summary>
public sealed record GroupFolds(Func<ImageItem, string?> GroupOf, int Count = 5, string GroupName = "site", int Seed = 42)
{
    public static GroupFolds BySite(int count = 5, int seed = 42) => new(i => i.Site, count, "site", seed);

    /// <summary>The fold of every item.</summary>
    public int[] FoldOf(IReadOnlyList<ImageItem> items)
    {
        if (Count < 2) throw new ArgumentOutOfRangeException(nameof(Count), "Cross-validation needs at least two folds.");
        return StratifiedGroups.Assign(items, GroupOf, GroupName, [.. Enumerable.Repeat(1.0 / Count, Count)], Seed);
    }

    /// <summary>The split whose validation set is fold <paramref name="fold"/>.</summary>
    public ISplitter Fold(int fold) => new FoldSplitter(this, fold);

    /// <summary>Training and validation positions for fold <paramref name="fold"/> of an assignment <see cref="FoldOf"/> made once for all folds.</summary>
    public static (int[] Train, int[] Valid) Split(int[] foldOf, int fold) =>
        (Enumerable.Range(0, foldOf.Length).Where(i => foldOf[i] != fold).ToArray(), Enumerable.Range(0, foldOf.Length).Where(i => foldOf[i] == fold).ToArray());

    private sealed record FoldSplitter(GroupFolds Folds, int Fold) : ISplitter
    {
        public (int[] Train, int[] Valid) Split(IReadOnlyList<ImageItem> items) => GroupFolds.Split(Folds.FoldOf(items), Fold);

        public string Describe() => $"fold {Fold + 1} of {Folds.Count} by {Folds.GroupName} (stratified by class, seed {Folds.Seed})";
    }
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

    /// <summary>
    /// A CSV column saying which rows are validation (fastai's ColSplitter): true/1/yes/valid for validation, false/0/no/train
    /// for training, any case; another value (an empty cell too) is an error naming the row, never silently training.
    /// </summary>
    public static ValidListSplitter FromColumn(string column) =>
        new(i => i.Fields.TryGetValue(column, out var v)
                ? v.Trim().ToLowerInvariant() switch
                {
                    "1" or "true" or "yes" or "valid" => true,
                    "0" or "false" or "no" or "train" => false,
                    _ => throw new DataSourceException($"{i.Describe()}: column '{column}' is '{v}', expected true/false or 1/0."),
                }
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

/// <summary>
/// fastai's GrandparentSplitter, for any depth: the top folder below <paramref name="Root"/> decides,
/// <c>train/&lt;class&gt;/x.jpg</c> or <c>valid/&lt;species&gt;/&lt;sequence&gt;/y.jpg</c>; files below neither take no part.
/// </summary>
public sealed record FolderSplitter(string Root, string TrainFolder = "train", string ValidFolder = "valid") : ISplitter
{
    /// <summary>True when <see cref="Root"/> has both folders.</summary>
    public bool Matches() => Directory.Exists(Path.Combine(Root, TrainFolder)) && Directory.Exists(Path.Combine(Root, ValidFolder));

    public (int[] Train, int[] Valid) Split(IReadOnlyList<ImageItem> items)
    {
        var top = FolderLevel.Top(0);
        var train = new List<int>();
        var valid = new List<int>();
        for (int i = 0; i < items.Count; i++)
        {
            var folder = top.Of(items[i].Path, Root);
            if (folder == TrainFolder) train.Add(i);
            else if (folder == ValidFolder) valid.Add(i);
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
