namespace FastVision.Data;

/// <summary>fastai's RandomSplitter: a seeded permutation; the first valid_pct of it is the validation set.</summary>
public sealed record RandomSplitter(double ValidPct = 0.2, int Seed = 42)
{
    public (int[] Train, int[] Valid) Split(int count)
    {
        if (ValidPct is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(ValidPct), "valid_pct must be in [0, 1).");
        var order = Enumerable.Range(0, count).ToArray();
        new Random(Seed).Shuffle(order);
        int cut = (int)(ValidPct * count);
        return (order[cut..].Order().ToArray(), order[..cut].Order().ToArray());
    }
}
