using FastVision.Data;
using SkiaSharp;

namespace FastVision.Tests;

/// <summary>Sets smaller than one batch: the batch is lowered to the training set (and said so), or refused with the counts.</summary>
public class SmallDataSetTests
{
    /// <summary>train/ and valid/ folders with two classes, <paramref name="train"/> and <paramref name="valid"/> images per class.</summary>
    private static string Folders(TempDir dir, int train, int valid)
    {
        foreach (var (split, n) in new[] { ("train", train), ("valid", valid) })
            foreach (var (label, color) in new[] { ("cat", SKColors.Red), ("dog", SKColors.Blue) })
                for (int i = 0; i < n; i++) TestImages.Solid(dir.Combine("data", split, label, $"{i}.jpg"), 40, 30, color);
        return dir.Combine("data");
    }

    private static readonly string[] Tiny = ["--size", "32", "--presize", "40", "--batch-size", "32"];
    private const string Notice = "batch size: 16 training images make no full batch of 32; using batch size 16";

    [Fact]
    public void LoadersLowerTheBatchToATrainingSetSmallerThanIt()
    {
        using var dir = new TempDir();
        var dls = ImageDataLoaders.FromFolder(Folders(dir, train: 8, valid: 2), DataSourceTests.Tiny with { BatchSize = 32 });
        Assert.Equal(new BatchSizing(32, 16, 16), dls.BatchSizing);
        Assert.Equal(Notice, dls.BatchSizing.Notice);
        Assert.Equal((16, 1), (dls.Train.BatchSize, dls.Train.BatchCount));
        Assert.Equal(16, dls.Train.GetBatches().Single().Count);

        var large = ImageDataLoaders.FromFolder(dir.Combine("data"), DataSourceTests.Tiny with { BatchSize = 4 });
        Assert.Equal(new BatchSizing(4, 4, 16), large.BatchSizing);
        Assert.Null(large.BatchSizing.Notice);
    }

    [Fact]
    public void DataPrintsItsReportAndWhatTheBatchSizeMeansForASetSmallerThanABatch()
    {
        using var dir = new TempDir();
        var data = Folders(dir, train: 8, valid: 2);
        var run = CliRunner.Run(["data", "--data", data, .. Tiny, "--show-batch", dir.Combine("batch.png")]);
        Assert.True(run.ExitCode == 0, run.Output + run.Errors);
        Assert.Contains("class   train   valid   total", run.Output);
        Assert.Contains("cat         8       2      10", run.Output);
        Assert.Contains("batches               32 per batch requested, only 16 training images, so 16 per batch: 1 training", run.Output);
        Assert.True(File.Exists(dir.Combine("batch.png")));
    }

    [Theory]
    [InlineData("train", "train: accuracy=")]
    [InlineData("lr-find", "lr-find: valley=")]
    public void TrainingCommandsLowerTheBatchSizeAndSaySoInOneLine(string command, string result)
    {
        using var dir = new TempDir();
        var data = Folders(dir, train: 8, valid: 2);
        string[] extra = command == "train"
            ? ["--epochs", "1", "--out", dir.Combine("model")]
            : ["--num-it", "10", "--end-lr", "1e-2", "--plot", dir.Combine("lr_find.png")];
        var run = CliRunner.Run([command, "--data", data, .. Tiny, .. extra]);
        Assert.True(run.ExitCode == 0, run.Output + run.Errors);
        Assert.Single(run.Output.Split('\n'), line => line == Notice);
        Assert.Contains(result, run.Output);
    }

    [Fact]
    public void OneTrainingImageStopsWithTheCountsAfterTheReport()
    {
        using var dir = new TempDir();
        var data = Folders(dir, train: 0, valid: 2);
        TestImages.Solid(dir.Combine("data", "train", "cat", "only.jpg"), 40, 30, SKColors.Red);
        string[][] commands = [["data", "--show-batch", dir.Combine("batch.png")], ["train", "--epochs", "1", "--out", dir.Combine("model")]];
        foreach (var command in commands)
        {
            var run = CliRunner.Run([command[0], "--data", data, .. Tiny, .. command[1..]]);
            Assert.True(run.ExitCode == 1, command[0] + ": " + run.Output + run.Errors);
            Assert.Contains("cat         1       2       3", run.Output); // the report came first
            Assert.Equal($"error: {data}: 1 training and 4 validation images; a training batch needs at least 2 training images: add some, or hold out fewer for validation.",
                run.Errors.Trim());
        }
    }
}
