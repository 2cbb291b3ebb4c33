namespace FastVision.Training;

/// <summary>fastai's AvgSmoothLoss: a debiased exponential moving average (beta 0.98) of the batch losses.</summary>
public sealed class SmoothedLoss(double beta = 0.98)
{
    private double average;
    private int count;

    public void Add(double loss)
    {
        count++;
        average = beta * average + (1 - beta) * loss;
    }

    public double Value => count == 0 ? double.NaN : average / (1 - Math.Pow(beta, count));
}
