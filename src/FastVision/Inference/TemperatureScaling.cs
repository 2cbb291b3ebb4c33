using TorchSharp;
using static TorchSharp.torch;

namespace FastVision.Inference;

/// <summary>
/// Temperature scaling (Guo et al. 2017): one scalar T fitted on the validation set so that softmax(logits / T)
/// has the lowest log loss; accuracy is unchanged (the arg max is the same). The log loss is convex in 1/T,
/// so a golden-section search over log T finds the minimum without a learning rate to tune.
/// </summary>
public static class TemperatureScaling
{
    public const double MinTemperature = 0.05, MaxTemperature = 20;

    /// <summary>The temperature minimizing the mean cross-entropy of <paramref name="logits"/> [N, C] against <paramref name="targets"/>.</summary>
    public static double Fit(Tensor logits, Tensor targets)
    {
        if (targets.numel() == 0) throw new ArgumentException("Temperature scaling needs at least one labelled prediction.");
        double Loss(double logT) => LogLoss(logits, targets, Math.Exp(logT));
        double lo = Math.Log(MinTemperature), hi = Math.Log(MaxTemperature);
        double ratio = (Math.Sqrt(5) - 1) / 2;
        double a = hi - ratio * (hi - lo), b = lo + ratio * (hi - lo);
        double fa = Loss(a), fb = Loss(b);
        while (hi - lo > 1e-5)
        {
            if (fa <= fb) { hi = b; b = a; fb = fa; a = hi - ratio * (hi - lo); fa = Loss(a); }
            else { lo = a; a = b; fa = fb; b = lo + ratio * (hi - lo); fb = Loss(b); }
        }
        return Math.Exp((lo + hi) / 2);
    }

    /// <summary>Mean cross-entropy of softmax(<paramref name="logits"/> / <paramref name="temperature"/>).</summary>
    public static double LogLoss(Tensor logits, Tensor targets, double temperature = 1)
    {
        using var scope = NewDisposeScope();
        using var t = temperature.ToScalar();
        return nn.functional.cross_entropy(logits.div(t), targets).item<float>();
    }
}
