using TorchSharp;
using static TorchSharp.torch;

namespace FastVision.Metrics;

/// <summary>
/// Multi-class log loss as the competition scores it: probabilities clipped to [1e-15, 1 - 1e-15] and
/// renormalized, mean of -log p(target).
/// </summary>
public sealed class LogLoss : IMetric
{
    private const double Eps = 1e-15;
    private double sum;
    private long count;

    public string Name => "log_loss";
    public bool HigherIsBetter => false;

    public void Reset() => (sum, count) = (0, 0);

    public void Accumulate(Tensor logits, Tensor targets)
    {
        using var scope = NewDisposeScope();
        using var low = Eps.ToScalar();
        using var high = (1 - Eps).ToScalar();
        var p = logits.to(ScalarType.Float64).softmax(1).clamp(low, high);
        p = p / p.sum(1, keepdim: true);
        var picked = p.gather(1, targets.view(-1, 1));
        sum += picked.log().neg().sum().item<double>();
        count += targets.shape[0];
    }

    public double Value => count == 0 ? double.NaN : sum / count;
}
