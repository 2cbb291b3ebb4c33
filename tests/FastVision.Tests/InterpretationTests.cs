using FastVision.Data;
using FastVision.Inference;
using FastVision.Interpretation;
using FastVision.Reporting;
using static TorchSharp.torch;

namespace FastVision.Tests;

public class InterpretationTests
{
    private static readonly string[] Classes = ["a", "b", "c"];

    /// <summary>Seven predictions whose confusion matrix is, by hand: a [1 2 0], b [0 1 1], c [1 0 1].</summary>
    private static ClassificationInterpretation HandBuilt() => new(Classes,
    [
        Row(0, 0, 0.8f, 0.1f, 0.1f), Row(1, 0, 0.2f, 0.7f, 0.1f), Row(2, 0, 0.3f, 0.6f, 0.1f),
        Row(3, 1, 0.1f, 0.8f, 0.1f), Row(4, 1, 0.1f, 0.2f, 0.7f),
        Row(5, 2, 0.05f, 0.05f, 0.9f), Row(6, 2, 0.6f, 0.3f, 0.1f),
    ]);

    private static ImagePrediction Row(int i, int target, params float[] p) => new(new ImageItem($"r{i}.jpg"), p, target);

    [Fact]
    public void ConfusionMatrixAndMostConfusedMatchTheHandCount()
    {
        var interp = HandBuilt();
        Assert.Equal(new[,] { { 1, 2, 0 }, { 0, 1, 1 }, { 1, 0, 1 } }, interp.ConfusionMatrix());
        var normalized = interp.NormalizedConfusionMatrix();
        Assert.Equal(2.0 / 3, normalized[0, 1], 12);
        Assert.Equal(0.5, normalized[1, 2], 12);

        Assert.Equal([new ConfusedPair("a", "b", 2), new ConfusedPair("b", "c", 1), new ConfusedPair("c", "a", 1)], interp.MostConfused());
        Assert.Equal([new ConfusedPair("a", "b", 2)], interp.MostConfused(minVal: 2));
        Assert.Contains("a -> b: 2", interp.Report());
    }

    [Fact]
    public void TheNormalizedViewShowsEachRowsSharesAndEmptyRowsAsZero()
    {
        var interp = new ClassificationInterpretation(["a", "b", "c", "d"], [Row(0, 0, 0.8f, 0.1f, 0.1f, 0), Row(1, 0, 0.2f, 0.7f, 0.1f, 0), Row(2, 0, 0.3f, 0.6f, 0.1f, 0), Row(3, 2, 0.1f, 0.1f, 0.8f, 0)]);
        var shares = interp.NormalizedConfusionMatrix();
        for (int a = 0; a < 4; a++)
            Assert.Equal(a is 1 or 3 ? 0 : 1, Enumerable.Range(0, 4).Sum(p => shares[a, p]), 12); // rows sum to 1; b and d have no images
        var text = interp.Report(normalize: true);
        Assert.Contains("row-normalized", text);
        Assert.Matches(@"a\s+0\.33\s+0\.67\s+0\.00\s+0\.00", text);
        Assert.Matches(@"b\s+0\.00\s+0\.00\s+0\.00\s+0\.00", text);
        Assert.DoesNotContain("NaN", text);
        Assert.Matches(@"a\s+1\s+2\s+0\s+0", interp.Report()); // counts by default
    }

    [Fact]
    public void TopLossesAndPerClassScores()
    {
        var interp = HandBuilt();
        var top = interp.TopLosses(2);
        Assert.Equal(["r6.jpg", "r1.jpg"], top.Select(t => t.Item.Path)); // -log 0.1, then -log 0.2 (ties by path)
        Assert.Equal(-Math.Log(0.1), top[0].Loss, 5);
        Assert.Equal(("c", "a", 0.6), (top[0].Actual, top[0].Predicted, Math.Round(top[0].Probability, 5)));

        var scores = interp.PerClass();
        Assert.Equal(0.5, scores[0].Precision, 12);
        Assert.Equal(1.0 / 3, scores[0].Recall, 12);
        Assert.Equal(0.4, scores[0].F1, 12);
        Assert.Equal(1.0 / 3, scores[1].Precision, 12);
        Assert.Equal(0.5, scores[2].F1, 12);
        Assert.Equal([3, 2, 2], scores.Select(s => s.Support));
    }

    [Fact]
    public void UnlabelledPredictionsAreRefused()
    {
        var e = Assert.Throws<ArgumentException>(() => new ClassificationInterpretation(Classes, [Row(0, DataLoader.Unlabelled, 1, 0, 0)]));
        Assert.Contains("r0.jpg", e.Message);
    }

    [Fact]
    public void PlotsAreWritten()
    {
        using var dir = new TempDir();
        var images = DemoDataset.Generate(dir.Combine("images"), perClass: 3, seed: 1, width: 40, height: 30);
        var files = ImageFiles.Find(images).Take(7).ToList();
        var interp = new ClassificationInterpretation(Classes, HandBuilt().Rows.Select((r, i) => r with { Item = new ImageItem(files[i]) }).ToList());
        InterpretationPlots.ConfusionMatrix(interp, dir.Combine("cm.png"));
        InterpretationPlots.TopLosses(interp, dir.Combine("top.png"), k: 4, size: 48);
        foreach (var png in new[] { "cm.png", "top.png" })
        {
            using var bitmap = SkiaSharp.SKBitmap.Decode(dir.Combine(png));
            Assert.True(bitmap.Width > 100 && bitmap.Height > 100, png);
        }
    }

    [Fact]
    public void TestTimeAugmentationBlendsTheMeanOfTheAugmentedPassesWithThePlainOne()
    {
        var tta = new TestTimeAugmentation(Passes: 2, Beta: 0.25);
        var blended = tta.Combine([[[0f, 1f]], [[0.5f, 0.5f]]], [[1f, 0f]]);
        Assert.Equal(0.75 * 0.25 + 0.25 * 1, blended[0][0], 6);
        Assert.Equal(0.75 * 0.75, blended[0][1], 6);
    }

    [Theory]
    [InlineData(4.0)]
    [InlineData(1.0 / 3)]
    public void TemperatureScalingRecoversTheDistortionAndLowersTheLogLoss(double distortion)
    {
        // Labels drawn from softmax(z): z is calibrated, so z * distortion needs temperature = distortion.
        manual_seed(3);
        var z = randn(4000, 4) * 2;
        var targets = multinomial(z.softmax(1), 1).squeeze(1);
        var distorted = z * distortion;

        double t = TemperatureScaling.Fit(distorted, targets);
        Assert.InRange(t, distortion * 0.85, distortion * 1.15);
        Assert.True(TemperatureScaling.LogLoss(distorted, targets, t) < TemperatureScaling.LogLoss(distorted, targets) - 0.01);
    }
}
