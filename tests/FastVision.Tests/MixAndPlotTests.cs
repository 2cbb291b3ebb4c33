using FastVision.Callbacks;
using FastVision.Data;
using FastVision.Reporting;
using FastVision.Training;
using SkiaSharp;
using static TorchSharp.torch;

namespace FastVision.Tests;

public class MixAndPlotTests
{
    private static Learner Tiny(TempDir dir) => VisionLearner.Create(
        ImageDataLoaders.FromFolder(DemoDataset.Generate(dir.Combine("data"), 8, seed: 9, width: 48, height: 36),
            new DataLoaderOptions { Size = 32, Presize = 40, BatchSize = 8, Seed = 9 }),
        options: new LearnerOptions { Log = null });

    /// <summary>Captures the first training batch before and after the mixing callback ran.</summary>
    private sealed class InputProbe(int order) : Callback
    {
        public Tensor? Seen { get; private set; }
        public override int Order => order;
        public override void BeforeBatch()
        {
            if (Learner.Training && Seen is null) Seen = Learner.Xb!.detach().clone().DetachFromDisposeScope();
        }
    }

    [Theory]
    [InlineData("mixup")]
    [InlineData("cutmix")]
    public void MixingChangesTrainingInputsAndLossButNotValidation(string kind)
    {
        using var dir = new TempDir();
        using var learn = Tiny(dir);
        var original = learn.LossFunction;
        Callback mix = kind == "mixup" ? new MixUp() : new CutMix();
        var before = new InputProbe(10);
        var after = new InputProbe(30);
        learn.Fit(1, 1e-3, [mix, before, after]);
        Assert.Single(learn.History);
        Assert.True(double.IsFinite(learn.History[0].TrainLoss) && double.IsFinite(learn.History[0].ValidLoss));
        Assert.Same(original, learn.LossFunction); // restored after training
        Assert.Equal(before.Seen!.shape, after.Seen!.shape);
        Assert.True((before.Seen - after.Seen).abs().max().item<float>() > 1e-3f, $"{kind} left the batch unchanged");
    }

    [Fact]
    public void PlotsAreWrittenAsPngs()
    {
        using var dir = new TempDir();
        using var learn = Tiny(dir);
        var found = learn.LrFind(1e-5, 1, numIterations: 16, stopDivergence: false);
        learn.FitOneCycle(1, 1e-3);
        TrainingPlots.Losses(learn, dir.Combine("loss.png"));
        TrainingPlots.Schedule(learn, dir.Combine("schedule.png"));
        TrainingPlots.LrFind(found, dir.Combine("lr_find.png"));
        foreach (var name in new[] { "loss.png", "schedule.png", "lr_find.png" })
        {
            using var bitmap = SKBitmap.Decode(dir.Combine(name));
            Assert.Equal((800, 500), (bitmap.Width, bitmap.Height));
        }
    }
}
