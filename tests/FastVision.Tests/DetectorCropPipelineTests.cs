using System.Text.Json.Nodes;
using FastVision.Data;
using SkiaSharp;

namespace FastVision.Tests;

/// <summary>Detector crops as part of the image pipeline: presize takes its square inside the crop, cached per region, kept in the bundle.</summary>
public class DetectorCropPipelineTests
{
    /// <summary>A 200x100 blue image with a red 40x40 square at (140, 30): the animal.</summary>
    private static string Scene(string path)
    {
        using var bitmap = new SKBitmap(200, 100);
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(SKColors.Blue);
            using var red = new SKPaint { Color = SKColors.Red };
            canvas.DrawRect(SKRect.Create(140, 30, 40, 40), red);
        }
        File.WriteAllBytes(path, TestImages.Encode(bitmap, SKEncodedImageFormat.Png));
        return path;
    }

    private static double RedShare(byte[] rgba) =>
        Enumerable.Range(0, rgba.Length / 4).Count(p => rgba[p * 4] > 200 && rgba[p * 4 + 2] < 60) / (double)(rgba.Length / 4);

    [Fact]
    public void PresizeTakesItsSquareInsideTheDetectorCropWithAndWithoutTheCache()
    {
        using var dir = new TempDir();
        var path = Scene(dir.Combine("scene.png"));
        var presize = new Presize(32);
        var whole = new byte[32 * 32 * 4];
        presize.Apply(path, 0.5, whole, cache: null, ImageDecoder.DefaultMaxPixels);
        var box = new ImageDetections("scene.png", [new Detection("1", 0.9, 140 / 200.0, 30 / 100.0, 40 / 200.0, 40 / 100.0)]);
        var region = new DetectionCrop(Margin: 0).Decide(200, 100, box).Region;
        Assert.Equal(SKRectI.Create(140, 30, 40, 40), region);
        var cropped = new byte[32 * 32 * 4];
        presize.Apply(path, 0.5, cropped, cache: null, ImageDecoder.DefaultMaxPixels, region);
        Assert.True(RedShare(whole) < 0.2, $"whole image: {RedShare(whole):P0} red");
        Assert.True(RedShare(cropped) > 0.9, $"crop: {RedShare(cropped):P0} red");

        var cache = new PresizeCache(dir.Combine("cache"));
        var cachedCrop = new byte[32 * 32 * 4];
        presize.Apply(path, 0.5, cachedCrop, cache, ImageDecoder.DefaultMaxPixels, region);
        var cachedWhole = new byte[32 * 32 * 4];
        presize.Apply(path, 0.5, cachedWhole, cache, ImageDecoder.DefaultMaxPixels);
        Assert.True(RedShare(cachedCrop) > 0.9);
        Assert.True(RedShare(cachedWhole) < 0.2);
        Assert.Equal(2, Directory.GetFiles(dir.Combine("cache"), "*.rgb", SearchOption.AllDirectories).Length); // one entry per region
    }

    [Fact]
    public void TrainingWithDetectionsReportsTheCropsAndKeepsThePolicyInTheBundle()
    {
        using var dir = new TempDir();
        var data = DemoDataset.Generate(dir.Combine("data"), perClass: 6, seed: 4, width: 64, height: 48);
        var files = Directory.GetFiles(data, "*.jpg", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
        var images = new JsonArray();
        foreach (var (file, k) in files.Select((f, k) => (f, k)))
        {
            var relative = Path.GetRelativePath(data, file).Replace('\\', '/');
            var detections = k % 3 == 0 ? new JsonArray() : new JsonArray(new JsonObject
            {
                ["category"] = "1", ["conf"] = k % 3 == 1 ? 0.9 : 0.1, ["bbox"] = new JsonArray(0.25, 0.25, 0.5, 0.5),
            });
            images.Add(new JsonObject { ["file"] = relative, ["detections"] = detections });
        }
        var md = dir.Combine("md.json");
        File.WriteAllText(md, new JsonObject
        {
            ["info"] = new JsonObject { ["format_version"] = "1.4" }, ["detection_categories"] = new JsonObject { ["1"] = "animal" }, ["images"] = images,
        }.ToJsonString());

        var report = CliRunner.Run("data", "--data", data, "--detections", md, "--size", "32", "--batch-size", "8", "--show-batch", dir.Combine("batch.png"));
        Assert.True(report.ExitCode == 0, report.Output + report.Errors);
        Assert.Contains($"detections: {md}", report.Output);
        Assert.Matches(@"crop\s+8\s", report.Output);
        Assert.Matches(@"full: no box above threshold\s+16\s", report.Output);

        var train = CliRunner.Run("train", "--data", data, "--detections", md, "--detection-threshold", "0.05", "--epochs", "1", "--size", "32",
            "--batch-size", "8", "--out", dir.Combine("model"), "--no-calibrate", "--quiet");
        Assert.True(train.ExitCode == 0, train.Output + train.Errors);
        var crop = JsonNode.Parse(File.ReadAllText(dir.Combine("model", "model.json")))!["Pipeline"]!["Crop"]!;
        Assert.Equal(0.05, (double)crop["Threshold"]!);

        var predict = CliRunner.Run("predict", dir.Combine("model"), data, "--detections", md, "--out", dir.Combine("preds.csv"));
        Assert.True(predict.ExitCode == 0, predict.Output + predict.Errors);
        Assert.Contains($"detections: {md}: 24 of 24 images listed", predict.Output);
        // The box the model cropped to is in the output: in the CSV's box columns, and in MegaDetector output as the classified detection.
        var lines = File.ReadAllLines(dir.Combine("preds.csv"));
        var header = lines[0].Split(',');
        var rows = lines.Skip(1).Select(l => l.Split(',')).ToDictionary(r => r[Array.IndexOf(header, "path")]);
        var outputs = CliRunner.Run("predict", dir.Combine("model"), data, "--detections", md, "--out", dir.Combine("preds.json"));
        Assert.True(outputs.ExitCode == 0, outputs.Output + outputs.Errors);
        var mdImages = JsonNode.Parse(File.ReadAllText(dir.Combine("preds.json")))!["images"]!.AsArray().ToDictionary(i => (string)i!["file"]!, i => i!["detections"]!.AsArray());
        foreach (var (file, k) in files.Select((f, k) => (Path.GetRelativePath(data, f).Replace('\\', '/'), k)))
        {
            var boxConf = rows[file][Array.IndexOf(header, "box_conf")];
            var classified = mdImages[file].Single(d => d!["classifications"] is not null)!;
            if (k % 3 == 0)
            {
                Assert.Equal("", boxConf);
                Assert.Equal("[0,0,1,1]", classified["bbox"]!.ToJsonString()); // predicted whole: no animal box, conf 0
                Assert.Equal(0, (double)classified["conf"]!);
                continue;
            }
            Assert.Equal(k % 3 == 1 ? 0.9 : 0.1, double.Parse(boxConf, System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal("0.25", rows[file][Array.IndexOf(header, "box_x")]);
            Assert.Equal("0.5", rows[file][Array.IndexOf(header, "box_width")]);
            Assert.Single(mdImages[file]); // the detector's one box, classified
            Assert.Equal("[0.25,0.25,0.5,0.5]", classified["bbox"]!.ToJsonString());
        }
    }
}
