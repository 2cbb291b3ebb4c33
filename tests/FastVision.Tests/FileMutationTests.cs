using System.Text.Json.Nodes;
using FastVision.Data;
using FastVision.Inference;
using FastVision.Models;
using FastVision.Training;
using FsCheck;
using FsCheck.Fluent;
using SkiaSharp;
using static TorchSharp.torch;

namespace FastVision.Tests;

/// <summary>
/// Every reader of a user's file, given random mutations of a valid file (bytes changed, inserted, deleted, repeated, the file
/// cut short): it loads, or it throws its documented error naming the file — never another exception, a crash or a hang.
/// The seed is fixed, so a failure reproduces.
/// </summary>
public class FileMutationTests
{
    private const int Cases = 60;

    /// <summary>One edit of a file's bytes; positions and lengths are shares of the file's length so that one generator fits every file.</summary>
    public sealed record Mutation(int Kind, double Position, double Length, byte Value)
    {
        public byte[] Apply(byte[] bytes)
        {
            int at = (int)(Position * bytes.Length), span = Math.Max(1, (int)(Length * Math.Min(64, bytes.Length)));
            var list = bytes.ToList();
            switch (Kind)
            {
                case 0 when list.Count > 0: list[Math.Min(at, list.Count - 1)] = Value; break; // change a byte
                case 1: list.RemoveRange(at, list.Count - at); break;                         // cut the file short
                case 2: list.InsertRange(at, Enumerable.Repeat(Value, span)); break;         // insert bytes
                case 3: list.RemoveRange(at, Math.Min(span, list.Count - at)); break;        // delete bytes
                case 4: list.InsertRange(at, list.Skip(at).Take(span).ToList()); break;      // repeat a run
                case 5 when list.Count > 0: list[Math.Min(at, list.Count - 1)] ^= (byte)(1 << (Value % 8)); break; // flip a bit
            }
            return [.. list];
        }
    }

    private static readonly Gen<Mutation> OneMutation =
        from kind in Gen.Choose(0, 5)
        from position in Gen.Choose(0, 1000)
        from length in Gen.Choose(1, 1000)
        from value in Gen.Choose(0, 255)
        select new Mutation(kind, position / 1000.0, length / 1000.0, (byte)value);

    private static readonly Arbitrary<Mutation[]> Mutations = Arb.From(Gen.Choose(1, 4).SelectMany(n => Gen.ArrayOf(OneMutation, n)));

    /// <summary>
    /// Writes each mutated copy of <paramref name="valid"/> to <paramref name="path"/> and reads it with <paramref name="read"/>; any
    /// exception other than <paramref name="allowed"/> (whose message must name the file) fails with the mutations that caused it.
    /// </summary>
    private static void Check(string path, byte[] valid, Action read, params Type[] allowed)
    {
        read(); // the valid file loads
        Prop.ForAll(Mutations, mutations =>
        {
            File.WriteAllBytes(path, mutations.Aggregate(valid, (bytes, m) => m.Apply(bytes)));
            try
            {
                read();
            }
            catch (Exception e) when (allowed.Any(t => t.IsInstanceOfType(e)))
            {
                Assert.True(e.Message.Contains(Path.GetFileName(path), StringComparison.Ordinal) || e.Message.Contains(Path.GetDirectoryName(path)!, StringComparison.Ordinal),
                    $"{e.GetType().Name} does not name the file: {e.Message}");
            }
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(Cases).WithReplay(20261201UL, 17UL).WithQuietOnSuccess(true));
    }

    [Fact]
    public void ModelJson()
    {
        using var dir = new TempDir();
        var metadata = new ModelMetadata(ModelBundle.FormatVersion, "1.0", "cntk-resnet", ["antelope", "bird"],
            ImagePipeline.Default(64) with { Normalization = Normalization.ImageNet }, [new EpochResult(0, 0.9, 0.8, new Dictionary<string, double> { ["accuracy"] = 0.5 }, TimeSpan.FromSeconds(1), 10)])
        {
            Calibration = new Calibration(1.2, 0.8, 0.7, 10),
        };
        var path = dir.Combine(ModelBundle.MetadataFile);
        JsonFiles.Write(path, metadata);
        Check(path, File.ReadAllBytes(path), () => ModelBundle.ReadMetadata(dir.Path), typeof(InvalidDataException));
    }

    [Fact]
    public void HubConfigJson()
    {
        using var dir = new TempDir();
        var folder = dir.Combine("weights", "resnet18.mutated_in1k");
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, HubWeights.ConfigFile);
        File.WriteAllText(path, new JsonObject
        {
            ["architecture"] = "resnet18",
            ["pretrained_cfg"] = new JsonObject
            {
                ["input_size"] = new JsonArray(3, 224, 224), ["crop_pct"] = 0.875, ["interpolation"] = "bicubic",
                ["mean"] = new JsonArray(0.485, 0.456, 0.406), ["std"] = new JsonArray(0.229, 0.224, 0.225),
            },
        }.ToJsonString());
        var store = new WeightStore { Directory = dir.Combine("cache"), LocalDirectories = [dir.Combine("weights")], Offline = true };
        Check(path, File.ReadAllBytes(path), () => Architectures.Resolve("resnet18.mutated_in1k", store), typeof(InvalidDataException));
    }

    [Theory]
    [InlineData(".safetensors")]
    [InlineData(".pth")]
    public void WeightFile(string extension)
    {
        using var dir = new TempDir();
        var path = dir.Combine("weights" + extension);
        manual_seed(0);
        WeightFiles.Write(path, new Dictionary<string, Tensor> { ["conv1.weight"] = randn(4, 3, 3, 3), ["bn1.running_mean"] = zeros(4), ["fc.bias"] = ones(2) });
        Check(path, File.ReadAllBytes(path), () =>
        {
            foreach (var t in WeightFiles.Read(path).Values) t.Dispose();
        }, typeof(InvalidDataException));
    }

    [Fact]
    public void CompetitionCsvs()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.Combine("train_features"));
        foreach (var id in new[] { "ZJ000000", "ZJ000001", "ZJ000002" })
            TestImages.Solid(dir.Combine("train_features", id + ".jpg"), 24, 16, SKColors.Olive);
        File.WriteAllText(dir.Combine(ConservisionSource.FeaturesFile),
            "id,filepath,site\nZJ000000,train_features/ZJ000000.jpg,S0120\nZJ000001,train_features/ZJ000001.jpg,S0069\nZJ000002,train_features/ZJ000002.jpg,S0009\n");
        File.WriteAllText(dir.Combine(ConservisionSource.LabelsFile),
            "id,antelope_duiker,bird,blank\nZJ000000,1.0,0.0,0.0\nZJ000001,0.0,1.0,0.0\nZJ000002,0.0,0.0,1.0\n");
        foreach (var file in new[] { ConservisionSource.FeaturesFile, ConservisionSource.LabelsFile })
        {
            var path = dir.Combine(file);
            var valid = File.ReadAllBytes(path);
            Check(path, valid, () => new ConservisionSource().GetItems(dir.Path, new DataIssues()), typeof(DataSourceException));
            File.WriteAllBytes(path, valid);
        }
    }

    /// <summary>The generic CSV layout with a group and a validation column: planned whole (labels, indices, split), not just read.</summary>
    [Fact]
    public void LabelsCsv()
    {
        using var dir = new TempDir();
        LayoutFixtures.LabelsCsv(dir.Path);
        var path = dir.Combine("labels.csv");
        Check(path, File.ReadAllBytes(path), () =>
        {
            ImageDataLoaders.CsvBlock(dir.Path, "labels.csv", "filepath", "label", DataSourceTests.Tiny, groupColumn: "camera").Plan(dir.Path);
            ImageDataLoaders.CsvBlock(dir.Path, "labels.csv", "filepath", "label", DataSourceTests.Tiny with { Classes = LayoutFixtures.Species }, validColumn: "is_valid").Plan(dir.Path);
        }, typeof(DataSourceException));
    }

    [Theory]
    [InlineData(CamtrapDpSource.DeploymentsFile)]
    [InlineData(CamtrapDpSource.MediaFile)]
    [InlineData(CamtrapDpSource.ObservationsFile)]
    public void CamtrapDpTables(string file)
    {
        using var dir = new TempDir();
        LayoutFixtures.CamtrapPackage(dir.Path);
        var path = dir.Combine(file);
        Check(path, File.ReadAllBytes(path), () => ImageDataLoaders.CamtrapDpBlock(dir.Path, DataSourceTests.Tiny).Plan(dir.Path), typeof(DataSourceException));
    }

    /// <summary>Every file of a checkpoint folder, on a learner with a tiny model (the files stay small, each mutation is cheap).</summary>
    [Theory]
    [InlineData("last.json")]
    [InlineData("state.json")]
    [InlineData("model.safetensors")]
    [InlineData("optimizer.bin")]
    [InlineData("rng.bin")]
    public void CheckpointFile(string file)
    {
        using var dir = new TempDir();
        var dls = ImageDataLoaders.FromFolder(DemoDataset.Generate(dir.Combine("data"), perClass: 4, seed: 2, width: 24, height: 16),
            new DataLoaderOptions { Size = 16, Presize = 16, BatchSize = 4, Seed = 2 });
        Learner Tiny()
        {
            manual_seed(3);
            var features = nn.Sequential(("pool", nn.AdaptiveAvgPool2d(2)), ("flat", nn.Flatten()), ("linear", nn.Linear(12, 8)), ("norm", nn.BatchNorm1d(8)));
            var model = nn.Sequential(("features", features), ("classifier", nn.Linear(8, dls.Classes.Count)));
            return new Learner(dls, model, new LearnerOptions { Log = null }, splitter: _ => [[features], [model.named_children().Last().module]]);
        }
        using (var learn = Tiny()) learn.Fit(1, 1e-2, [new Callbacks.CheckpointCallback(dir.Combine("run"))]);
        var path = file == "last.json" ? dir.Combine("run", file) : dir.Combine("run", "checkpoint-0001", file);
        using var resumed = Tiny();
        Check(path, File.ReadAllBytes(path), () => resumed.Resume(dir.Combine("run")), typeof(InvalidDataException));
    }

    [Fact]
    public void CrossValidationFoldPredictions()
    {
        using var dir = new TempDir();
        var items = Enumerable.Range(0, 40).Select(i => new ImageItem($"img{i}.jpg", $"c{i % 2}", $"id{i}", $"site{i % 8}")).ToList();
        var data = new DataSet("root", "test", "test", "none", items, [.. Enumerable.Range(0, items.Count)], [], ["c0", "c1"], new DataIssues());
        var plan = CrossValidationPlan.Create(data, folds: 2, holdoutPct: 0.25, seed: 3);
        PredictionRow[] Rows(IEnumerable<ImageItem> of) => [.. of.Select((item, k) => new PredictionRow(item.Path, [k * 0.1f, -k * 0.2f]))];
        var fold = new FoldPredictions(0, new EpochResult(1, 0.9, 0.8, new Dictionary<string, double> { ["accuracy"] = 0.5 }, TimeSpan.FromSeconds(1), 10),
            Rows(plan.FoldData(0).Valid.Select(i => plan.Data.Items[i])), Rows(plan.Holdout));
        fold.Save(dir.Path);
        var path = dir.Combine(FoldPredictions.File);
        Check(path, File.ReadAllBytes(path), () => FoldPredictions.Read(dir.Path, 0, plan), typeof(InvalidDataException));
    }

    [Fact]
    public void SubmissionFormatCsv()
    {
        using var dir = new TempDir();
        var path = dir.Combine("submission_format.csv");
        File.WriteAllText(path, "id,antelope_duiker,bird,blank\nZJ016488,0,0,0\nZJ016489,0,0,0\n");
        Check(path, File.ReadAllBytes(path), () => SubmissionFormat.Read(path), typeof(DataSourceException));
    }

    /// <summary>The EXIF capture time of a JPEG: a time or null (unreadable metadata counts as no time), never another exception.</summary>
    [Fact]
    public void ExifCaptureTime()
    {
        using var dir = new TempDir();
        var path = dir.Combine("frame.jpg");
        using var bitmap = new SKBitmap(8, 8); // small, so that most mutations land in the EXIF segment
        bitmap.Erase(SKColors.DarkKhaki);
        var valid = TestImages.WithExifTimes(TestImages.Encode(bitmap, SKEncodedImageFormat.Jpeg), new DateTime(2024, 3, 11, 6, 15, 0), new DateTime(2024, 3, 11, 6, 15, 0));
        File.WriteAllBytes(path, valid);
        Assert.NotNull(ExifTime.Read(path));
        Check(path, valid, () => ExifTime.Read(path), typeof(DataSourceException));
    }

    [Fact]
    public void MegaDetectorResultsJson()
    {
        using var dir = new TempDir();
        var path = dir.Combine("megadetector.json");
        File.WriteAllText(path, """
            {"info":{"format_version":"1.4","detector":"md_v5a.0.0.pt"},"detection_categories":{"1":"animal","2":"person","3":"vehicle"},
             "images":[{"file":"images/MCT00000.jpg","detections":[{"category":"1","conf":0.93,"bbox":[0.5839,0.7787,0.1411,0.1944]},
                                                               {"category":"2","conf":0.21,"bbox":[0.0,0.1,0.2,0.3]}]},
                       {"file":"images/MCT00001.jpg","detections":[]},
                       {"file":"images/MCT00002.jpg","failure":"Failure image access","detections":null}]}
            """);
        Check(path, File.ReadAllBytes(path), () => MegaDetectorResults.Read(path), typeof(DataSourceException));
    }

    [Theory]
    [InlineData(".jpg")]
    [InlineData(".png")]
    public void Image(string extension)
    {
        using var dir = new TempDir();
        var path = dir.Combine("photo" + extension);
        TestImages.Solid(path, 40, 30, SKColors.SaddleBrown);
        Check(path, File.ReadAllBytes(path), () =>
        {
            ImageDecoder.ReadHeader(path);
            using var bitmap = ImageDecoder.DecodeUpright(path, 16);
        }, typeof(DataSourceException));
    }

    /// <summary>A complete prediction output of each format, with its manifest, written through the job's own format classes.</summary>
    private static (string Output, PredictionManifest Manifest) PredictionFile(TempDir dir, string name)
    {
        var output = dir.Combine(name);
        var identity = new PredictionIdentity("ab12", "cntk-resnet", ["antelope", "bird"], 32, "onnx", null, true, 1.5, "Mean", null, PredictionFormat.FromExtension(name), Ids: true);
        var manifest = new PredictionManifest("1.0", dir.Combine("model"), identity, Shard.All, [new ImageInput(ImageInputKind.Folder, dir.Path)], null, "FastVision test", null)
        {
            Assigned = 3, Complete = true, Rows = 3, Failures = 1,
        };
        using (var file = PredictionOutput.Create(output, manifest.CreateFormat()))
        {
            file.Append([
                new PredictionRecord("a/1.jpg", "ZJ1", [0.25f, 0.75f], null, null, null),
                new PredictionRecord("a/2, \"quoted\".jpg", "ZJ2", [0.5f, 0.5f], null, null, null),
                new PredictionRecord("b/3.jpg", "ZJ3", null, null, null, "not a readable image"),
            ]);
            file.Complete();
        }
        manifest.Write(output);
        return (output, manifest);
    }

    [Theory]
    [InlineData("preds.csv")]
    [InlineData("preds.jsonl")]
    [InlineData("preds.json")]
    public void PredictionOutputResumedOrRead(string name)
    {
        using var dir = new TempDir();
        var (output, manifest) = PredictionFile(dir, name);
        Check(output, File.ReadAllBytes(output), () =>
        {
            PredictionOutput.ReadPredictions(output);
            using var resumed = PredictionOutput.Resume(output, manifest.CreateFormat());
        }, typeof(InvalidDataException));
    }

    [Fact]
    public void PredictionManifest()
    {
        using var dir = new TempDir();
        var (output, _) = PredictionFile(dir, "preds.csv");
        var path = Inference.PredictionManifest.PathOf(output);
        Check(path, File.ReadAllBytes(path), () => Inference.PredictionManifest.Read(output), typeof(InvalidDataException));
    }

    [Fact]
    public void PreprocessJson()
    {
        using var dir = new TempDir();
        var path = dir.Combine(ModelBundle.PreprocessFile);
        OnnxPreprocess.Of(new ModelMetadata(ModelBundle.FormatVersion, "1.0", "cntk-resnet", ["antelope", "bird"], ImagePipeline.Default(64) with { Normalization = Normalization.ImageNet }, [])).Write(path);
        Check(path, File.ReadAllBytes(path), () => OnnxPreprocess.Read(path), typeof(InvalidDataException));
    }
}
