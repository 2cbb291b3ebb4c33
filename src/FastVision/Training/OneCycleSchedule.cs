namespace FastVision.Training;

/// <summary>
/// fastai's one-cycle policy: cosine warm-up from lr_max/div to lr_max over pct_start of training, then
/// cosine annealing to lr_max/div_final; momentum moves the opposite way, 0.95 → 0.85 → 0.95.
/// </summary>
public sealed record OneCycleSchedule(double LrMax, double Div = 25, double DivFinal = 1e5, double PctStart = 0.25,
    double MomMax = 0.95, double MomMin = 0.85)
{
    /// <summary>Learning rate at training progress <paramref name="pct"/> in [0, 1].</summary>
    public double LearningRate(double pct) => pct < PctStart
        ? Cosine(LrMax / Div, LrMax, pct / PctStart)
        : Cosine(LrMax, LrMax / DivFinal, (pct - PctStart) / (1 - PctStart));

    public double Momentum(double pct) => pct < PctStart
        ? Cosine(MomMax, MomMin, pct / PctStart)
        : Cosine(MomMin, MomMax, (pct - PctStart) / (1 - PctStart));

    /// <summary>fastai's SchedCos: start + (1 + cos(pi·(1 - pos))) · (end - start) / 2.</summary>
    public static double Cosine(double start, double end, double pos) =>
        start + (1 + Math.Cos(Math.PI * (1 - pos))) * (end - start) / 2;
}
