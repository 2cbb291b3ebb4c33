namespace FastVision.Training;

public partial class Learner
{
    /// <summary>fastai's fit_one_cycle.</summary>
    public void FitOneCycle(int epochs, LearningRates? lrMax = null, double div = 25, double divFinal = 1e5, double pctStart = 0.25,
        IEnumerable<Callback>? callbacks = null, int startEpoch = 0)
    {
        var schedule = new OneCycleSchedule(1, div, divFinal, pctStart);
        Fit(epochs, lrMax ?? LearningRates.All(LearningRates.DefaultFit),
            [new ParamScheduler(schedule.LearningRateShape, schedule.Momentum), .. callbacks ?? []], startEpoch);
    }

    /// <summary>fastai's fit_flat_cos: flat at lr until pct_start, then cosine annealing to lr/div_final; momentum 0.95 flat.</summary>
    public void FitFlatCos(int epochs, LearningRates? lr = null, double divFinal = 1e5, double pctStart = 0.75,
        IEnumerable<Callback>? callbacks = null, int startEpoch = 0)
    {
        var shape = Schedules.Combine([pctStart, 1 - pctStart], Schedules.Constant(1), Schedules.Cosine(1, 1 / divFinal));
        Fit(epochs, lr ?? LearningRates.All(LearningRates.DefaultFit), [new ParamScheduler(shape, Schedules.Constant(0.95)), .. callbacks ?? []], startEpoch);
    }

    /// <summary>
    /// fastai's fine_tune: freeze; fit_one_cycle(freezeEpochs, baseLr, pct_start 0.99); halve baseLr; unfreeze;
    /// fit_one_cycle(epochs, slice(baseLr / lrMult, baseLr), pctStart, div).
    /// </summary>
    public void FineTune(int epochs, double baseLr = LearningRates.DefaultFineTune, int freezeEpochs = 1, double lrMult = LearningRates.DefaultFineTuneMult, double pctStart = 0.3, double div = 5,
        IEnumerable<Callback>? callbacks = null)
    {
        var extra = (callbacks ?? []).ToList();
        Freeze();
        if (freezeEpochs > 0) FitOneCycle(freezeEpochs, baseLr, pctStart: 0.99, callbacks: extra);
        baseLr /= 2;
        Unfreeze();
        FitOneCycle(epochs, LearningRates.Range(baseLr / lrMult, baseLr), div: div, pctStart: pctStart, callbacks: extra);
    }

    /// <summary>
    /// fastai's progressive resizing: <paramref name="train"/> (a schedule: fine_tune, fit_one_cycle...) once per size in
    /// <paramref name="sizes"/>, smallest first, each time on the loaders' pipeline at that size (presize scaled with it), so
    /// the later schedules start from the weights the earlier ones reached; the pipeline is the one it started with at the end.
    /// </summary>
    public void FitProgressive(IReadOnlyList<int> sizes, Action<int> train)
    {
        var full = Dls.Pipeline;
        try
        {
            foreach (var size in sizes)
            {
                Dls.Pipeline = size == full.Size ? full : full.Resized(size);
                train(size);
            }
        }
        finally
        {
            Dls.Pipeline = full;
        }
    }

    /// <summary>True during <see cref="LrFind"/>'s fit: its batches are a search, not training (fastai's hasattr(learn, 'lr_finder')), so loggers skip them.</summary>
    public bool IsFindingLr => active.Exists(c => c is LrFinder);

    /// <summary>fastai's lr_find: the LR range test; weights and optimizer state are as before when it returns.</summary>
    public LrFindResult LrFind(double startLr = 1e-7, double endLr = 10, int numIterations = 100, bool stopDivergence = true)
    {
        var finder = new LrFinder(startLr, endLr, numIterations, stopDivergence);
        int recorded = Recorder.Losses.Count;
        int epochs = (int)Math.Ceiling((double)numIterations / Math.Max(1, TrainSource.BatchCount));
        Fit(epochs, startLr, [finder], 0, countsAsFit: false);
        Recorder.TruncateBatches(recorded); // the finder's batches are not part of the training curves
        return new LrFindResult(finder.LearningRates, finder.Losses, LrSuggestions.From(finder.LearningRates, finder.Losses, numIterations));
    }
}

