using FastVision.Data;
using FastVision.Inference;
using FastVision.Metrics;
using FastVision.Training;

namespace FastVision.Tests;

public class PredictorTests
{
    private static Learner TrainedTiny(TempDir dir)
    {
        var dls = ImageDataLoaders.FromFolder(DemoDataset.Generate(dir.Combine("data"), perClass: 8, seed: 4, width: 48, height: 36),
            new DataLoaderOptions { Size = 32, Presize = 40, BatchSize = 8, Seed = 4 });
        var learn = VisionLearner.Create(dls, options: new LearnerOptions { Log = null, Seed = 4, Metrics = _ => [new LogLoss(), new Accuracy()] });
        learn.FitOneCycle(1, 2e-3);
        return learn;
    }

    [Fact]
    public void AnExportedModelPredictsTheValidationSetAsTheLearnerValidatesIt()
    {
        using var dir = new TempDir();
        using var learn = TrainedTiny(dir);
        var (_, metrics) = learn.Validate();
        learn.Export(dir.Combine("model"));

        using var predictor = Predictor.Load(dir.Combine("model"), new PredictorOptions { BatchSize = 5 });
        var result = predictor.Predict(learn.Dls.Valid.Items);
        Assert.Equal(learn.Dls.Valid.Count, result.Rows.Count);
        var again = Metric.OfProbabilities(result.Rows.Select(r => r.Probabilities).ToList(), result.Rows.Select(r => r.Target).ToList(), [new LogLoss(), new Accuracy()]);
        Assert.Equal(metrics["log_loss"], again["log_loss"], 4);
        Assert.Equal(metrics["accuracy"], again["accuracy"], 6);
    }

    /// <summary>On CPUs without cache info, batches of two or more once took kernels that computed wrongly; one image at a time did not.</summary>
    [Theory]
    [InlineData(PredictionEngine.Torch)]
    [InlineData(PredictionEngine.Onnx)]
    public void PredictionsDoNotDependOnTheBatchSize(PredictionEngine engine)
    {
        using var dir = new TempDir();
        using var learn = TrainedTiny(dir);
        learn.Export(dir.Combine("model"));
        using var one = Predictor.Load(dir.Combine("model"), new PredictorOptions { BatchSize = 1, Engine = engine });
        using var many = Predictor.Load(dir.Combine("model"), new PredictorOptions { BatchSize = 6, Engine = engine });
        var a = one.Predict(learn.Dls.Valid.Items).Rows;
        var b = many.Predict(learn.Dls.Valid.Items).Rows;
        Assert.Equal(a.Count, b.Count);
        for (int i = 0; i < a.Count; i++)
            for (int c = 0; c < a[i].Probabilities.Length; c++)
                Assert.Equal(a[i].Probabilities[c], b[i].Probabilities[c], tolerance: 1e-5);
    }

    [Fact]
    public void TestTimeAugmentationWithBetaOneIsThePlainPredictionAndOtherwiseDiffers()
    {
        using var dir = new TempDir();
        using var learn = TrainedTiny(dir);
        learn.Export(dir.Combine("model"));
        var items = learn.Dls.Valid.Items.Select(i => i with { Label = null }).ToList(); // prediction needs no labels

        float[][] Predict(TestTimeAugmentation? tta)
        {
            using var predictor = Predictor.Load(dir.Combine("model"), new PredictorOptions { Tta = tta });
            return predictor.Predict(items).Rows.Select(r => r.Probabilities).ToArray();
        }
        var plain = Predict(null);
        var betaOne = Predict(new TestTimeAugmentation(Passes: 2, Beta: 1));
        var tta = Predict(new TestTimeAugmentation());
        for (int i = 0; i < plain.Length; i++) Assert.Equal(plain[i], betaOne[i]);
        Assert.Contains(Enumerable.Range(0, plain.Length), i => Math.Abs(plain[i][0] - tta[i][0]) > 1e-4);
        Assert.All(tta, row => Assert.Equal(1.0, row.Sum(p => (double)p), 4));
    }

    [Fact]
    public void CalibrationIsExportedAndAppliedAtPrediction()
    {
        using var dir = new TempDir();
        using var learn = TrainedTiny(dir);
        var calibration = learn.Calibrate();
        Assert.True(calibration.ValidLogLossAfter <= calibration.ValidLogLossBefore + 1e-6);
        learn.Export(dir.Combine("model"));

        using var calibrated = Predictor.Load(dir.Combine("model"));
        using var raw = Predictor.Load(dir.Combine("model"), new PredictorOptions { Calibrated = false });
        Assert.Equal(calibration.Temperature, calibrated.Temperature, 12);
        Assert.Equal(1, raw.Temperature);
        var rows = calibrated.Predict(learn.Dls.Valid.Items).Rows;
        var logLoss = Metric.OfProbabilities(rows.Select(r => r.Probabilities).ToList(), rows.Select(r => r.Target).ToList(), [new LogLoss()])["log_loss"];
        Assert.Equal(calibration.ValidLogLossAfter, logLoss, 3);
    }
}
