using System.Text.Json.Nodes;
using FastVision.Data;
using FastVision.Inference;
using FastVision.Models;
using FastVision.Training;
using static TorchSharp.torch;

namespace FastVision.Tests;

public class ModelInteropTests
{
    private static Learner TrainedTiny(TempDir dir, Architecture? arch = null)
    {
        var dls = ImageDataLoaders.FromFolder(DemoDataset.Generate(dir.Combine("data"), perClass: 6, seed: 6, width: 48, height: 36),
            new DataLoaderOptions { Size = 32, Presize = 40, BatchSize = 8, Seed = 6 });
        var learn = VisionLearner.Create(dls, arch ?? Architectures.Default, new LearnerOptions { Log = null, Seed = 6, Pretrained = arch is null });
        learn.FitOneCycle(1, 1e-3); // moves the BatchNorm statistics away from their initial values
        return learn;
    }

    [Theory]
    [InlineData("cntk-resnet")]
    [InlineData("resnet50")]
    public void OnnxExportAgreesWithTorchSharpForAnyBatchSize(string architecture)
    {
        using var dir = new TempDir();
        var arch = Architectures.Get(architecture);
        using var learn = TrainedTiny(dir, arch == Architectures.Default ? null : arch);
        Assert.True(learn.Export(dir.Combine("model")).HasOnnx);
        Assert.True(File.Exists(dir.Combine("model", ModelBundle.OnnxFile)));

        using var onnx = new OnnxEngine(dir.Combine("model", ModelBundle.OnnxFile));
        using var torchEngine = new TorchEngine(learn.Model, CPU);
        foreach (var batch in new[] { 1, 3 })
        {
            manual_seed(batch);
            using var x = randn(batch, 3, 32, 32);
            using var expected = torchEngine.Forward(x);
            using var actual = onnx.Forward(x);
            Assert.Equal(expected.shape, actual.shape);
            Assert.True((expected - actual).abs().max().item<float>() < 1e-4, $"{architecture}, batch {batch}: max difference {(expected - actual).abs().max().item<float>()}");
        }
    }

    [Fact]
    public void ABundleOfAnArchitectureWithoutOnnxLeavesNoEarlierGraphBehind()
    {
        using var dir = new TempDir();
        using var learn = TrainedTiny(dir, Architectures.MobileNetV3Small);
        Directory.CreateDirectory(dir.Combine("model"));
        File.WriteAllText(dir.Combine("model", ModelBundle.OnnxFile), "an earlier run's graph");
        var saved = learn.Export(dir.Combine("model"));
        Assert.False(File.Exists(dir.Combine("model", ModelBundle.OnnxFile)));
        Assert.False(saved.HasOnnx);
        Assert.Null(saved.OnnxWarning); // no exporter for the architecture: nothing was refused
        using var predictor = Predictor.Load(dir.Combine("model"));
        Assert.Equal("torch fp32", predictor.EngineName);
    }

    [Fact]
    public void AutoEnginePicksOnnxAndPredictsLikeTorchSharp()
    {
        using var dir = new TempDir();
        using var learn = TrainedTiny(dir);
        learn.Export(dir.Combine("model"));
        using var auto = Predictor.Load(dir.Combine("model"));
        using var torch = Predictor.Load(dir.Combine("model"), new PredictorOptions { Engine = PredictionEngine.Torch });
        using var bf16 = Predictor.Load(dir.Combine("model"), new PredictorOptions { MixedPrecision = ScalarType.BFloat16 });
        Assert.Equal("onnx", auto.EngineName);
        Assert.Equal("torch fp32", torch.EngineName);
        Assert.Equal("torch bf16", bf16.EngineName);
        var a = auto.Predict(learn.Dls.Valid.Items).Rows;
        var b = torch.Predict(learn.Dls.Valid.Items).Rows;
        for (int i = 0; i < a.Count; i++)
            for (int c = 0; c < a[i].Probabilities.Length; c++)
                Assert.Equal(b[i].Probabilities[c], a[i].Probabilities[c], 4);
    }

    [Theory]
    [InlineData("FormatVersion", "\"9\"", "reads formats 1, 2, 3")]
    [InlineData("Classes", "[\"a\", \"a\", \"b\", \"c\"]", "duplicate class names")]
    [InlineData("Pipeline.Normalization.Std", "[0.2, 0, 0.2]", "standard deviation that is not positive")]
    [InlineData("Pipeline.Presize", "null", "presize missing")]
    [InlineData("Pipeline.Size", "0", "input size 0")]
    [InlineData("Architecture", "\"vgg99\"", "Unknown architecture 'vgg99'")]
    public void ABundleWithABadPartIsRefusedWithItsName(string field, string json, string expected)
    {
        using var dir = new TempDir();
        using var learn = TrainedTiny(dir);
        learn.Export(dir.Combine("model"));
        var path = dir.Combine("model", ModelBundle.MetadataFile);
        var node = JsonNode.Parse(File.ReadAllText(path))!;
        var names = field.Split('.');
        var parent = names[..^1].Aggregate(node, (n, name) => n[name]!);
        parent[names[^1]] = JsonNode.Parse(json);
        File.WriteAllText(path, node.ToJsonString());
        var e = Assert.Throws<InvalidDataException>(() => ModelBundle.Load(dir.Combine("model")));
        Assert.Contains(expected, e.Message);
        Assert.Contains(ModelBundle.MetadataFile, e.Message);
    }

    [Fact]
    public void TheBundleStoresThePipelineOnceAndThePredictorReadsItBack()
    {
        using var dir = new TempDir();
        using var learn = TrainedTiny(dir);
        learn.Export(dir.Combine("model"));
        var json = JsonNode.Parse(File.ReadAllText(dir.Combine("model", ModelBundle.MetadataFile)))!.AsObject();
        Assert.Equal(["FormatVersion", "FastVisionVersion", "Architecture", "Classes", "Pipeline", "History", "Calibration"], json.Select(p => p.Key));
        Assert.Equal("3", (string?)json["FormatVersion"]);
        using var predictor = Predictor.Load(dir.Combine("model"));
        Assert.Equal(learn.Dls.Pipeline, predictor.Metadata.Pipeline);
        Assert.Equal(Architectures.Default.Normalization, predictor.Metadata.Pipeline.Normalization);
    }

    /// <summary>model.json as FastVision 0.4 wrote it (format 2: size, presize, mean, std side by side; the augmentation with its own size).</summary>
    [Theory]
    [InlineData("2")]
    [InlineData("1")]
    public void ABundleInAnEarlierFormatStillLoadsAndPredictsTheSame(string format)
    {
        using var dir = new TempDir();
        using var learn = TrainedTiny(dir);
        learn.Export(dir.Combine("model"));
        using var current = Predictor.Load(dir.Combine("model"), new PredictorOptions { Engine = PredictionEngine.Torch });
        var expected = current.Predict(learn.Dls.Valid.Items).Rows;

        var path = dir.Combine("model", ModelBundle.MetadataFile);
        var node = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        var pipeline = node["Pipeline"]!;
        var old = new JsonObject
        {
            ["FormatVersion"] = format, ["FastVisionVersion"] = "0.4.0.0", ["Architecture"] = node["Architecture"]!.DeepClone(),
            ["Classes"] = node["Classes"]!.DeepClone(), ["Size"] = pipeline["Size"]!.DeepClone(),
            ["Mean"] = pipeline["Normalization"]!["Mean"]!.DeepClone(), ["Std"] = pipeline["Normalization"]!["Std"]!.DeepClone(),
            ["History"] = node["History"]!.DeepClone(),
        };
        if (format == "2")
        {
            old["Presize"] = pipeline["Presize"]!["Size"]!.DeepClone();
            var augment = pipeline["Augment"]!.DeepClone().AsObject();
            augment.Insert(0, "Size", pipeline["Size"]!.DeepClone());
            old["Augment"] = augment;
            old["Calibration"] = node["Calibration"]?.DeepClone();
        }
        File.WriteAllText(path, old.ToJsonString());

        using var predictor = Predictor.Load(dir.Combine("model"), new PredictorOptions { Engine = PredictionEngine.Torch });
        var expectedPipeline = format == "2" ? learn.Dls.Pipeline : learn.Dls.Pipeline with { Presize = new Presize(32), Augment = AugTransforms.None };
        Assert.Equal(expectedPipeline, predictor.Metadata.Pipeline);
        if (format == "2")
        {
            var actual = predictor.Predict(learn.Dls.Valid.Items).Rows;
            for (int i = 0; i < expected.Count; i++)
                Assert.Equal(expected[i].Probabilities, actual[i].Probabilities);
        }
        else Assert.Equal(learn.Dls.Valid.Count, predictor.Predict(learn.Dls.Valid.Items).Rows.Count);
    }

    [Fact]
    public void RenamedOrMisShapedWeightsAreRefusedNamingTheKey()
    {
        using var dir = new TempDir();
        using var learn = TrainedTiny(dir);
        learn.Export(dir.Combine("model"));
        var weightsPath = dir.Combine("model", ModelBundle.WeightsFile);
        var weights = WeightFiles.Read(weightsPath);
        weights["body.layer1.0.conv1.weigth"] = weights["body.layer1.0.conv1.weight"];
        weights.Remove("body.layer1.0.conv1.weight");
        WeightFiles.Write(weightsPath, weights);
        var renamed = Assert.Throws<InvalidDataException>(() => ModelBundle.Load(dir.Combine("model")));
        Assert.Contains("missing: body.layer1.0.conv1.weight", renamed.Message);
        Assert.Contains("unexpected: body.layer1.0.conv1.weigth", renamed.Message);

        weights = WeightFiles.Read(weightsPath);
        weights["body.layer1.0.conv1.weight"] = weights["body.layer1.0.conv1.weigth"][..10];
        weights.Remove("body.layer1.0.conv1.weigth");
        WeightFiles.Write(weightsPath, weights);
        var shape = Assert.Throws<InvalidDataException>(() => ModelBundle.Load(dir.Combine("model")));
        Assert.Contains("body.layer1.0.conv1.weight (file [10,64,3,3], model [64,64,3,3])", shape.Message);
    }

    [Theory]
    [InlineData("weights.pth")]
    [InlineData("weights.safetensors")]
    public void StateDictRoundTripThroughPyTorchAndSafetensorsFiles(string file)
    {
        using var dir = new TempDir();
        using var learn = TrainedTiny(dir);
        var original = learn.Model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value);
        WeightFiles.Write(dir.Combine(file), original);
        var loaded = WeightFiles.Read(dir.Combine(file));
        Assert.Equal(original.Keys.Order(), loaded.Keys.Order());
        foreach (var (key, value) in original) Assert.True(value.allclose(loaded[key], rtol: 0, atol: 0), key);
    }

    [Fact]
    public void ABundleSavedThenLoadedGivesIdenticalOutputs()
    {
        using var dir = new TempDir();
        using var learn = TrainedTiny(dir);
        learn.Export(dir.Combine("model"));
        var (model, metadata) = ModelBundle.Load(dir.Combine("model"));
        using (model)
        {
            Assert.Equal(learn.Dls.Classes, metadata.Classes);
            Assert.Equal(ModelBundle.FormatVersion, metadata.FormatVersion);
            learn.Model.eval();
            model.eval();
            using var x = randn(2, 3, 32, 32);
            using var _ = no_grad();
            Assert.True(learn.Model.forward(x).allclose(model.forward(x), rtol: 0, atol: 0));
        }
    }
}
