using TorchSharp;
using static TorchSharp.torch;

namespace FastVision.Training;

/// <summary>
/// fastai's LR range test, a <see cref="ParamScheduler"/> (as fastai's LRFinder is): the learning rate grows exponentially
/// from <paramref name="startLr"/> (the fit's base rate) to <paramref name="endLr"/> over <paramref name="numIterations"/>
/// training batches at momentum 0.9; the run stops early when the smoothed loss exceeds 4x the best (or is NaN); weights
/// and optimizer state are restored afterwards.
/// </summary>
public sealed class LrFinder(double startLr = 1e-7, double endLr = 10, int numIterations = 100, bool stopDivergence = true)
    : ParamScheduler(new Dictionary<string, Schedule>
    {
        [LearningRate] = pct => Math.Pow(endLr / startLr, pct),
        [Momentum] = Schedules.Constant(0.9),
    })
{
    private readonly List<double> lrs = [], losses = [];
    private WeightSnapshot? weights;
    private string? optimizerState;
    private double best = double.PositiveInfinity;

    // After the Recorder: it reads this batch's smoothed loss.
    public override int Order => 55;

    /// <summary>Iterations over <paramref name="numIterations"/>, not the fit's epochs (the fit is only long enough to hold them).</summary>
    protected override double Progress => (double)Learner.TrainIteration / numIterations;

    public IReadOnlyList<double> LearningRates => lrs;

    /// <summary>Smoothed training losses, one per learning rate.</summary>
    public IReadOnlyList<double> Losses => losses;

    public int NumIterations => numIterations;

    public override void BeforeFit()
    {
        weights = WeightSnapshot.Take(Learner.Model);
        optimizerState = Path.Combine(Path.GetTempPath(), $"fastvision-lrfind-{Guid.NewGuid():N}.opt");
        Learner.Optimizer.save_state_dict(optimizerState);
    }

    public override void AfterBatch()
    {
        if (!Learner.Training) return;
        double smooth = Learner.Recorder.SmoothLoss;
        lrs.Add(Learner.CurrentLearningRates[^1]);
        losses.Add(smooth);
        if (smooth < best) best = smooth;
        if (stopDivergence && (double.IsNaN(smooth) || smooth > 4 * best))
            throw new CancelFitException(FormattableString.Invariant($"LR finder done: the loss passed 4x its minimum at lr {lrs[^1]:G3}, as the search intends"));
        if (Learner.TrainIteration + 1 >= numIterations) throw new CancelFitException("LR finder done: the last learning rate was reached");
    }

    public override void BeforeValidate() => throw new CancelEpochException();

    public override void AfterFit()
    {
        if (weights is null) return;
        weights.RestoreInto(Learner.Model);
        weights.Dispose();
        weights = null;
        Learner.Optimizer.load_state_dict(optimizerState!);
        File.Delete(optimizerState!);
    }
}

/// <summary>An LR finder run: the curve and fastai's suggestions.</summary>
public sealed record LrFindResult(IReadOnlyList<double> LearningRates, IReadOnlyList<double> Losses, LrSuggestions Suggestions);

/// <summary>fastai's suggestion functions, on the curve without its first tenth and last five points and cut at the first NaN.</summary>
public sealed record LrSuggestions(double Valley, double Slide, double Minimum, double Steep)
{
    public static LrSuggestions From(IReadOnlyList<double> lrs, IReadOnlyList<double> losses, int numIterations)
    {
        int start = numIterations / 10, end = Math.Max(start, losses.Count - 5);
        var l = lrs.Skip(start).Take(end - start).ToList();
        var y = losses.Skip(start).Take(end - start).ToList();
        int nan = y.FindIndex(double.IsNaN);
        if (nan >= 0) { l = l[..nan]; y = y[..nan]; }
        if (y.Count < 3) throw new ArgumentException($"The LR finder recorded only {y.Count} usable points; use more iterations (--num-it) or a wider range.");
        return new LrSuggestions(ValleyOf(l, y), SlideOf(l, y), MinimumOf(l, y), SteepOf(l, y));
    }

    /// <summary>The longest decreasing run of the curve; the point a third plus a sixth of the way along it.</summary>
    public static double ValleyOf(IReadOnlyList<double> lrs, IReadOnlyList<double> losses)
    {
        int n = losses.Count, maxStart = 0, maxEnd = 0;
        var lds = Enumerable.Repeat(1, n).ToArray();
        for (int i = 1; i < n; i++)
            for (int j = 0; j < i; j++)
            {
                if (losses[i] < losses[j] && lds[i] < lds[j] + 1) lds[i] = lds[j] + 1;
                if (lds[maxEnd] < lds[i])
                {
                    maxEnd = i;
                    maxStart = maxEnd - lds[maxEnd];
                }
            }
        double sections = (maxEnd - maxStart) / 3.0;
        int index = maxStart + (int)sections + (int)(sections / 2); // -1 when no point ever decreases
        return lrs[Math.Clamp(index, 0, n - 1)];
    }

    /// <summary>fastai's slide: walk left from the end until the loss gradient flattens.</summary>
    public static double SlideOf(IReadOnlyList<double> lrs, IReadOnlyList<double> losses, int lrDiff = 15, double threshold = 0.005)
    {
        int n = losses.Count;
        var grad = new double[n];
        for (int i = 0; i < n; i++)
            grad[i] = i == 0 ? losses[1] - losses[0] : i == n - 1 ? losses[n - 1] - losses[n - 2] : (losses[i + 1] - losses[i - 1]) / 2;
        int r = n - 1, l = r - lrDiff;
        double local = lrs[Math.Max(0, l)];
        while (l >= 0 && Math.Abs(grad[r] - grad[l]) > threshold)
        {
            local = lrs[l];
            r--;
            l--;
        }
        return local;
    }

    /// <summary>A tenth of the learning rate at the lowest loss.</summary>
    public static double MinimumOf(IReadOnlyList<double> lrs, IReadOnlyList<double> losses)
    {
        int argmin = 0;
        for (int i = 1; i < losses.Count; i++) if (losses[i] < losses[argmin]) argmin = i;
        return lrs[argmin] / 10;
    }

    /// <summary>The learning rate where the loss falls fastest per log-step.</summary>
    public static double SteepOf(IReadOnlyList<double> lrs, IReadOnlyList<double> losses)
    {
        int best = 0;
        double steepest = double.PositiveInfinity;
        for (int i = 0; i + 1 < losses.Count; i++)
        {
            double g = (losses[i + 1] - losses[i]) / (Math.Log(lrs[i + 1]) - Math.Log(lrs[i]));
            if (g < steepest) { steepest = g; best = i; }
        }
        return lrs[best];
    }
}
