namespace FastVision.Training;

/// <summary>fastai's AvgSmoothLoss: a debiased exponential moving average (beta 0.98) of the batch losses.</summary>
public sealed class SmoothedLoss(double beta = 0.98)
{
    public double Average { get; private set; }
    public int Count { get; private set; }

    public void Add(double loss)
    {
        Count++;
        Average = beta * Average + (1 - beta) * loss;
    }

    /// <summary>Continues from a saved state (resume).</summary>
    public void Restore(double average, int count) => (Average, Count) = (average, count);

    public double Value => Count == 0 ? double.NaN : Average / (1 - Math.Pow(beta, Count));
}
