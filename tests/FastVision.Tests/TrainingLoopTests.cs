using FastVision.Callbacks;
using FastVision.Data;
using FastVision.Metrics;
using FastVision.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace FastVision.Tests;

public class TrainingLoopTests
{
    private static Learner Tiny(TempDir dir, int perClass = 8, LearnerOptions? options = null)
    {
        var dls = ImageDataLoaders.FromFolder(DemoDataset.Generate(dir.Path, perClass, seed: 8, width: 48, height: 36),
            new DataLoaderOptions { Size = 32, Presize = 40, BatchSize = 8, Seed = 8 });
        return VisionLearner.Create(dls, options: options ?? new LearnerOptions { Log = null });
    }

    private static Dictionary<string, Tensor> Snapshot(Learner learn) =>
        learn.Model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone());

    private static List<string> Changed(Dictionary<string, Tensor> before, Learner learn)
    {
        var after = learn.Model.state_dict();
        return before.Where(kv => !kv.Value.allclose(after[kv.Key], rtol: 0, atol: 0)).Select(kv => kv.Key).ToList();
    }

    /// <summary>Records each fit's base rates and the optimizer's rates at every training batch.</summary>
    private sealed class RateProbe : Callback
    {
        public List<double[]> FitBases { get; } = [];
        public List<double[]> BatchRates { get; } = [];
        public override int Order => 10;
        public override void BeforeFit() => FitBases.Add([.. Learner.BaseLearningRates]);
        public override void BeforeBatch()
        {
            if (Learner.Training) BatchRates.Add(Learner.Optimizer.ParamGroups.Select(g => g.LearningRate).ToArray());
        }
    }

    [Fact]
    public void FineTuneTrainsTheHeadFrozenThenAllWithDiscriminativeRates()
    {
        using var dir = new TempDir();
        using var learn = Tiny(dir);
        var probe = new RateProbe();
        var frozenPhase = new List<string>();
        var before = Snapshot(learn);
        learn.AddCallback(probe);
        learn.AddCallback(new AfterFirstFit(() => frozenPhase.AddRange(Changed(before, learn))));
        learn.FineTune(1, baseLr: 2e-3);

        Assert.Equal(2, learn.History.Count);
        Assert.Contains("head.8.weight", frozenPhase);
        Assert.Contains("body.layer4.2.bn2.weight", frozenPhase);
        Assert.DoesNotContain("body.conv1.weight", frozenPhase);
        Assert.DoesNotContain("body.layer2.0.conv1.weight", frozenPhase);
        Assert.Contains("body.conv1.weight", Changed(before, learn));

        Assert.Equal([2e-3, 2e-3, 2e-3], probe.FitBases[0]);
        Assert.Equal(new[] { 1e-5, 1e-4, 1e-3 }, probe.FitBases[1].Select(v => Math.Round(v, 12)));
        // One-cycle in phase 2 starts at lr/div (div 5) in every group, in the geometric ratio.
        var first = probe.BatchRates[learn.Dls.Train.BatchCount];
        Assert.Equal(1e-5 / 5, first.Min(), 12);
        Assert.Equal(1e-3 / 5, first.Max(), 12);
    }

    private sealed class AfterFirstFit(Action action) : Callback
    {
        private bool done;
        public override void AfterFit()
        {
            if (!done) action();
            done = true;
        }
    }

    [Fact]
    public void NaNLossStopsTheFitAndKeepsTheLastGoodWeights()
    {
        using var dir = new TempDir();
        using var learn = Tiny(dir);
        learn.Fit(1, 1e-3);
        var good = Snapshot(learn);
        var normal = learn.LossFunction;
        int calls = 0;
        learn.LossFunction = (p, y) => ++calls == 2 ? normal(p, y) * double.NaN : normal(p, y);
        learn.Fit(3, 1e-3, [new TerminateOnNaNCallback()]);
        Assert.NotNull(learn.CancelReason);
        Assert.Contains("NaN", learn.CancelReason);
        Assert.Single(learn.History); // the interrupted epoch left no row
        Assert.Empty(Changed(good, learn));
    }

    [Fact]
    public void EarlyStoppingReduceLrAndSaveModelFollowTheirMonitor()
    {
        using var dir = new TempDir();
        using var learn = Tiny(dir);
        // A min_delta nothing can beat: the first epoch sets the best, the next one "fails to improve".
        learn.Fit(5, 1e-3, [new EarlyStoppingCallback("accuracy", minDelta: 2, patience: 1)]);
        Assert.Equal(2, learn.History.Count);
        Assert.Contains("early stopping", learn.CancelReason);

        var reduce = new ReduceLROnPlateau("valid_loss", minDelta: 1e9, patience: 1, factor: 10);
        var probe = new RateProbe();
        learn.Fit(2, 1e-3, [reduce, probe]);
        Assert.Equal(1, reduce.Reductions);
        Assert.Equal(1e-4, learn.BaseLearningRates[^1], 12);

        Dictionary<string, Tensor>? afterFirst = null;
        var save = new SaveModelCallback("valid_loss", minDelta: 1e9);
        learn.Fit(2, 1e-3, [save, new AfterEpochOnce(() => afterFirst = Snapshot(learn))]);
        Assert.Equal(0, save.BestEpoch);
        Assert.Empty(Changed(afterFirst!, learn)); // the weights of epoch 0 were loaded back
    }

    private sealed class AfterEpochOnce(Action action) : Callback
    {
        private bool done;
        public override int Order => 100;
        public override void AfterEpoch()
        {
            if (!done) action();
            done = true;
        }
    }

    [Fact]
    public void LrFinderRestoresWeightsAndRecordsAnExponentialRamp()
    {
        using var dir = new TempDir();
        using var learn = Tiny(dir, perClass: 10);
        var before = Snapshot(learn);
        var result = learn.LrFind(startLr: 1e-6, endLr: 1, numIterations: 12, stopDivergence: false);
        Assert.Empty(Changed(before, learn));
        Assert.Empty(learn.History);
        Assert.Empty(learn.Recorder.SmoothLosses); // the ramp is not part of the training curves
        Assert.InRange(result.LearningRates.Count, 10, 12);
        Assert.Equal(1e-6, result.LearningRates[0], 12);
        for (int i = 1; i < result.LearningRates.Count; i++)
            Assert.Equal(Math.Pow(1e6, 1.0 / 12), result.LearningRates[i] / result.LearningRates[i - 1], 6);
    }

    [Fact]
    public void SuggestionsPickTheExpectedPointsOfASyntheticCurve()
    {
        // A loss that is flat, falls steepest around 1e-3, bottoms out at 1e-1, then explodes.
        var lrs = Enumerable.Range(0, 100).Select(i => 1e-7 * Math.Pow(1e8, i / 99.0)).ToList();
        var losses = lrs.Select(lr =>
        {
            double x = Math.Log10(lr);
            return 2 - 1.5 / (1 + Math.Exp(-2.5 * (x + 3))) + (x > -1 ? 3 * (x + 1) * (x + 1) : 0);
        }).ToList();
        var s = LrSuggestions.From(lrs, losses, 100);
        Assert.InRange(Math.Log10(s.Steep), -3.2, -2.8);
        Assert.InRange(Math.Log10(s.Minimum), -2.2, -1.8);    // lr at the minimum (1e-1) / 10
        Assert.InRange(Math.Log10(s.Valley), -4.5, -1.5);     // inside the long descent
        Assert.True(s.Slide < 1e-1);

        losses[50] = double.NaN; // cut at the first NaN
        var cut = LrSuggestions.From(lrs, losses, 100);
        Assert.True(cut.Minimum < lrs[50]);
    }

    [Fact]
    public void MetricsComputeOnAHandBuiltBatch()
    {
        using var scope = NewDisposeScope();
        var logits = tensor(new float[] { 2, 1, 0, 0, 2, 1, 1, 0, 2, 0, 1, 2 }, [4, 3]);
        var targets = tensor(new long[] { 0, 1, 0, 0 });
        IMetric[] metrics = [new Accuracy(), new ErrorRate(), new TopKAccuracy(2), new PerClassAccuracy(["a", "b", "c"]), new LogLoss()];
        foreach (var m in metrics) { m.Reset(); m.Accumulate(logits, targets); }
        Assert.Equal(0.5, metrics[0].Value, 12);                  // rows 0 and 1 right
        Assert.Equal(0.5, metrics[1].Value, 12);
        Assert.Equal(0.75, metrics[2].Value, 12);                 // row 2's target (0) is second best
        Assert.Equal((1.0 / 3 + 1) / 2, metrics[3].Value, 12);    // class a: 1 of 3, class b: 1 of 1
        var expected = new[] { (0, new[] { 2.0, 1, 0 }), (1, new[] { 0.0, 2, 1 }), (0, new[] { 1.0, 0, 2 }), (0, new[] { 0.0, 1, 2 }) }
            .Average(r => -Math.Log(Math.Exp(r.Item2[r.Item1]) / r.Item2.Sum(Math.Exp)));
        Assert.Equal(expected, metrics[4].Value, 9);
    }

    [Fact]
    public void SlicesSpreadGeometricallyAndSchedulesHitTheirEnds()
    {
        Assert.Equal(new[] { 1e-5, 1e-4, 1e-3 }, LearningRates.Range(1e-5, 1e-3).For(3).Select(v => Math.Round(v, 12)));
        Assert.Equal([3e-3, 3e-3], LearningRates.All(3e-3).For(2));
        Assert.Equal(LearningRates.Range(1e-5, 1e-3), LearningRates.Parse("1e-5:1e-3"));
        var flatCos = Schedules.Combine([0.75, 0.25], Schedules.Constant(1), Schedules.Cosine(1, 1e-5));
        Assert.Equal(1, flatCos(0.5), 12);
        Assert.Equal(1e-5, flatCos(1), 12);
        Assert.Equal(1e-3, Schedules.Exponential(1e-7, 10)(0.5), 12);
    }

    [Fact]
    public void InteractiveProgressDrawsBarsAndPrintsTheTableAndMessagesAboveThem()
    {
        using var dir = new TempDir();
        using var learn = Tiny(dir);
        var output = new StringWriter();
        var console = Spectre.Console.AnsiConsole.Create(new Spectre.Console.AnsiConsoleSettings
        {
            Out = new Spectre.Console.AnsiConsoleOutput(output),
            Ansi = Spectre.Console.AnsiSupport.Yes,
            Interactive = Spectre.Console.InteractionSupport.Yes,
        });
        learn.AddCallback(new ProgressCallback(console));
        learn.AddCallback(new SlowBatches()); // each bar lives through a few of Spectre's 100 ms refreshes
        learn.AddCallback(new ReduceLROnPlateau("valid_loss", minDelta: 1e9, patience: 1, factor: 10));
        learn.FitOneCycle(2, 1e-3);

        var text = output.ToString();
        Assert.Contains("epoch 1/2 train", text);
        Assert.Contains("epoch 2/2 valid", text);
        Assert.Contains("train_loss", text);
        Assert.Contains("no improvement in valid_loss", text);
        Assert.Contains("━", text); // Spectre's bar
        Assert.Null(learn.Log); // restored after the fit
    }

    private sealed class SlowBatches : Callback
    {
        public override void AfterBatch() => Thread.Sleep(250);
    }
}
