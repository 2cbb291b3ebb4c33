using System.Security.Cryptography;
using System.Text;

namespace FastVision.Data;

/// <summary>
/// Which items cross-validation trains and validates on, fold by fold, and which it holds out untouched: whole groups
/// (sites when every image has one, else sequences, else single images) throughout, each class spread in proportion
/// (<see cref="StratifiedGroups"/>). The held-out groups are chosen first; the folds split the rest.
/// </summary>
/// <param name="Data">The items the folds split (the held-out ones removed).</param>
/// <param name="FoldOf">The fold of every item of <paramref name="Data"/>: model k validates on fold k and trains on the others.</param>
/// <param name="Holdout">Items no fold model sees: the ensemble of the fold models is scored on them once, at the end.</param>
public sealed record CrossValidationPlan(DataSet Data, GroupFolds Folds, int[] FoldOf, IReadOnlyList<ImageItem> Holdout)
{
    /// <param name="holdoutPct">Share of the items (whole groups) held out; 0 for none.</param>
    public static CrossValidationPlan Create(DataSet data, int folds, double holdoutPct = 0, int seed = 42)
    {
        if (folds < 2) throw new ArgumentOutOfRangeException(nameof(folds), folds, "Cross-validation needs at least two folds.");
        if (!(holdoutPct is >= 0 and < 1)) throw new ArgumentOutOfRangeException(nameof(holdoutPct), holdoutPct, "The held-out share is in [0, 1).");
        var (groupOf, groupName) = Grouping(data.Items);
        var items = data.Items;
        IReadOnlyList<ImageItem> holdout = [];
        if (holdoutPct > 0)
        {
            var side = StratifiedGroups.Assign(items, groupOf, groupName, [1 - holdoutPct, holdoutPct], seed);
            holdout = [.. items.Where((_, i) => side[i] == 1)];
            items = [.. items.Where((_, i) => side[i] == 0)];
        }
        var groupFolds = new GroupFolds(groupOf, folds, groupName, seed);
        var foldOf = groupFolds.FoldOf(items);
        var held = holdout.Count == 0 ? "" : $", {holdout.Count} images ({holdout.Select(groupOf).Distinct().Count()} {groupName}s) held out";
        var rest = data with
        {
            Items = items, Train = [.. Enumerable.Range(0, items.Count)], Valid = [],
            Split = $"{folds} folds by {groupName} (stratified by class, seed {seed}){held}",
        };
        return new CrossValidationPlan(rest, groupFolds, foldOf, holdout);
    }

    /// <summary>Whole sites when every image has one, else whole sequences, else single images.</summary>
    private static (Func<ImageItem, string?> GroupOf, string Name) Grouping(IReadOnlyList<ImageItem> items) =>
        items.All(i => i.Site is not null) ? (i => i.Site, "site")
        : items.All(i => i.Sequence is not null) ? (i => i.Sequence, "sequence")
        : (i => i.Path, "image");

    public int Count => Folds.Count;

    /// <summary>The data set with fold <paramref name="fold"/> as its validation part and the other folds as its training part.</summary>
    public DataSet FoldData(int fold)
    {
        var (train, valid) = GroupFolds.Split(FoldOf, fold);
        return Data with { Train = train, Valid = valid, Split = Folds.Fold(fold).Describe() };
    }

    /// <summary>
    /// A digest of the assignment (every item's path and fold, the held-out paths): a resumed run checks it, so folds finished
    /// on other data or another seed are never mixed into this run's figures.
    /// </summary>
    public string Fingerprint()
    {
        var text = new StringBuilder();
        for (int i = 0; i < Data.Items.Count; i++) text.Append(Data.Items[i].Path).Append('\t').Append(FoldOf[i]).Append('\n');
        foreach (var item in Holdout) text.Append(item.Path).Append("\tholdout\n");
        foreach (var c in Data.Classes) text.Append(c).Append("\tclass\n");
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }
}
