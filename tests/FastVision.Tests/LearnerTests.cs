using FastVision.Data;
using FastVision.Inference;
using FastVision.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace FastVision.Tests;

public class LearnerTests
{
    private static DataLoaders TinyDemo(TempDir dir, int perClass = 16) =>
        ImageDataLoaders.FromFolder(DemoDataset.Generate(dir.Path, perClass, seed: 5, width: 80, height: 60),
            new DataLoaderOptions { Size = 64, Presize = 72, BatchSize = 16, Seed = 5 });

    [Fact]
    public void ShortTrainingLowersTheValidationLoss()
    {
        using var dir = new TempDir();
        using var learn = VisionLearner.Create(TinyDemo(dir), options: new LearnerOptions { Log = null });
        var (before, _) = learn.Validate();
        learn.FitOneCycle(3, 2e-3);
        Assert.Equal(3, learn.History.Count);
        Assert.True(learn.History[^1].ValidLoss < before, $"valid loss {before:F4} -> {learn.History[^1].ValidLoss:F4}");
    }

    [Fact]
    public void FrozenTrainingChangesOnlyTheHeadAndBatchNorm()
    {
        using var dir = new TempDir();
        using var learn = VisionLearner.Create(TinyDemo(dir, perClass: 8), options: new LearnerOptions { Log = null });
        Assert.True(learn.IsFrozen);
        var before = learn.Model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        learn.Fit(1, 1e-3);
        var after = learn.Model.state_dict();
        var changed = before.Where(kv => !kv.Value.allclose(after[kv.Key], rtol: 0, atol: 0)).Select(kv => kv.Key).ToList();
        Assert.Contains("head.8.weight", changed);
        Assert.DoesNotContain("body.conv1.weight", changed);
        Assert.DoesNotContain("body.layer4.2.conv2.weight", changed);
        Assert.Contains("body.layer4.2.bn2.weight", changed);
    }

    /// <summary>fastai's Learner(dls, model, loss_func, splitter): any model, its own loss and layer groups, the same loop.</summary>
    [Fact]
    public void TheLearnerTrainsAnyModelWithItsLossAndSplitter()
    {
        using var dir = new TempDir();
        var dls = TinyDemo(dir, perClass: 8);
        dls.Pipeline = dls.Pipeline with { Normalization = FastVision.Models.Normalization.ImageNet };
        var features = nn.Sequential(("pool", nn.AdaptiveAvgPool2d(4)), ("flat", nn.Flatten()), ("linear", nn.Linear(48, 16)), ("norm", nn.LayerNorm(16)));
        var classifier = nn.Linear(16, dls.Classes.Count);
        var model = nn.Sequential(("features", features), ("classifier", classifier));
        int lossCalls = 0;
        using var learn = new Learner(dls, model, new LearnerOptions { Log = null, Seed = 1 },
            lossFunction: (pred, target) => { lossCalls++; return nn.functional.cross_entropy(pred, target); },
            splitter: _ => [[features], [classifier]]);
        Assert.Equal(2, learn.LayerGroups.Count);
        learn.Freeze();
        var before = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        learn.FitOneCycle(1, LearningRates.Range(1e-3, 1e-2));
        Assert.True(lossCalls > 0);
        Assert.Equal(2, learn.BaseLearningRates.Length);
        var after = model.state_dict();
        var changed = before.Where(kv => !kv.Value.allclose(after[kv.Key], rtol: 0, atol: 0)).Select(kv => kv.Key).ToList();
        Assert.Contains("classifier.weight", changed);
        Assert.Contains("features.norm.weight", changed); // a frozen group's LayerNorm trains, as BatchNorm does
        Assert.DoesNotContain("features.linear.weight", changed);
        var refused = Assert.Throws<NotSupportedException>(() => learn.Export(dir.Combine("model")));
        Assert.Contains("registered architecture", refused.Message);
    }

    /// <summary>A metric with no value yet (e.g. a class without validation images): NaN must survive the JSON files.</summary>
    private sealed class Undefined : FastVision.Metrics.IMetric
    {
        public string Name => "undefined";
        public bool HigherIsBetter => true;
        public void Reset() { }
        public void Accumulate(Tensor logits, Tensor targets) { }
        public double Value => double.NaN;
    }

    [Fact]
    public void ExportedModelReloadsWithIdenticalOutputs()
    {
        using var dir = new TempDir();
        using var learn = VisionLearner.Create(TinyDemo(dir, perClass: 8),
            options: new LearnerOptions { Log = null, Metrics = _ => [new FastVision.Metrics.Accuracy(), new Undefined()] });
        learn.Fit(1, 1e-3);
        var modelDir = dir.Combine("model");
        learn.Export(modelDir);
        var (model, metadata) = ModelBundle.Load(modelDir);
        using (model)
        {
            Assert.Equal(learn.Dls.Classes, metadata.Classes);
            Assert.Equal("cntk-resnet", metadata.Architecture);
            Assert.Single(metadata.History);
            Assert.True(double.IsNaN(metadata.History[0].Metrics["undefined"]));
            learn.Model.eval();
            model.eval();
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            using var batch = learn.Dls.Valid.GetBatches().First();
            var x = learn.Dls.Valid.Prepare(batch, learn.Device);
            Assert.Equal(0f, (learn.Model.forward(x) - model.forward(x)).abs().max().item<float>());
        }
        Assert.Empty(Directory.GetFiles(modelDir, "*.tmp"));
    }
}
