using System.Globalization;
using System.Text;
using FastVision.Callbacks;
using FastVision.Data;
using FastVision.Interpretation;
using FastVision.Reporting;
using FastVision.Training;
using SkiaSharp;

namespace FastVision.Tests;

/// <summary>Experiment tracking: TensorBoard event files (read back by an independent reader) and metrics.csv.</summary>
public class TrackingTests
{
    private static readonly byte[] PngSignature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    private static Learner NewLearner(string data) =>
        VisionLearner.Create(ImageDataLoaders.FromFolder(data, new DataLoaderOptions { Size = 32, Presize = 40, BatchSize = 8, Seed = 4 }),
            options: new LearnerOptions { Log = null, Seed = 4 });

    private static string Data(TempDir dir) => DemoDataset.Generate(dir.Combine("data"), perClass: 8, seed: 4, width: 48, height: 36);

    private static List<TensorBoardEvents.Value> Series(List<TensorBoardEvents.Value> values, string tag) => [.. values.Where(v => v.Tag == tag)];

    [Fact]
    public void TheEventReaderChecksCrc32cAsTfRecordMasksIt()
    {
        // CRC-32C("123456789") is 0xE3069283 (RFC 3720); a record with a flipped data byte is refused.
        uint crc = 0xE3069283;
        uint masked = ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
        var data = "123456789"u8.ToArray();
        var length = BitConverter.GetBytes((ulong)data.Length);
        uint lengthCrc = MaskOf(length);
        byte[] record = [.. length, .. BitConverter.GetBytes(lengthCrc), .. data, .. BitConverter.GetBytes(masked)];
        Assert.Equal(data, Assert.Single(TensorBoardEvents.Records(record)));
        record[14] ^= 1;
        Assert.ThrowsAny<Exception>(() => TensorBoardEvents.Records(record));

        static uint MaskOf(byte[] bytes)
        {
            // Recomputed independently of the reader: bitwise CRC-32C.
            uint c = 0xFFFFFFFF;
            foreach (var b in bytes)
            {
                c ^= b;
                for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0x82F63B78 ^ (c >> 1) : c >> 1;
            }
            c = ~c;
            return ((c >> 15) | (c << 17)) + 0xa282ead8u;
        }
    }

    [Fact]
    public void TensorBoardLogHasBatchLossesRatesEpochFiguresThePicturesAndTheCommand()
    {
        using var dir = new TempDir();
        var run = dir.Combine("run");
        var log = dir.Combine("tb");
        using var learn = NewLearner(Data(dir));
        var tensorBoard = new TensorBoardCallback(log);
        learn.AddCallback(tensorBoard); // a learner callback also sees the LR finder's fit, which it must skip
        tensorBoard.AddText("run/command", "fastvision train --data d --tensorboard tb");
        var found = learn.LrFind(numIterations: 20, stopDivergence: false);
        learn.RemoveCallback(tensorBoard);
        learn.FineTune(1, callbacks: [tensorBoard]); // two fits: the step runs on across them

        TrainingPlots.LrFind(found, Path.Combine(run, RunFiles.LrFind));
        BatchGrid.Save(learn.Dls.Train, learn.Dls.Classes, Path.Combine(run, RunFiles.Batch));
        using (var preds = learn.GetPreds()) RunFiles.WriteInterpretation(run, ClassificationInterpretation.FromLearner(learn, preds));
        RunFiles.LogImages(run, tensorBoard);

        var values = TensorBoardEvents.ReadAll(log);
        int batches = learn.Recorder.Losses.Count;
        Assert.Equal(2 * learn.IterationsPerEpoch, batches); // the LR finder's batches are not in the recorder either

        var loss = Series(values, "train/loss");
        Assert.Equal(Enumerable.Range(1, batches).Select(i => (long)i), loss.Select(v => v.Step));
        Assert.Equal(learn.Recorder.Losses.Select(l => (float)l), loss.Select(v => v.Scalar!.Value));
        Assert.Equal(learn.Recorder.SmoothLosses.Select(l => (float)l), Series(values, "train/smooth_loss").Select(v => v.Scalar!.Value));
        Assert.Equal(learn.Recorder.Momentums.Select(m => (float)m), Series(values, "train/momentum").Select(v => v.Scalar!.Value));
        int groups = learn.LayerGroups.Count;
        Assert.True(groups >= 2);
        Assert.Equal(Enumerable.Range(0, groups).Select(g => $"lr/group{g}"), values.Select(v => v.Tag).Where(t => t.StartsWith("lr/", StringComparison.Ordinal)).Distinct());
        for (int g = 0; g < groups; g++) Assert.Equal(batches, Series(values, $"lr/group{g}").Count);
        Assert.Equal(learn.Recorder.LearningRates.Select(l => (float)l), Series(values, $"lr/group{groups - 1}").Select(v => v.Scalar!.Value));
        // fine_tune's unfrozen fit has discriminative rates: the body's group learns slower than the head's.
        var last = batches - 1;
        Assert.True(Series(values, "lr/group0")[last].Scalar < Series(values, $"lr/group{groups - 1}")[last].Scalar);

        foreach (var figure in new[] { "train_loss", "valid_loss", "accuracy", "error_rate" })
        {
            var series = Series(values, $"epoch/{figure}");
            Assert.Equal([learn.IterationsPerEpoch, 2L * learn.IterationsPerEpoch], series.Select(v => v.Step));
            Assert.Equal(learn.History.Select(h => (float)h.Figure(figure)), series.Select(v => v.Scalar!.Value));
        }

        foreach (var file in new[] { RunFiles.Batch, RunFiles.LrFind, RunFiles.ConfusionMatrix, RunFiles.TopLosses })
        {
            var image = Assert.Single(values, v => v.Tag == $"images/{Path.GetFileNameWithoutExtension(file)}");
            Assert.Equal(batches, image.Step);
            Assert.NotNull(image.Image);
            Assert.Equal(PngSignature, image.Image.Encoded.Take(8));
            using var written = SKBitmap.Decode(Path.Combine(run, file));
            using var logged = SKBitmap.Decode(image.Image.Encoded);
            Assert.Equal((written.Width, written.Height), (image.Image.Width, image.Image.Height));
            Assert.Equal((written.Width, written.Height), (logged.Width, logged.Height));
            Assert.True(written.Pixels.SequenceEqual(logged.Pixels), $"{file}: SummaryWriter's re-encoding changed pixels");
        }

        var command = Assert.Single(values, v => v.Tag == "run/command/text_summary");
        Assert.Equal("text", command.Plugin);
        Assert.Equal("fastvision train --data d --tensorboard tb", command.Text);
        Assert.All(values, v => Assert.True(v.WallTime > 1.7e9 && v.WallTime < 1e10, $"{v.Tag}: wall time {v.WallTime} is not in seconds"));
    }

    /// <summary>metrics.csv's rows: (epoch, the rest of the line).</summary>
    private static List<(int Epoch, string Line)> Rows(string path) =>
        [.. File.ReadAllLines(path).Skip(1).Select(l => (int.Parse(l.Split(',')[0], CultureInfo.InvariantCulture), l))];

    /// <summary>Reads metrics.csv as each epoch ends (after the logger, before the checkpoint): its rows so far.</summary>
    private sealed class RowsOnDisk(string path) : Callback
    {
        public List<int> RowsAtEpochEnd { get; } = [];
        public override int Order => 66;
        public override void AfterEpoch() => RowsAtEpochEnd.Add(Rows(path).Count);
    }

    [Fact]
    public void MetricsCsvGetsARowAsEachEpochEndsWithTheTablesColumns()
    {
        using var dir = new TempDir();
        var path = dir.Combine("run", RunFiles.Metrics);
        using var learn = NewLearner(Data(dir));
        var onDisk = new RowsOnDisk(path);
        learn.FineTune(2, callbacks: [new CsvLogger(path), onDisk]);

        var lines = File.ReadAllLines(path);
        Assert.Equal("epoch,train_loss,valid_loss,accuracy,error_rate,time", lines[0]);
        Assert.Equal([1, 2, 3], onDisk.RowsAtEpochEnd);
        Assert.Equal(learn.History.Count, lines.Length - 1);
        foreach (var (row, line) in learn.History.Zip(lines.Skip(1)))
        {
            var cells = line.Split(',').Select(c => double.Parse(c, CultureInfo.InvariantCulture)).ToArray();
            Assert.Equal(row.Epoch, (int)cells[0]);
            double[] figures = [row.TrainLoss, row.ValidLoss, row.Metrics["accuracy"], row.Metrics["error_rate"]];
            foreach (var (expected, written) in figures.Zip(cells[1..5])) Assert.Equal(expected, written, Math.Abs(expected) * 1e-6);
            Assert.Equal(row.Time.TotalSeconds, cells[5], 0.001);
        }
        Assert.Empty(Directory.GetFiles(dir.Combine("run"), ".*.tmp"));
    }

    [Theory]
    [InlineData(90)] // killed after the epoch's checkpoint
    [InlineData(67)] // killed after its row was appended but before its checkpoint: the epoch is trained again
    public void ResumedRunKeepsItsMetricsRowsOnceAndContinuesItsTensorBoardSteps(int killOrder)
    {
        using var dir = new TempDir();
        var data = Data(dir);
        var csv = dir.Combine("run", RunFiles.Metrics);
        var checkpoints = dir.Combine("run", "checkpoints");
        var log = dir.Combine("tb");
        string firstRow;
        int perEpoch;
        using (var learn = NewLearner(data))
        {
            Assert.Throws<ResumeTests.SimulatedKill>(() => learn.FitOneCycle(3, 2e-3,
                callbacks: [new CheckpointCallback(checkpoints), new CsvLogger(csv), new TensorBoardCallback(log), new ResumeTests.KillAfter(2, killOrder)]));
            Assert.Equal([0, 1], Rows(csv).Select(r => r.Epoch));
            firstRow = Rows(csv)[0].Line;
            perEpoch = learn.IterationsPerEpoch;
        }
        int done = killOrder > 70 ? 2 : 1; // epochs in the checkpoint
        using (var learn = NewLearner(data))
        {
            learn.Resume(checkpoints);
            Assert.Equal(done, learn.History.Count);
            learn.FitOneCycle(3, 2e-3, callbacks: [new CheckpointCallback(checkpoints), new CsvLogger(csv), new TensorBoardCallback(log)]);
            Assert.Equal(3, learn.History.Count);
            Assert.Equal([0, 1, 2], Rows(csv).Select(r => r.Epoch));
            Assert.Equal(firstRow, Rows(csv)[0].Line);
            Assert.Equal(learn.History[^1].Time.TotalSeconds, double.Parse(Rows(csv)[2].Line.Split(',')[^1], CultureInfo.InvariantCulture), 0.001);
        }

        var files = Directory.GetFiles(log, "events.out.tfevents.*").Order(StringComparer.Ordinal).ToList();
        Assert.Equal(2, files.Count); // the resumed process writes its own file into the same run folder
        var resumed = Series(TensorBoardEvents.Read(files[1]), "train/loss");
        Assert.Equal(Enumerable.Range(done * perEpoch + 1, (3 - done) * perEpoch).Select(i => (long)i), resumed.Select(v => v.Step));
        var epochs = Series(TensorBoardEvents.Read(files[1]), "epoch/valid_loss");
        Assert.Equal(Enumerable.Range(done + 1, 3 - done).Select(e => (long)(e * perEpoch)), epochs.Select(v => v.Step));
    }

    [Fact]
    public void TrainWithTensorBoardLogsTheRunAndWritesMetricsCsv()
    {
        using var dir = new TempDir();
        var data = DemoDataset.Generate(dir.Combine("data"), perClass: 6, seed: 1, width: 48, height: 36);
        var model = dir.Combine("model");
        var log = dir.Combine("tb");
        var (code, output, errors) = CliRunner.Run("train", "--data", data, "--epochs", "1", "--size", "32", "--presize", "40", "--batch-size", "8",
            "--out", model, "--no-calibrate", "--tensorboard", log);
        Assert.True(code == 0, output + errors);

        var rows = File.ReadAllLines(Path.Combine(model, RunFiles.Metrics));
        Assert.Equal("epoch,train_loss,valid_loss,accuracy,error_rate,log_loss,time", rows[0]);
        Assert.Single(rows.Skip(1));

        var values = TensorBoardEvents.ReadAll(log);
        Assert.NotEmpty(Series(values, "train/loss"));
        Assert.NotEmpty(Series(values, "lr/group0"));
        Assert.Single(Series(values, "epoch/log_loss"));
        foreach (var image in new[] { "images/batch", "images/class_gallery", "images/confusion_matrix", "images/top_losses" })
            Assert.Equal(PngSignature, Assert.Single(values, v => v.Tag == image).Image!.Encoded.Take(8));
        var command = Assert.Single(values, v => v.Tag == "run/command/text_summary").Text!;
        Assert.StartsWith("    fastvision train --data ", command);
        Assert.Contains($"--tensorboard {log}", command);
        var options = Assert.Single(values, v => v.Tag == "run/options/text_summary").Text!;
        Assert.Contains("| --epochs | `1` |", options);
        Assert.Contains("| --schedule | `one-cycle` |", options); // defaults too
    }
}
