using System.Text.Json.Nodes;
using FastVision.Data;
using FastVision.Inference;
using FastVision.Training;
using SkiaSharp;
using static TorchSharp.torch;

namespace FastVision.Tests;

/// <summary>Detector-crop views (<c>--views full,crop</c>): trained on the crop and the whole image, averaged at prediction, kept in the bundle.</summary>
public class DetectionViewTests
{
    /// <summary>
    /// A demo data set with a MegaDetector file: every third image without detections, every third with a confident box
    /// (cropped), every third with a faint one (below the threshold: whole).
    /// </summary>
    private static (string Data, string Md) DataWithDetections(TempDir dir)
    {
        var data = DemoDataset.Generate(dir.Combine("data"), perClass: 6, seed: 6, width: 48, height: 36);
        var images = new JsonArray();
        var files = Directory.GetFiles(data, "*.jpg", SearchOption.AllDirectories).Order(StringComparer.Ordinal);
        foreach (var (file, k) in files.Select((f, k) => (f, k)))
        {
            var detections = k % 3 == 0 ? new JsonArray() : new JsonArray(new JsonObject
            {
                ["category"] = "1", ["conf"] = k % 3 == 1 ? 0.9 : 0.1, ["bbox"] = new JsonArray(0.25, 0.25, 0.5, 0.5),
            });
            images.Add(new JsonObject { ["file"] = Path.GetRelativePath(data, file).Replace('\\', '/'), ["detections"] = detections });
        }
        var md = dir.Combine("md.json");
        File.WriteAllText(md, new JsonObject
        {
            ["info"] = new JsonObject { ["format_version"] = "1.4" }, ["detection_categories"] = new JsonObject { ["1"] = "animal" }, ["images"] = images,
        }.ToJsonString());
        return (data, md);
    }

    private static DataLoaderOptions Options(string md, bool fullView) => new()
    {
        Size = 32, Presize = 40, BatchSize = 4, Seed = 6, Detections = MegaDetectorResults.Read(md), Crop = new DetectionCrop(), FullView = fullView,
    };

    /// <summary>A learner fitted one epoch on both views, and the model folder it exported.</summary>
    private static (Learner Learn, string Model) ExportedWithBothViews(TempDir dir)
    {
        var (data, md) = DataWithDetections(dir);
        var learn = VisionLearner.Create(ImageDataLoaders.FromFolder(data, Options(md, fullView: true)), options: new LearnerOptions { Log = null, Seed = 6 });
        learn.FitOneCycle(1, 1e-3);
        learn.Export(dir.Combine("model"));
        return (learn, dir.Combine("model"));
    }

    [Fact]
    public void WithBothViewsTheTrainingLoaderSeesEachCroppedImageTwiceAndTheOthersOnce()
    {
        using var dir = new TempDir();
        var (data, md) = DataWithDetections(dir);
        var cropOnly = ImageDataLoaders.FromFolder(data, Options(md, fullView: false));
        var both = ImageDataLoaders.FromFolder(data, Options(md, fullView: true));
        Assert.Equal([ImageView.Crop], cropOnly.Pipeline.Views);
        Assert.Equal([ImageView.Crop, ImageView.Full], both.Pipeline.Views);

        var cropped = cropOnly.Train.Items.Where(i => new DetectionCrop().Classify(i.Detections) == CropOutcome.Crop).ToList();
        Assert.NotEmpty(cropped);
        Assert.True(cropped.Count < cropOnly.Train.Count); // some training images keep the whole image
        Assert.Equal(cropOnly.Train.Count + cropped.Count, both.Train.Count);
        // Two plans of the same folder: the items are equal by file (their detections are separate reads).
        Assert.Equal(cropOnly.Train.Items.Select(i => i.Path), both.Train.Items.Where(i => i.View == ImageView.Crop).Select(i => i.Path));
        Assert.Equal(cropped.Select(i => i.Path), both.Train.Items.Where(i => i.View == ImageView.Full).Select(i => i.Path));
        Assert.Equal(cropOnly.Valid.Items.Select(i => i.Path), both.Valid.Items.Select(i => i.Path)); // validation loads the primary view; GetPreds averages the other in
        Assert.All(both.Valid.Items, i => Assert.Equal(ImageView.Crop, i.View));

        var noPolicy = ImageDataLoaders.FromFolder(data, Options(md, fullView: true) with { Crop = null });
        Assert.Equal([ImageView.Crop], noPolicy.Pipeline.Views); // without crops there is one picture of each image
        Assert.Equal(cropOnly.Train.Count, noPolicy.Train.Count);
    }

    [Fact]
    public void TheFullViewOfACroppedImageDecodesTheWholeImageAndIsCachedApart()
    {
        using var dir = new TempDir();
        // A 200x100 blue JPEG with a red 40x40 animal at (140, 30), boxed by the detector.
        var path = dir.Combine("scene.jpg");
        using (var bitmap = new SKBitmap(200, 100))
        {
            using (var canvas = new SKCanvas(bitmap))
            {
                canvas.Clear(SKColors.Blue);
                using var red = new SKPaint { Color = SKColors.Red };
                canvas.DrawRect(SKRect.Create(140, 30, 40, 40), red);
            }
            File.WriteAllBytes(path, TestImages.Encode(bitmap, SKEncodedImageFormat.Jpeg));
        }
        var item = new ImageItem(path, "animal")
        {
            Detections = new ImageDetections("scene.jpg", [new Detection("1", 0.9, 140 / 200.0, 30 / 100.0, 40 / 200.0, 40 / 100.0)]),
        };
        var pipeline = ImagePipeline.Default(32, 32, augment: false) with { Crop = new DetectionCrop(Margin: 0), FullView = true };
        var views = pipeline.TrainingItems([item]);
        Assert.Equal([ImageView.Crop, ImageView.Full], views.Select(v => v.View));
        Assert.Null(pipeline.SourceRegion(views[1], ImageDecoder.DefaultMaxPixels));

        var settings = new LoaderSettings { BatchSize = 2, Issues = new DataIssues(BadImagePolicy.Fail), Cache = new PresizeCache(dir.Combine("cache")) };
        using var batch = new Data.DataLoader(views, ["animal"], pipeline, settings, isTrain: false).GetBatches(0).Single();
        var pixels = batch.Images.data<byte>().ToArray();
        int stride = 32 * 32 * 4;
        double RedShare(int image) =>
            Enumerable.Range(0, 32 * 32).Count(p => pixels[image * stride + p * 4] > 200 && pixels[image * stride + p * 4 + 2] < 60) / (32.0 * 32);
        Assert.True(RedShare(0) > 0.9, $"crop view: {RedShare(0):P0} red");
        Assert.True(RedShare(1) < 0.2, $"full view: {RedShare(1):P0} red");
        Assert.Equal(2, Directory.GetFiles(dir.Combine("cache"), "*.rgb", SearchOption.AllDirectories).Length); // the whole image is not the crop's entry
    }

    [Fact]
    public void PredictionAndGetPredsAverageTheTwoViewsOfEachCroppedImage()
    {
        using var dir = new TempDir();
        var (learn, modelDir) = ExportedWithBothViews(dir);
        using var _ = learn;
        var items = learn.Dls.Data.Items; // every image (the few validation images need not include a cropped one)
        var options = new PredictorOptions { Engine = PredictionEngine.Torch, Calibrated = false, BatchSize = 4 };
        using var both = Predictor.Load(modelDir, options);
        Assert.Equal([ImageView.Crop, ImageView.Full], both.Metadata.Pipeline.Views);
        var averaged = both.Predict(items).Rows;

        // Each view on its own: a crop-only predictor over the items, and over the same items as full views.
        var (model, metadata) = ModelBundle.Load(modelDir);
        using var single = new Predictor(new TorchEngine(model, CPU, ownsModel: true), metadata with { Pipeline = metadata.Pipeline with { FullView = false } }, options);
        var crop = single.Predict(items).Rows;
        var full = single.Predict([.. items.Select(i => i with { View = ImageView.Full })]).Rows;

        Assert.Equal(items.Count, averaged.Count);
        int cropped = 0;
        for (int i = 0; i < items.Count; i++)
        {
            Assert.Equal(items[i], averaged[i].Item);
            bool hasCrop = new DetectionCrop().Classify(items[i].Detections) == CropOutcome.Crop;
            cropped += hasCrop ? 1 : 0;
            for (int c = 0; c < averaged[i].Probabilities.Length; c++)
            {
                double expected = hasCrop ? (crop[i].Probabilities[c] + full[i].Probabilities[c]) / 2.0 : crop[i].Probabilities[c];
                Assert.Equal(expected, averaged[i].Probabilities[c], 1e-5);
            }
        }
        Assert.InRange(cropped, 1, items.Count - 1);
        Assert.Contains(Enumerable.Range(0, items.Count), i => Math.Abs(crop[i].Probabilities[0] - full[i].Probabilities[0]) > 1e-6); // the views differ

        // The learner's validation predictions (calibration, interpretation, out-of-fold rows) are the same averaged rows.
        using var preds = learn.GetPreds(learn.Dls.Valid.WithItems(items));
        Assert.Equal(Enumerable.Range(0, items.Count), preds.Items);
        var probabilities = preds.Probabilities();
        for (int i = 0; i < items.Count; i++)
            for (int c = 0; c < probabilities[i].Length; c++)
                Assert.Equal(averaged[i].Probabilities[c], probabilities[i][c], 1e-5);
    }

    [Fact]
    public void TheBundleKeepsTheViewsAndAnOlderBundleWithoutThemPredictsFromTheCropAlone()
    {
        using var dir = new TempDir();
        var (learn, modelDir) = ExportedWithBothViews(dir);
        using var _ = learn;
        var path = Path.Combine(modelDir, ModelBundle.MetadataFile);
        var node = JsonNode.Parse(File.ReadAllText(path))!;
        Assert.True((bool)node["Pipeline"]!["FullView"]!);
        Assert.Equal(learn.Dls.Pipeline, ModelBundle.ReadMetadata(modelDir).Pipeline);

        node["Pipeline"]!.AsObject().Remove("FullView");
        File.WriteAllText(path, node.ToJsonString());
        var old = ModelBundle.ReadMetadata(modelDir).Pipeline;
        Assert.NotNull(old.Crop);
        Assert.False(old.FullView);
        Assert.Equal([ImageView.Crop], old.Views);
    }

    [Theory]
    [InlineData("full", true, "--views full: crop, or full,crop")]
    [InlineData("crop,crop", true, "--views crop,crop: crop, or full,crop")]
    [InlineData("full,crop", false, "needs --detections")]
    public void ViewsTheCliCannotUseAreRefused(string views, bool withDetections, string expected)
    {
        using var dir = new TempDir();
        var (data, md) = DataWithDetections(dir);
        string[] detections = withDetections ? ["--detections", md] : [];
        var run = CliRunner.Run(["data", "--data", data, .. detections, "--views", views, "--size", "32", "--show-batch", dir.Combine("batch.png")]);
        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains(expected, run.Errors);
    }

    [Theory]
    [InlineData("full,crop")]
    [InlineData("Crop, Full")]
    public void DataCountsTheTrainingViewsAndShowsThem(string views)
    {
        using var dir = new TempDir();
        var (data, md) = DataWithDetections(dir);
        var run = CliRunner.Run("data", "--data", data, "--detections", md, "--views", views, "--size", "32", "--batch-size", "4", "--show-batch", dir.Combine("batch.png"));
        Assert.True(run.ExitCode == 0, run.Output + run.Errors);
        Assert.Matches(@"views\s+crop \+ full: \d+ training items from \d+ images", run.Output);
        Assert.True(File.Exists(dir.Combine("batch.png")));
    }
}
