using System.Text.Json.Nodes;
using FastVision.Data;
using SkiaSharp;
using Xunit.Abstractions;

namespace FastVision.Tests;

/// <summary>
/// MegaDetector results and the detector-crop policy: crop geometry on pinned boxes, every kind of bad results file
/// (an error naming the file and entry, or a reported fallback), and mct-20's own megadetector.json when present.
/// </summary>
public class DetectionTests(ITestOutputHelper output)
{
    private static Detection Animal(double x, double y, double w, double h, double conf = 0.9) => new("1", conf, x, y, w, h);

    private static ImageDetections Entry(params Detection[] detections) => new("images/a.jpg", detections);

    private static SKRectI Crop(DetectionCrop policy, int width, int height, params Detection[] detections)
    {
        var decision = policy.Decide(width, height, Entry(detections));
        Assert.Equal(CropOutcome.Crop, decision.Outcome);
        return decision.Region!.Value;
    }

    // ---- geometry ----

    [Fact]
    public void TheBoxIsSquaredOnItsLongerSideAndWidenedByTheMarginEachWay()
    {
        // 100 x 200 px box at (400, 400): side 200 * (1 + 2 * 0.1) = 240, centred on (450, 500).
        Assert.Equal(SKRectI.Create(330, 380, 240, 240), Crop(new DetectionCrop(), 1000, 1000, Animal(0.4, 0.4, 0.1, 0.2)));
        Assert.Equal(SKRectI.Create(350, 400, 200, 200), Crop(new DetectionCrop(Margin: 0), 1000, 1000, Animal(0.4, 0.4, 0.1, 0.2)));
        Assert.Equal(SKRectI.Create(300, 350, 300, 300), Crop(new DetectionCrop(Margin: 0.25), 1000, 1000, Animal(0.4, 0.4, 0.1, 0.2)));
    }

    [Fact]
    public void SharesAreOfEachImageSideSoAWideImageSquaresInPixels()
    {
        // On 1000 x 500 px the box 0.1 x 0.2 is 100 x 100 px: side 120 around (550, 150).
        Assert.Equal(SKRectI.Create(490, 90, 120, 120), Crop(new DetectionCrop(), 1000, 500, Animal(0.5, 0.2, 0.1, 0.2)));
    }

    [Theory]
    [InlineData(0.0, 0.45, 0, 440)]   // left edge: 120 px square centred on x = 50 shifts right to 0
    [InlineData(0.9, 0.45, 880, 440)] // right edge: shifts left to end at 1000
    [InlineData(0.45, 0.0, 440, 0)]   // top edge
    [InlineData(0.45, 0.9, 440, 880)] // bottom edge
    [InlineData(0.0, 0.9, 0, 880)]    // a corner: both
    public void ARegionPokingOutOfTheImageIsShiftedBackInsideWholeNotCut(double x, double y, int left, int top)
    {
        Assert.Equal(SKRectI.Create(left, top, 120, 120), Crop(new DetectionCrop(), 1000, 1000, Animal(x, y, 0.1, 0.1)));
    }

    [Fact]
    public void ARegionLargerThanTheImageIsShrunkToItOnlyOnTheSidesItExceeds()
    {
        // 900 x 250 px box on 1000 x 500: the 1080 px square is larger both ways, so it becomes the whole image.
        Assert.Equal(SKRectI.Create(0, 0, 1000, 500), Crop(new DetectionCrop(), 1000, 500, Animal(0.05, 0.25, 0.9, 0.5)));
        // 300 x 450 px box: the 540 px square fits the width (centred on x = 450) but not the 500 px height.
        Assert.Equal(SKRectI.Create(180, 0, 540, 500), Crop(new DetectionCrop(), 1000, 500, Animal(0.3, 0.05, 0.3, 0.9)));
    }

    [Fact]
    public void UnionModeFramesEveryKeptBoxTopBoxModeTheMostConfidentOne()
    {
        var low = Animal(0.1, 0.1, 0.1, 0.1, conf: 0.5);
        var high = Animal(0.5, 0.3, 0.1, 0.1, conf: 0.9);
        // Union 100..600 x 100..400 px: side 600 around (350, 250), shifted down from y = -50 to 0.
        Assert.Equal(SKRectI.Create(50, 0, 600, 600), Crop(new DetectionCrop(Mode: CropMode.UnionOfKeptBoxes), 1000, 1000, low, high));
        Assert.Equal(SKRectI.Create(490, 290, 120, 120), Crop(new DetectionCrop(), 1000, 1000, low, high));
        Assert.Equal(SKRectI.Create(490, 290, 120, 120), Crop(new DetectionCrop(), 1000, 1000, high, low));
        // On a tie the first box in the file wins.
        Assert.Equal(SKRectI.Create(90, 90, 120, 120), Crop(new DetectionCrop(), 1000, 1000, low with { Confidence = 0.9 }, high));
    }

    [Fact]
    public void BoxesBelowTheThresholdOrOfAnotherCategoryAreNotCroppedTo()
    {
        var policy = new DetectionCrop();
        Assert.Equal(CropOutcome.NoBoxAboveThreshold, policy.Decide(100, 100, Entry(Animal(0.1, 0.1, 0.2, 0.2, conf: 0.19))).Outcome);
        Assert.Equal(CropOutcome.Crop, policy.Decide(100, 100, Entry(Animal(0.1, 0.1, 0.2, 0.2, conf: 0.2))).Outcome);
        Assert.Equal(CropOutcome.NoBoxAboveThreshold, (policy with { Threshold = 0.5 }).Decide(100, 100, Entry(Animal(0.1, 0.1, 0.2, 0.2, conf: 0.4))).Outcome);
        Assert.Equal(CropOutcome.NoBoxAboveThreshold, policy.Decide(100, 100, Entry()).Outcome);

        // A confident person next to a faint animal: the animal box is the only one kept, in either mode.
        var person = new Detection("2", 0.99, 0.6, 0.6, 0.3, 0.3);
        var animal = Animal(0.1, 0.1, 0.1, 0.1, conf: 0.3);
        Assert.Equal(CropOutcome.NoBoxAboveThreshold, policy.Decide(1000, 1000, Entry(person)).Outcome);
        Assert.Equal(SKRectI.Create(90, 90, 120, 120), Crop(policy, 1000, 1000, person, animal));
        Assert.Equal(SKRectI.Create(90, 90, 120, 120), Crop(policy with { Mode = CropMode.UnionOfKeptBoxes }, 1000, 1000, person, animal));
        Assert.Equal(SKRectI.Create(570, 570, 360, 360), Crop(policy with { Category = "2" }, 1000, 1000, person, animal));
    }

    [Fact]
    public void WithoutAnEntryOrAfterADetectorFailureTheFullImageIsKeptAndSaysWhy()
    {
        var policy = new DetectionCrop();
        Assert.Equal(new CropDecision(CropOutcome.NotInResults, null), policy.Decide(100, 100, null));
        Assert.Equal(new CropDecision(CropOutcome.DetectorFailure, null), policy.Decide(100, 100, new ImageDetections("a.jpg", [], "Failure image access")));
        Assert.Throws<ArgumentOutOfRangeException>(() => (policy with { Threshold = 1.5 }).Classify(null));
        Assert.Throws<ArgumentOutOfRangeException>(() => (policy with { Margin = -0.1 }).Classify(null));
    }

    [Fact]
    public void ATinyBoxStillGivesARegionOfAtLeastOnePixel()
    {
        Assert.Equal(SKRectI.Create(50, 50, 1, 1), Crop(new DetectionCrop(Margin: 0), 100, 100, Animal(0.5, 0.5, 0.001, 0.001)));
    }

    // ---- reading ----

    private static JsonObject File14(params JsonNode[] images) => new()
    {
        ["info"] = new JsonObject { ["format_version"] = "1.4", ["detector"] = "md_v5a.0.0.pt" },
        ["detection_categories"] = new JsonObject { ["1"] = "animal", ["2"] = "person", ["3"] = "vehicle" },
        ["images"] = new JsonArray(images),
    };

    private static JsonObject Image(string file, params JsonNode[] detections) => new() { ["file"] = file, ["detections"] = new JsonArray(detections) };

    private static JsonObject Box(double x, double y, double w, double h, double conf = 0.9, string category = "1") =>
        new() { ["category"] = category, ["conf"] = conf, ["bbox"] = new JsonArray(x, y, w, h) };

    private static MegaDetectorResults Read(TempDir dir, string json, DataIssues? issues = null)
    {
        var path = dir.Combine("md.json");
        File.WriteAllText(path, json);
        return MegaDetectorResults.Read(path, issues);
    }

    private static void Refused(string json, params string[] expected)
    {
        using var dir = new TempDir();
        var e = Assert.Throws<DataSourceException>(() => Read(dir, json));
        Assert.Contains(dir.Combine("md.json"), e.Message);
        foreach (var part in expected) Assert.Contains(part, e.Message);
    }

    [Fact]
    public void AValidFileReadsAsALookupWithItsCategories()
    {
        using var dir = new TempDir();
        var results = Read(dir, File14(Image("images/a.jpg", Box(0.1, 0.2, 0.3, 0.4, 0.8), Box(0.5, 0.5, 0.1, 0.1, 0.3, "2")), Image("images\\sub\\b.jpg")).ToJsonString());
        Assert.Equal("1.4", results.FormatVersion);
        Assert.Equal("animal", results.Categories["1"]);
        Assert.Equal(2, results.Images.Count);
        var a = results.Find("images/a.jpg")!;
        Assert.Equal([new Detection("1", 0.8, 0.1, 0.2, 0.3, 0.4), new Detection("2", 0.3, 0.5, 0.5, 0.1, 0.1)], a.Detections);
        Assert.False(a.Failed);
        Assert.Same(a, results.Find("./images/a.jpg"));
        Assert.Same(a, results.Find("images\\a.jpg"));
        Assert.Same(a, results.Find("images//./a.jpg"));
        Assert.Same(a, results.Find(new ImageItem(dir.Combine("images", "a.jpg")), dir.Path));
        Assert.Equal("images/sub/b.jpg", results.Find("images/sub/b.jpg")!.File);
        Assert.Null(results.Find("images/A.jpg"));
        Assert.Null(results.Find(new ImageItem(dir.Combine("images", "c.jpg")), dir.Path));
        Assert.Empty(results.DroppedBoxes);
    }

    [Theory]
    [InlineData("\"1.0\"")]
    [InlineData("\"1.3\"")]
    [InlineData("\"1.5\"")]
    [InlineData("1.4")]
    public void EveryKnownFormatVersionReads(string version)
    {
        using var dir = new TempDir();
        var json = File14(Image("a.jpg", Box(0.1, 0.1, 0.1, 0.1))).ToJsonString().Replace("\"1.4\"", version);
        Assert.Single(Read(dir, json).Images);
    }

    [Fact]
    public void Format10FilesWithNumericCategoriesAndNoCategoryTableRead()
    {
        using var dir = new TempDir();
        var results = Read(dir, """{"info":{"format_version":"1.0"},"images":[{"file":"a.jpg","detections":[{"category":1,"conf":0.7,"bbox":[0.1,0.1,0.2,0.2]}]}]}""");
        Assert.Empty(results.Categories);
        Assert.Equal("1", results.Find("a.jpg")!.Detections[0].Category);
        Assert.Equal(CropOutcome.Crop, new DetectionCrop().Classify(results.Find("a.jpg")));
    }

    [Theory]
    [InlineData("\"2.0\"", "format version '2.0' is not supported")]
    [InlineData("\"0.9\"", "format version '0.9' is not supported")]
    [InlineData("\"1.6\"", "format version '1.6' is not supported")]
    [InlineData("\"latest\"", "format version 'latest' is not supported")]
    [InlineData("true", "'info.format_version' must be a version string")]
    public void AnUnknownFormatVersionIsRefusedWithTheVersionsRead(string version, string expected)
    {
        Refused(File14().ToJsonString().Replace("\"1.4\"", version), expected, "1.0–1.5");
    }

    [Fact]
    public void AMissingFormatVersionIsRefused()
    {
        Refused("""{"images":[]}""", "no 'info.format_version'", "1.0–1.5");
        Refused("""{"info":{"detector":"x"},"images":[]}""", "no 'info.format_version'");
    }

    [Theory]
    [InlineData("", "not valid JSON")]
    [InlineData("{\"images\": [", "not valid JSON")]
    [InlineData("[]", "expected a JSON object")]
    [InlineData("{\"info\":{\"format_version\":\"1.4\"}}", "'images' must be an array")]
    [InlineData("{\"info\":{\"format_version\":\"1.4\"},\"images\":{}}", "'images' must be an array")]
    [InlineData("{\"info\":{\"format_version\":\"1.4\"},\"detection_categories\":[],\"images\":[]}", "'detection_categories' must be an object")]
    [InlineData("{\"info\":{\"format_version\":\"1.4\"},\"detection_categories\":{\"1\":3},\"images\":[]}", "detection category '1' must have a name")]
    [InlineData("{\"info\":{\"format_version\":\"1.4\"},\"images\":[\"a.jpg\"]}", "images[0] must be an object")]
    [InlineData("{\"info\":{\"format_version\":\"1.4\"},\"images\":[{\"detections\":[]}]}", "images[0] has no 'file'")]
    [InlineData("{\"info\":{\"format_version\":\"1.4\"},\"images\":[{\"file\":7,\"detections\":[]}]}", "images[0] has no 'file'")]
    [InlineData("{\"info\":{\"format_version\":\"1.4\"},\"images\":[{\"file\":\"./\",\"detections\":[]}]}", "images[0] has no 'file'")]
    [InlineData("{\"info\":{\"format_version\":\"1.4\"},\"images\":[{\"file\":\"a.jpg\",\"detections\":{}}]}", "images[0] ('a.jpg'): 'detections' must be an array")]
    [InlineData("{\"info\":{\"format_version\":\"1.4\"},\"images\":[{\"file\":\"a.jpg\",\"failure\":3,\"detections\":null}]}", "images[0] ('a.jpg'): 'failure' must be a string")]
    [InlineData("{\"info\":{\"format_version\":\"1.4\"},\"images\":[{\"file\":\"a.jpg\",\"detections\":[5]}]}", "images[0] ('a.jpg') detection 0: must be an object")]
    [InlineData("{\"info\":{\"format_version\":\"1.4\"},\"images\":[{\"file\":\"a.jpg\",\"detections\":[{\"category\":{},\"conf\":0.5,\"bbox\":[0,0,1,1]}]}]}", "detection 0: 'category' must be a category id")]
    [InlineData("{\"info\":{\"format_version\":\"1.4\"},\"images\":[{\"file\":\"a.jpg\",\"detections\":[{\"conf\":0.5,\"bbox\":[0,0,1,1]}]}]}", "detection 0: 'category' must be a category id")]
    [InlineData("{\"info\":{\"format_version\":\"1.4\"},\"images\":[{\"file\":\"a.jpg\",\"detections\":[{\"category\":\"1\",\"conf\":\"0.5\",\"bbox\":[0,0,1,1]}]}]}", "detection 0: 'conf' must be a confidence in [0, 1], found string \"0.5\"")]
    [InlineData("{\"info\":{\"format_version\":\"1.4\"},\"images\":[{\"file\":\"a.jpg\",\"detections\":[{\"category\":\"1\",\"conf\":1.5,\"bbox\":[0,0,1,1]}]}]}", "detection 0: 'conf' must be a confidence in [0, 1]")]
    [InlineData("{\"info\":{\"format_version\":\"1.4\"},\"images\":[{\"file\":\"a.jpg\",\"detections\":[{\"category\":\"1\",\"conf\":0.5}]}]}", "detection 0: 'bbox' must be [x_min, y_min, width, height], found nothing")]
    [InlineData("{\"info\":{\"format_version\":\"1.4\"},\"images\":[{\"file\":\"a.jpg\",\"detections\":[{\"category\":\"1\",\"conf\":0.5,\"bbox\":[0,0,1]}]}]}", "detection 0: 'bbox' must be [x_min, y_min, width, height]")]
    [InlineData("{\"info\":{\"format_version\":\"1.4\"},\"images\":[{\"file\":\"a.jpg\",\"detections\":[{\"category\":\"1\",\"conf\":0.5,\"bbox\":[0,0,\"1\",1]}]}]}", "detection 0: 'bbox' must hold 4 numbers")]
    [InlineData("{\"info\":{\"format_version\":\"1.4\"},\"images\":[{\"file\":\"a.jpg\",\"detections\":[{\"category\":\"1\",\"conf\":0.5,\"bbox\":[0,0,1e999,1]}]}]}", "detection 0: 'bbox' must hold 4 numbers")]
    public void AMalformedFileIsRefusedNamingTheFileAndEntry(string json, string expected)
    {
        Refused(json, expected);
    }

    [Fact]
    public void AMissingFileIsRefused()
    {
        using var dir = new TempDir();
        var e = Assert.Throws<DataSourceException>(() => MegaDetectorResults.Read(dir.Combine("none.json")));
        Assert.Contains("none.json: file not found", e.Message);
    }

    [Fact]
    public void TwoEntriesForOneImageAreRefusedEvenWhenSpelledDifferently()
    {
        Refused(File14(Image("images/a.jpg"), Image("images/b.jpg"), Image(".\\images\\a.jpg")).ToJsonString(), "images[2] ('images/a.jpg') repeats images[0]");
    }

    [Fact]
    public void FailedImagesAreKeptAsFailuresSoThePolicyFallsBackAndReportsThem()
    {
        using var dir = new TempDir();
        var results = Read(dir, File14(
            new JsonObject { ["file"] = "a.jpg", ["failure"] = "Failure image access", ["detections"] = null },
            new JsonObject { ["file"] = "b.jpg", ["detections"] = null },
            new JsonObject { ["file"] = "c.jpg" },
            new JsonObject { ["file"] = "d.jpg", ["failure"] = null, ["detections"] = new JsonArray() }).ToJsonString());
        Assert.Equal("Failure image access", results.Find("a.jpg")!.Failure);
        Assert.True(results.Find("b.jpg")!.Failed);
        Assert.True(results.Find("c.jpg")!.Failed);
        Assert.False(results.Find("d.jpg")!.Failed);
        var policy = new DetectionCrop();
        Assert.Equal(CropOutcome.DetectorFailure, policy.Decide(64, 64, results.Find("a.jpg")).Outcome);
        Assert.Equal(CropOutcome.DetectorFailure, policy.Decide(64, 64, results.Find("b.jpg")).Outcome);
        Assert.Equal(CropOutcome.NoBoxAboveThreshold, policy.Decide(64, 64, results.Find("d.jpg")).Outcome);
    }

    [Fact]
    public void ASmallOvershootClampsButABoxClearlyOutsideOrWithoutAreaIsDroppedAndReported()
    {
        using var dir = new TempDir();
        var issues = new DataIssues();
        var results = Read(dir, File14(
            Image("a.jpg", Box(0.5, 0.6, 0.5001, 0.4001), Box(-0.0002, -0.0001, 0.3, 0.3)),
            Image("b.jpg", Box(0.8, 0.1, 0.5, 0.2), Box(-0.1, 0.1, 0.2, 0.2), Box(0.2, 0.2, 0, 0.1), Box(0.2, 0.2, 0.1, -0.1), Box(0.3, 0.3, 0.1, 0.1))).ToJsonString(), issues);
        Assert.Equal([new Detection("1", 0.9, 0.5, 0.6, 0.5, 0.4), new Detection("1", 0.9, 0, 0, 0.3 - 0.0002, 0.3 - 0.0001)], results.Find("a.jpg")!.Detections);
        Assert.Equal([new Detection("1", 0.9, 0.3, 0.3, 0.1, 0.1)], results.Find("b.jpg")!.Detections);
        Assert.Equal(4, results.DroppedBoxes.Count);
        Assert.All(results.DroppedBoxes, m => Assert.Contains($"{dir.Combine("md.json")}: images[1] ('b.jpg') detection ", m));
        Assert.Contains("detection 0: box [0.8, 0.1, 0.5, 0.2] reaches outside the image", results.DroppedBoxes[0]);
        Assert.Contains("detection 1: box [-0.1, 0.1, 0.2, 0.2] reaches outside the image", results.DroppedBoxes[1]);
        Assert.Contains("detection 2: box [0.2, 0.2, 0, 0.1] has no area", results.DroppedBoxes[2]);
        Assert.Contains("detection 3: box [0.2, 0.2, 0.1, -0.1] has no area", results.DroppedBoxes[3]);
        Assert.Contains(issues.Warnings, w => w.Contains("4 detection box(es) dropped"));
    }

    [Fact]
    public void TheReportCountsImagesPerPolicy()
    {
        using var dir = new TempDir();
        var results = Read(dir, File14(
            Image("images/crop.jpg", Box(0.1, 0.1, 0.2, 0.2)),
            Image("images/faint.jpg", Box(0.1, 0.1, 0.2, 0.2, conf: 0.1)),
            Image("images/blank.jpg"),
            new JsonObject { ["file"] = "images/failed.jpg", ["failure"] = "Failure image access" },
            Image("images/other.jpg")).ToJsonString());
        var items = new[] { "crop", "faint", "blank", "failed", "missing" }
            .Select((name, i) => new ImageItem(dir.Combine("images", name + ".jpg")) { Origin = $"train_features.csv row {i + 2}" }).ToList();
        var report = DetectionReport.Build(items, dir.Path, results, new DetectionCrop());
        Assert.Equal(1, report.Counts[CropOutcome.Crop]);
        Assert.Equal(2, report.Counts[CropOutcome.NoBoxAboveThreshold]);
        Assert.Equal(1, report.Counts[CropOutcome.NotInResults]);
        Assert.Equal(1, report.Counts[CropOutcome.DetectorFailure]);
        Assert.Equal(1, report.UnusedEntries);
        var text = report.Format();
        output.WriteLine(text);
        Assert.Contains("category 1 (animal) boxes with conf >= 0.2, top box", text);
        Assert.Contains("full: no box above threshold        2  (40.0%)", text);
        Assert.Contains("not in the file, e.g. train_features.csv row 6", text);
        Assert.Contains("detector failures, e.g. train_features.csv row 5", text);
        Assert.Contains("Failure image access", text);
        Assert.Contains("1 entry of the file with no image in the data set", text);
    }

    // ---- mct-20 ----

    [SkippableFact]
    public void Mct20BoxesCoverEveryCsvImage()
    {
        var root = SharedData.Mct20;
        Skip.If(root is null, "../shared/data/mct-20 is not present on this machine.");
        var issues = new DataIssues();
        var results = MegaDetectorResults.Read(Path.Combine(root!, "megadetector.json"), issues);
        Assert.Equal("1.4", results.FormatVersion);
        Assert.Equal(1275, results.Images.Count);
        Assert.Equal(946, results.Images.Count(i => i.Detections.Count > 0));
        Assert.DoesNotContain(results.Images, i => i.Failed);
        Assert.Empty(results.DroppedBoxes);
        Assert.Empty(issues.Warnings);

        var items = new CsvSource(ConservisionSource.FeaturesFile).ReadAll(root!);
        Assert.Equal(1275, items.Count);
        Assert.All(items, item => Assert.NotNull(results.Find(item, root!)));
        Assert.All(items, item => Assert.NotNull(results.Find(item.Fields["filepath"])));

        var report = DetectionReport.Build(items, root!, results, new DetectionCrop());
        output.WriteLine(report.Format());
        Assert.Equal(946, report.Counts[CropOutcome.Crop]);
        Assert.Equal(329, report.Counts[CropOutcome.NoBoxAboveThreshold]);
        Assert.Equal(0, report.Counts[CropOutcome.NotInResults]);
        Assert.Equal(0, report.Counts[CropOutcome.DetectorFailure]);
        Assert.Equal(0, report.UnusedEntries);

        // Every region lies inside the 640 x 640 photos and is square (a box never exceeds the image side there).
        foreach (var mode in Enum.GetValues<CropMode>())
            foreach (var entry in results.Images)
                if (new DetectionCrop(Mode: mode).Decide(640, 640, entry).Region is { } region)
                {
                    Assert.True(region.Left >= 0 && region.Top >= 0 && region.Right <= 640 && region.Bottom <= 640, $"{entry.File}: {region}");
                    Assert.Equal(region.Width, region.Height);
                }
    }
}
