using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using FastVision.Data;
using FastVision.Inference;
using FastVision.Metrics;
using FastVision.Training;

namespace FastVision.Tests;

/// <summary>One tiny exported model and a folder of generated images for the streaming prediction tests (trained once).</summary>
public sealed class TinyModelFixture : IDisposable
{
    private readonly TempDir dir = new();

    public TinyModelFixture()
    {
        var data = DemoDataset.Generate(dir.Combine("data"), perClass: 8, seed: 5, width: 48, height: 36);
        var dls = ImageDataLoaders.FromFolder(data, new DataLoaderOptions { Size = 32, Presize = 40, BatchSize = 8, Seed = 5 });
        using var learn = VisionLearner.Create(dls, options: new LearnerOptions { Log = null, Seed = 5, Metrics = _ => [new Accuracy()] });
        learn.FitOneCycle(1, 2e-3);
        learn.Export(Model);
        // The season: the same images in one flat folder and a subfolder (walk order: the folder's files, then the subfolder's).
        Directory.CreateDirectory(Path.Combine(Season, "later"));
        int n = 0;
        foreach (var file in ImageFiles.Find(data))
            File.Copy(file, Path.Combine(Season, n++ % 5 == 4 ? "later" : "", $"img{n:D3}.jpg"));
        Images = n;
    }

    public string Model => dir.Combine("model");
    public string Season => dir.Combine("season");
    public int Images { get; }

    public void Dispose() => dir.Dispose();
}

public class StreamingPredictionTests(TinyModelFixture fixture) : IClassFixture<TinyModelFixture>
{
    private static readonly string Cli = Path.Combine(AppContext.BaseDirectory, "FastVision.Cli.dll");

    /// <summary>The lines of a CSV output keyed by path (the header left out).</summary>
    private static Dictionary<string, string[]> Rows(string csv) =>
        File.ReadAllLines(csv).Skip(1).Select(l => l.Split(',')).ToDictionary(r => r[0], r => r);

    private static void AssertSameRows(string expectedCsv, string actualCsv)
    {
        var expected = Rows(expectedCsv);
        var actual = Rows(actualCsv);
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
        foreach (var (key, row) in expected)
        {
            Assert.Equal(row.Length, actual[key].Length);
            Assert.Equal(row[^1], actual[key][^1]); // the failure cell
            for (int c = 2; c < row.Length - 1; c++)
                if (row[c].Length > 0) // batch sizes differ: float summation order may move the last digits
                    Assert.Equal(double.Parse(row[c], CultureInfo.InvariantCulture), double.Parse(actual[key][c], CultureInfo.InvariantCulture), 1e-5);
        }
    }

    [Fact]
    public void ShardsAreDisjointCoverTheInputsAndDoNotDependOnListingOrder()
    {
        var keys = Enumerable.Range(0, 500).Select(i => $"site{i % 7}/cam{i % 3}/IMG_{i:D4}.JPG").ToList();
        var shards = Enumerable.Range(0, 4).Select(i => new Shard(i, 4)).ToList();
        Assert.All(keys, k => Assert.Single(shards, s => s.Contains(k)));
        var sizes = shards.Select(s => keys.Count(s.Contains)).ToList();
        Assert.All(sizes, n => Assert.InRange(n, 90, 160)); // a hash spreads them
        var reversed = Enumerable.Reverse(keys).ToList();
        Assert.Equal(keys.Where(shards[2].Contains).Order(), reversed.Where(shards[2].Contains).Order());

        // The folder walk lists every image once, in the documented order, and keys are relative paths.
        var listed = ImageInput.EnumerateAll([ImageInput.FromArgument(fixture.Season)]).Select(i => i.Key).ToList();
        Assert.Equal(fixture.Images, listed.Count);
        Assert.Equal(listed.Order(ImageInput.WalkOrder), listed);
        Assert.StartsWith("img", listed[0]);
        Assert.StartsWith("later/", listed[^1]);
    }

    [Fact]
    public void TheShardComesFromSlurmOrKubernetesWhenNotGiven()
    {
        Dictionary<string, string> env = [];
        string? Get(string name) => env.GetValueOrDefault(name);
        Assert.Null(Shard.FromEnvironment(null, Get));
        env = new() { ["SLURM_ARRAY_TASK_ID"] = "3", ["SLURM_ARRAY_TASK_MIN"] = "1", ["SLURM_ARRAY_TASK_COUNT"] = "4" };
        Assert.Equal(new Shard(2, 4), Shard.FromEnvironment(null, Get));
        env = new() { ["JOB_COMPLETION_INDEX"] = "5" };
        Assert.Equal(new Shard(5, 8), Shard.FromEnvironment(8, Get));
        Assert.Contains("--num-shards", Assert.Throws<ArgumentException>(() => Shard.FromEnvironment(null, Get)).Message);
        Assert.Contains("is not a shard of 4", Assert.Throws<ArgumentException>(() => Shard.FromEnvironment(4, Get)).Message);
        Assert.Contains("0 <= i < N", Assert.Throws<ArgumentException>(() => Shard.Parse("4/4")).Message);
        Assert.Equal("preds.shard-03-of-12.csv", Path.GetFileName(new Shard(3, 12).PartPath("/x/preds.csv")));
    }

    /// <summary>
    /// Four shard processes run at once; one hangs on a file that never finishes opening (a FIFO: a stalled network mount) and is
    /// killed with SIGKILL; restarted, it resumes, and the merged parts equal one uninterrupted run.
    /// </summary>
    [Fact]
    public void FourShardProcessesOneKilledAndRestartedMergeToTheSameRowsAsOneRun()
    {
        using var dir = new TempDir();
        var season = dir.Combine("season");
        CopyFolder(fixture.Season, season);
        // A name that hashes to shard 1 and sorts after the other images of the folder, so shard 1 has written lines when it hangs.
        var hang = Enumerable.Range(0, 1000).Select(i => $"zz{i}.jpg").First(name => Shard.Of(name, 4) == 1);
        TestProcess.Run("mkfifo", [Path.Combine(season, hang)]);
        var parts = dir.Combine("parts", "preds.csv");

        var processes = Enumerable.Range(0, 4).Select(i => Start("predict", fixture.Model, season, "--out", parts, "--shard", $"{i}/4", "--batch-size", "2", "--json")).ToList();
        var hungPart = new Shard(1, 4).PartPath(parts);
        foreach (var i in new[] { 0, 2, 3 }) Assert.True(processes[i].WaitForExit(TimeSpan.FromMinutes(3)), $"shard {i} did not finish");
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while ((!File.Exists(hungPart) || File.ReadAllLines(hungPart).Length < 3) && DateTime.UtcNow < deadline) Thread.Sleep(50);
        Thread.Sleep(300); // nothing more comes: the batch holding the FIFO never decodes
        Assert.False(processes[1].HasExited, processes[1].HasExited ? processes[1].StandardError.ReadToEnd() : "");
        processes[1].Kill(entireProcessTree: true);
        processes[1].WaitForExit();
        foreach (var p in processes) p.Dispose();
        int before = File.ReadAllLines(hungPart).Length - 1;
        var manifest = PredictionManifest.Read(hungPart);
        Assert.False(manifest.Complete);
        Assert.InRange(before, 2, manifest.Assigned - 1);

        File.Delete(Path.Combine(season, hang));
        File.Copy(Path.Combine(season, "img001.jpg"), Path.Combine(season, hang)); // the mount comes back
        var resumed = CliRunner.Run("predict", fixture.Model, season, "--out", parts, "--shard", "1/4", "--batch-size", "2", "--json");
        Assert.True(resumed.ExitCode == 0, resumed.Output + resumed.Errors);
        var result = JsonNode.Parse(resumed.Output)!;
        Assert.Equal(before, (int)result["resumed"]!);
        Assert.Equal(manifest.Assigned - before, (int)result["images"]! + (int)result["failed"]!);

        var merge = CliRunner.Run(["merge", .. Directory.GetFiles(dir.Combine("parts")), "--out", dir.Combine("merged.csv")]);
        Assert.True(merge.ExitCode == 0, merge.Output + merge.Errors);
        var single = CliRunner.Run("predict", fixture.Model, season, "--out", dir.Combine("single.csv"));
        Assert.True(single.ExitCode == 0, single.Output + single.Errors);
        AssertSameRows(dir.Combine("single.csv"), dir.Combine("merged.csv"));
        Assert.Equal(fixture.Images + 1, Rows(dir.Combine("merged.csv")).Count);
    }

    [Theory]
    [InlineData("preds.csv")]
    [InlineData("preds.jsonl")]
    [InlineData("preds.json")] // MegaDetector format: the cut also takes the closing line
    public void ATornLastLineIsDroppedAndRedone(string name)
    {
        using var dir = new TempDir();
        var output = dir.Combine(name);
        var first = CliRunner.Run("predict", fixture.Model, fixture.Season, "--out", output);
        Assert.True(first.ExitCode == 0, first.Output + first.Errors);
        var complete = File.ReadAllBytes(output);
        int cut = Array.LastIndexOf(complete, (byte)'\n', complete.Length - 2 - (name.EndsWith(".json") ? 3 : 0)) + 12;
        File.WriteAllBytes(output, complete[..cut]); // a kill in the middle of writing the last image's line

        var again = CliRunner.Run("predict", fixture.Model, fixture.Season, "--out", output, "--json");
        Assert.True(again.ExitCode == 0, again.Output + again.Errors);
        Assert.Equal(1, (int)JsonNode.Parse(again.Output)!["images"]!);
        // The same lines; the redone image's was predicted alone, so only its last digits may differ.
        var (before, after) = (System.Text.Encoding.UTF8.GetString(complete).Split('\n'), File.ReadAllText(output).Split('\n'));
        Assert.Equal(before.Length, after.Length);
        int redone = Array.FindLastIndex(before, l => l.Length > 3);
        for (int i = 0; i < before.Length; i++)
            if (i != redone) Assert.Equal(before[i], after[i]);
        Assert.Equal(before[redone][..12], after[redone][..12]);
    }

    [Fact]
    public void ACorruptOrMissingImageGetsAFailureLineAndTheRunGoesOn()
    {
        using var dir = new TempDir();
        var images = ImageFiles.Find(fixture.Season).Take(5).ToList();
        File.WriteAllBytes(dir.Combine("corrupt.jpg"), [0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3]);
        File.WriteAllLines(dir.Combine("list.txt"), ["# a season's list", .. images, "corrupt.jpg", "", "missing/IMG_0001.JPG"]);
        var run = CliRunner.Run("predict", fixture.Model, dir.Combine("list.txt"), "--out", dir.Combine("preds.csv"), "--json");
        Assert.True(run.ExitCode == 0, run.Output + run.Errors);
        Assert.Equal(5, (int)JsonNode.Parse(run.Output)!["images"]!);
        Assert.Equal(2, (int)JsonNode.Parse(run.Output)!["failed"]!);
        var rows = Rows(dir.Combine("preds.csv"));
        Assert.Equal(7, rows.Count);
        Assert.Contains("not a readable image", rows["corrupt.jpg"][^1]);
        Assert.Contains("not found", rows["missing/IMG_0001.JPG"][^1]);
        Assert.Equal("", rows["missing/IMG_0001.JPG"][1]); // no predicted class for a failure
        Assert.Contains("failed: corrupt.jpg: not a readable image", run.Errors);
    }

    [Fact]
    public void PredictPrintsASummaryOfWhatItWrote()
    {
        using var dir = new TempDir();
        File.WriteAllBytes(dir.Combine("corrupt.jpg"), [0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3]);
        File.WriteAllLines(dir.Combine("list.txt"), [.. ImageFiles.Find(fixture.Season).Take(9), "corrupt.jpg"]);
        var run = CliRunner.Run("predict", fixture.Model, dir.Combine("list.txt"), "--out", dir.Combine("preds.csv"));
        Assert.True(run.ExitCode == 0, run.Output + run.Errors);

        var written = Rows(dir.Combine("preds.csv")).Values.Where(r => r[1].Length > 0).GroupBy(r => r[1]).ToDictionary(g => g.Key, g => g.Count());
        var lines = run.Output.Split('\n', StringSplitOptions.TrimEntries);
        int header = Array.FindIndex(lines, l => l.StartsWith("predicted", StringComparison.Ordinal) && l.EndsWith("mean p", StringComparison.Ordinal));
        Assert.True(header >= 0, run.Output);
        var table = lines[(header + 1)..].TakeWhile(l => !l.StartsWith("predict:", StringComparison.Ordinal)).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToList();
        var shown = table.Where(c => c[0] != "failed").ToDictionary(c => c[0], c => int.Parse(c[1], CultureInfo.InvariantCulture));
        Assert.Equal(written.OrderBy(kv => kv.Key), shown.OrderBy(kv => kv.Key));
        Assert.Equal(written.Values.OrderDescending(), shown.Values); // most predicted first
        Assert.Equal(["failed", "1"], Assert.Single(table, c => c[0] == "failed"));
        Assert.All(table.Where(c => c[0] != "failed"), c => Assert.InRange(double.Parse(c[3], CultureInfo.InvariantCulture), 0, 1));

        // Resumed with three more images: the table counts the whole output, the result line what this run added.
        File.WriteAllLines(dir.Combine("list.txt"), [.. ImageFiles.Find(fixture.Season).Take(12), "corrupt.jpg"]);
        var resumed = CliRunner.Run("predict", fixture.Model, dir.Combine("list.txt"), "--out", dir.Combine("preds.csv"));
        Assert.True(resumed.ExitCode == 0, resumed.Output + resumed.Errors);
        Assert.Contains("predict: 3 image(s)", resumed.Output);
        var all = Rows(dir.Combine("preds.csv")).Values.Where(r => r[1].Length > 0).GroupBy(r => r[1]).ToDictionary(g => g.Key, g => g.Count());
        var again = resumed.Output.Split('\n', StringSplitOptions.TrimEntries);
        int top = Array.FindIndex(again, l => l.StartsWith("predicted", StringComparison.Ordinal) && l.EndsWith("mean p", StringComparison.Ordinal));
        var counted = again[(top + 1)..].TakeWhile(l => !l.StartsWith("predict:", StringComparison.Ordinal)).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(c => c[0] != "failed").ToDictionary(c => c[0], c => int.Parse(c[1], CultureInfo.InvariantCulture));
        Assert.Equal(12, all.Values.Sum());
        Assert.Equal(all.OrderBy(kv => kv.Key), counted.OrderBy(kv => kv.Key));

        var summary = new PredictionSummary(["a", "b"]);
        summary.Add([new PredictionRecord("x.jpg", null, [0.2f, 0.8f], null, null, null), new PredictionRecord("y.jpg", null, [0.4f, 0.6f], null, null, null),
            new PredictionRecord("z.jpg", null, null, null, null, "not found")]);
        var b = Assert.Single(summary.Classes);
        Assert.Equal(("b", 2, 1.0), (b.Class, b.Images, b.Share));
        Assert.Equal(0.7, b.MeanProbability, 6);
        Assert.Equal(1, summary.Failed);
    }

    [Fact]
    public void ResumeWithAnotherModelOrOtherOptionsIsRefused()
    {
        using var dir = new TempDir();
        var output = dir.Combine("preds.csv");
        Assert.Equal(0, CliRunner.Run("predict", fixture.Model, fixture.Season, "--out", output).ExitCode);
        var other = dir.Combine("other-model");
        CopyFolder(fixture.Model, other);
        File.AppendAllText(Path.Combine(other, ModelBundle.MetadataFile), "\n"); // same JSON, other file: another model as far as the run knows

        var refused = CliRunner.Run("predict", other, fixture.Season, "--out", output);
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("written by another model or other options (ModelFingerprint:", refused.Errors);
        var options = CliRunner.Run("predict", fixture.Model, fixture.Season, "--out", output, "--tta");
        Assert.Equal(1, options.ExitCode);
        Assert.Contains("Tta:", options.Errors);
        var overwrite = CliRunner.Run("predict", other, fixture.Season, "--out", output, "--overwrite", "--json");
        Assert.True(overwrite.ExitCode == 0, overwrite.Errors);
        Assert.Equal(0, (int)JsonNode.Parse(overwrite.Output)!["resumed"]!);

        File.Delete(PredictionManifest.PathOf(output));
        var noManifest = CliRunner.Run("predict", fixture.Model, fixture.Season, "--out", output);
        Assert.Equal(1, noManifest.ExitCode);
        Assert.Contains("was not written by 'fastvision predict'", noManifest.Errors);
    }

    /// <summary>The published fields of MegaDetector's batch output format (megadetector-output-format.md, what its validator checks).</summary>
    private static void AssertValidMegaDetectorOutput(JsonNode root, int classes)
    {
        Assert.True(double.TryParse((string)root["info"]!["format_version"]!, CultureInfo.InvariantCulture, out _));
        foreach (var categories in new[] { root["detection_categories"]!.AsObject(), root["classification_categories"]!.AsObject() })
            Assert.All(categories, kv =>
            {
                Assert.True(int.TryParse(kv.Key, NumberStyles.None, CultureInfo.InvariantCulture, out _), kv.Key);
                Assert.False(string.IsNullOrWhiteSpace((string)kv.Value!));
            });
        Assert.Equal(classes, root["classification_categories"]!.AsObject().Count);
        foreach (var image in root["images"]!.AsArray())
        {
            Assert.False(string.IsNullOrEmpty((string)image!["file"]!));
            if (image["failure"] is { } failure)
            {
                Assert.False(string.IsNullOrEmpty((string)failure!));
                Assert.Null(image["detections"]);
                continue;
            }
            foreach (var detection in image["detections"]!.AsArray())
            {
                Assert.True(root["detection_categories"]!.AsObject().ContainsKey((string)detection!["category"]!));
                Assert.InRange((double)detection["conf"]!, 0, 1);
                var bbox = detection["bbox"]!.AsArray().Select(v => (double)v!).ToArray();
                Assert.Equal(4, bbox.Length);
                Assert.All(bbox, v => Assert.InRange(v, 0, 1));
                if (detection["classifications"] is not JsonArray classifications) continue;
                var confs = classifications.Select(c => (double)c![1]!).ToList();
                Assert.Equal(confs.OrderByDescending(c => c), confs);
                Assert.All(classifications, c => Assert.True(root["classification_categories"]!.AsObject().ContainsKey((string)c![0]!)));
                Assert.Equal(1, confs.Sum(), 1e-4);
            }
        }
    }

    [Fact]
    public void MegaDetectorFormatOutputHasThePublishedFieldsWithAndWithoutDetections()
    {
        using var dir = new TempDir();
        var season = dir.Combine("season");
        CopyFolder(fixture.Season, season);
        File.WriteAllBytes(Path.Combine(season, "broken.jpg"), [1, 2, 3]);
        var keys = ImageInput.EnumerateAll([ImageInput.FromArgument(season)]).Select(i => i.Key).ToList();
        // A detector's results for the first half: a kept animal box and a low one; the rest is not in the file.
        var md = new JsonObject
        {
            ["info"] = new JsonObject { ["format_version"] = "1.4", ["detector"] = "md_v5a.0.0.pt" },
            ["detection_categories"] = new JsonObject { ["1"] = "animal", ["2"] = "person", ["3"] = "vehicle" },
            ["images"] = new JsonArray([.. keys.Take(keys.Count / 2).Select(k => (JsonNode)new JsonObject
            {
                ["file"] = k,
                ["detections"] = new JsonArray(
                    new JsonObject { ["category"] = "1", ["conf"] = 0.9, ["bbox"] = new JsonArray(0.1, 0.2, 0.5, 0.4) },
                    new JsonObject { ["category"] = "2", ["conf"] = 0.05, ["bbox"] = new JsonArray(0.6, 0.6, 0.2, 0.2) }),
            })]),
        };
        File.WriteAllText(dir.Combine("md.json"), md.ToJsonString());

        var plain = CliRunner.Run("predict", fixture.Model, season, "--out", dir.Combine("plain.json"));
        Assert.True(plain.ExitCode == 0, plain.Output + plain.Errors);
        var withBoxes = CliRunner.Run("predict", fixture.Model, season, "--detections", dir.Combine("md.json"), "--format", "megadetector", "--out", dir.Combine("boxes.out"));
        Assert.True(withBoxes.ExitCode == 0, withBoxes.Output + withBoxes.Errors);
        foreach (var file in new[] { "plain.json", "boxes.out" })
        {
            var root = JsonNode.Parse(File.ReadAllText(dir.Combine(file)))!;
            AssertValidMegaDetectorOutput(root, DemoDataset.Classes.Count);
            Assert.Equal(keys.Count, root["images"]!.AsArray().Count);
            Assert.Equal("broken.jpg", (string)root["images"]!.AsArray().Single(i => i!["failure"] is not null)!["file"]!);
        }
        // The detector's boxes are copied; this model does not crop, so a whole-image box as confident as the detector's animal carries the classes.
        var first = JsonNode.Parse(File.ReadAllText(dir.Combine("boxes.out")))!["images"]!.AsArray().Single(i => (string)i!["file"]! == "img001.jpg")!["detections"]!.AsArray();
        Assert.Equal(3, first.Count);
        Assert.Equal("[0,0,1,1]", first[2]!["bbox"]!.ToJsonString());
        Assert.Equal(0.9, (double)first[2]!["conf"]!);
        Assert.Null(first[0]!["classifications"]);
        // FastVision's own reader of detector results reads the output back.
        var read = MegaDetectorResults.Read(dir.Combine("plain.json"));
        Assert.Equal(keys.Count, read.Images.Count);
    }

    [Fact]
    public void MergeNamesMissingShardsUnfinishedPartsAndMixedOptions()
    {
        using var dir = new TempDir();
        var parts = dir.Combine("parts", "preds.csv");
        for (int i = 0; i < 3; i++) Assert.Equal(0, CliRunner.Run("predict", fixture.Model, fixture.Season, "--out", parts, "--shard", $"{i}/3").ExitCode);
        string Part(int i) => new Shard(i, 3).PartPath(parts);

        var missing = CliRunner.Run("merge", Part(0), Part(2), "--out", dir.Combine("merged.csv"));
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("shard(s) 1/3 missing", missing.Errors);

        var lines = File.ReadAllLines(Part(1));
        File.WriteAllLines(Part(1), lines[..^1]); // a line lost: the image is in no part
        var lost = CliRunner.Run("merge", Part(0), Part(1), Part(2), "--out", dir.Combine("merged.csv"));
        Assert.Equal(1, lost.ExitCode);
        Assert.Contains($"1 image(s) of the inputs are in no part: {lines[^1].Split(',')[0]}", lost.Errors);
        File.WriteAllLines(Part(1), [.. lines, lines[1]]); // an image twice
        var twice = CliRunner.Run("merge", Part(0), Part(1), Part(2), "--out", dir.Combine("merged.csv"));
        Assert.Equal(1, twice.ExitCode);
        Assert.Contains($"1 image(s) appear more than once: {lines[1].Split(',')[0]}", twice.Errors);

        File.WriteAllLines(Part(1), lines);
        Assert.Equal(0, CliRunner.Run("predict", fixture.Model, fixture.Season, "--out", parts, "--shard", "1/3", "--overwrite", "--no-calibration").ExitCode);
        var mixed = CliRunner.Run("merge", Part(0), Part(1), Part(2), "--out", dir.Combine("merged.csv"));
        Assert.Equal(1, mixed.ExitCode);
        Assert.Contains("another model or options", mixed.Errors);
        Assert.False(File.Exists(dir.Combine("merged.csv")));
    }

    [Fact]
    public void SubmitTakesMergedPredictionsOfTheFeaturesCsv()
    {
        using var dir = new TempDir();
        var files = ImageFiles.Find(fixture.Season).Take(9).ToList();
        Directory.CreateDirectory(dir.Combine("test_features"));
        var ids = files.Select((f, i) => $"ZJ{i:D6}").ToList();
        for (int i = 0; i < files.Count; i++) File.Copy(files[i], dir.Combine("test_features", ids[i] + ".jpg"));
        File.WriteAllLines(dir.Combine("test_features.csv"), ["id,filepath,site", .. ids.Select(id => $"{id},test_features/{id}.jpg,S0001")]);
        var classes = DemoDataset.Classes;
        File.WriteAllLines(dir.Combine("submission_format.csv"), [$"id,{string.Join(",", classes)}", .. ids.Select(id => id + string.Concat(classes.Select(_ => ",0")))]);
        for (int i = 0; i < 2; i++)
            Assert.Equal(0, CliRunner.Run("predict", fixture.Model, "--csv", dir.Combine("test_features.csv"), "--out", dir.Combine("preds.jsonl"), "--shard", $"{i}/2").ExitCode);
        Assert.Equal(0, CliRunner.Run("merge", dir.Combine("preds.shard-0-of-2.jsonl"), dir.Combine("preds.shard-1-of-2.jsonl"), "--out", dir.Combine("preds.jsonl")).ExitCode);

        var submit = CliRunner.Run("submit", "--predictions", dir.Combine("preds.jsonl"), "--features", dir.Combine("test_features.csv"),
            "--format", dir.Combine("submission_format.csv"), "--out", dir.Combine("submission.csv"));
        Assert.True(submit.ExitCode == 0, submit.Output + submit.Errors);
        var direct = CliRunner.Run("submit", fixture.Model, "--features", dir.Combine("test_features.csv"), "--format", dir.Combine("submission_format.csv"), "--out", dir.Combine("direct.csv"));
        Assert.True(direct.ExitCode == 0, direct.Output + direct.Errors);
        var a = File.ReadAllLines(dir.Combine("submission.csv"));
        var b = File.ReadAllLines(dir.Combine("direct.csv"));
        Assert.Equal(b[0], a[0]);
        for (int r = 1; r < b.Length; r++)
        {
            var (x, y) = (a[r].Split(','), b[r].Split(','));
            Assert.Equal(y[0], x[0]);
            for (int c = 1; c < y.Length; c++) Assert.Equal(double.Parse(y[c], CultureInfo.InvariantCulture), double.Parse(x[c], CultureInfo.InvariantCulture), 1e-5);
        }
    }

    private static Process Start(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Cli);
        foreach (var a in args) start.ArgumentList.Add(a);
        return Process.Start(start)!;
    }

    private static void CopyFolder(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
