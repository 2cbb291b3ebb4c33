using FastVision.Data;
using FastVision.Inference;

namespace FastVision.Tests;

/// <summary>train --progressive SMALL:LARGE: the schedule at the small size, then again at the model's size.</summary>
public class ProgressiveResizingTests
{
    [Fact]
    public void ResizingKeepsTheRecipeAndScalesThePresize()
    {
        var pipeline = ImagePipeline.Default(224) with { Crop = new DetectionCrop(0.3) };
        var small = pipeline.Resized(128);
        Assert.Equal(128, small.Size);
        Assert.Equal((int)Math.Round(460 * 128 / 224.0), small.Presize.Size);
        Assert.Equal(pipeline.Augment, small.Augment);
        Assert.Equal(pipeline.Crop, small.Crop);
        Assert.Equal(pipeline, small.Resized(224) with { Presize = pipeline.Presize });
    }

    [Fact]
    public void TrainRunsTheScheduleAtTheSmallSizeThenAtTheModelSize()
    {
        using var dir = new TempDir();
        var (root, _) = SequenceCliTests.CompetitionLayout(dir);
        var model = dir.Combine("model");
        var train = CliRunner.Run("train", "--data", root, "--progressive", "24:32", "--epochs", "1", "--presize", "40", "--batch-size", "8", "--out", model, "--no-calibrate");
        Assert.True(train.ExitCode == 0, train.Output + train.Errors);
        Assert.Contains("progressive resizing: 24 px (presize 30)", train.Output);
        Assert.Contains("progressive resizing: 32 px (presize 40)", train.Output);
        var metadata = ModelBundle.ReadMetadata(model);
        Assert.Equal(32, metadata.Pipeline.Size);
        Assert.Equal(40, metadata.Pipeline.Presize.Size);
        Assert.Equal(2, metadata.History.Length);

        foreach (var bad in new[] { new[] { "--progressive", "32:24" }, ["--progressive", "128"], ["--progressive", "24:32", "--size", "48"] })
        {
            var refused = CliRunner.Run(["train", "--data", root, "--epochs", "1", "--out", dir.Combine("refused"), .. bad]);
            Assert.Equal(1, refused.ExitCode);
            Assert.Contains("--progressive", refused.Errors);
        }
    }
}
