namespace FastVision.Training;

/// <summary>
/// A learning rate for each parameter group: one value for all, or fastai's <c>slice(lo, hi)</c>, spread
/// geometrically from the earliest layers (lo) to the head (hi).
/// </summary>
public sealed record LearningRates(double Low, double High)
{
    /// <summary>fastai's defaults.lr: what fit and fit_one_cycle use when no rate is given.</summary>
    public const double DefaultFit = 1e-3;

    /// <summary>fastai's fine_tune base_lr.</summary>
    public const double DefaultFineTune = 2e-3;

    /// <summary>fastai's fine_tune lr_mult: the head's rate over the earliest layers' once unfrozen.</summary>
    public const double DefaultFineTuneMult = 100;

    /// <summary>High / Low for a range; fine_tune's default multiplier for a single rate (LO:LO counts as one).</summary>
    public double FineTuneMult => High > Low ? High / Low : DefaultFineTuneMult;

    public static LearningRates All(double lr) => new(lr, lr);

    /// <summary>fastai's slice(lo, hi).</summary>
    public static LearningRates Range(double low, double high) => new(low, high);

    public static implicit operator LearningRates(double lr) => All(lr);

    /// <summary>Parses "1e-3" or "1e-5:1e-3".</summary>
    public static LearningRates Parse(string text)
    {
        var parts = text.Split(':');
        double P(string s) => double.TryParse(s, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var v) && v > 0
            ? v : throw new ArgumentException($"'{text}' is not a learning rate (expected 1e-3 or 1e-5:1e-3).");
        return parts.Length switch
        {
            1 => All(P(parts[0])),
            2 when P(parts[0]) > P(parts[1]) => throw new ArgumentException($"'{text}': the low end (earliest layers) must not exceed the high end (the head)."),
            2 => Range(P(parts[0]), P(parts[1])),
            _ => throw new ArgumentException($"'{text}' is not a learning rate (expected 1e-3 or 1e-5:1e-3)."),
        };
    }

    /// <summary>The rate of each of <paramref name="groups"/> groups (fastai's even_mults).</summary>
    public double[] For(int groups)
    {
        if (groups == 1 || Low == High) return Enumerable.Repeat(High, groups).ToArray();
        double step = Math.Pow(High / Low, 1.0 / (groups - 1));
        return Enumerable.Range(0, groups).Select(i => Low * Math.Pow(step, i)).ToArray();
    }

    public override string ToString() => Low == High
        ? High.ToString("G3", System.Globalization.CultureInfo.InvariantCulture)
        : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Low:G3}:{High:G3}");
}
