namespace FastVision.Training;

/// <summary>A value over training progress pct in [0, 1] (fastai's schedule functions).</summary>
public delegate double Schedule(double pct);

/// <summary>fastai's SchedLin, SchedCos, SchedNo, SchedExp and combine_scheds.</summary>
public static class Schedules
{
    public static Schedule Linear(double start, double end) => pct => start + pct * (end - start);

    /// <summary>start + (1 + cos(pi·(1 - pct))) · (end - start) / 2.</summary>
    public static Schedule Cosine(double start, double end) => pct => start + (1 + Math.Cos(Math.PI * (1 - pct))) * (end - start) / 2;

    public static Schedule Constant(double value) => _ => value;

    public static Schedule Exponential(double start, double end) => pct => start * Math.Pow(end / start, pct);

    /// <summary>Runs <paramref name="parts"/> one after the other; <paramref name="pcts"/> are their shares of training.</summary>
    public static Schedule Combine(double[] pcts, params Schedule[] parts)
    {
        if (pcts.Length != parts.Length) throw new ArgumentException("One share per schedule.", nameof(pcts));
        var starts = new double[pcts.Length];
        for (int i = 1; i < pcts.Length; i++) starts[i] = starts[i - 1] + pcts[i - 1];
        return pct =>
        {
            int i = pcts.Length - 1;
            while (i > 0 && pct < starts[i]) i--;
            double local = pcts[i] == 0 ? 1 : Math.Clamp((pct - starts[i]) / pcts[i], 0, 1);
            return parts[i](local);
        };
    }
}

/// <summary>
/// fastai's one-cycle policy: cosine warm-up from lr_max/div to lr_max over pct_start of training, then
/// cosine annealing to lr_max/div_final; momentum moves the opposite way, 0.95 → 0.85 → 0.95.
/// </summary>
public sealed record OneCycleSchedule(double LrMax, double Div = 25, double DivFinal = 1e5, double PctStart = 0.25,
    double MomMax = 0.95, double MomMin = 0.85)
{
    public double LearningRate(double pct) => LearningRateShape(pct) * LrMax;

    /// <summary>The learning rate for an lr_max of 1; multiply by each group's lr_max.</summary>
    public double LearningRateShape(double pct) => Schedules.Combine([PctStart, 1 - PctStart],
        Schedules.Cosine(1 / Div, 1), Schedules.Cosine(1, 1 / DivFinal))(pct);

    public double Momentum(double pct) => Schedules.Combine([PctStart, 1 - PctStart],
        Schedules.Cosine(MomMax, MomMin), Schedules.Cosine(MomMin, MomMax))(pct);
}
