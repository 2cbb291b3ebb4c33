using FastVision.Data;
using FastVision.Models;
using FastVision.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace FastVision.Tests;

public class RegistryTests
{
    public static TheoryData<string> Names => new(Architectures.All.Select(a => a.Name));

    [Theory]
    [MemberData(nameof(Names))]
    public void EveryArchitectureBuildsRunsAndSplitsIntoLayerGroups(string name)
    {
        var arch = Architectures.Get(name);
        using var model = VisionModel.Create(arch, 3);
        var body = model.Body;
        model.eval();
        using var noGrad = no_grad();
        using var x = randn(2, 3, 64, 64);
        using var features = body.forward(x);
        Assert.Equal(body.NumFeatures, features.shape[1]);
        using var logits = model.forward(x);
        Assert.Equal([2L, 3L], logits.shape);

        // Body groups then the head: every parameter in exactly one group.
        var grouped = model.LayerGroups.SelectMany(g => g.SelectMany(m => m.parameters())).Select(p => p.Handle).ToList();
        Assert.True(model.LayerGroups.Count >= 3, $"{name}: {model.LayerGroups.Count} groups");
        Assert.Equal(grouped.Count, grouped.Distinct().Count());
        Assert.Equal(model.parameters().Count(), grouped.Count);
    }

    [Fact]
    public void TorchvisionWeightsWithAWrapperAndAClassifierLoadIntoTheBody()
    {
        using var dir = new TempDir();
        // A torchvision-style resnet18 checkpoint as PyTorch writes it from DataParallel: module.* with a 1000-class fc.
        manual_seed(11);
        using var source = Architectures.ResNet18.CreateBody(pretrained: false);
        var state = source.state_dict().ToDictionary(kv => "module." + kv.Key, kv => kv.Value);
        state["module.fc.weight"] = randn(1000, 512);
        state["module.fc.bias"] = randn(1000);
        WeightFiles.Write(dir.Combine("resnet18.pth"), state);

        var dls = ImageDataLoaders.FromFolder(DemoDataset.Generate(dir.Combine("data"), perClass: 4, seed: 2, width: 40, height: 30),
            new DataLoaderOptions { Size = 32, Presize = 36, BatchSize = 4, Seed = 2 });
        var log = new StringWriter();
        using var learn = VisionLearner.Create(dls, Architectures.ResNet18, new LearnerOptions { Log = log, Weights = dir.Combine("resnet18.pth") });
        Assert.True(learn.IsFrozen);
        Assert.True(learn.Model.Body.state_dict()["layer3.1.conv2.weight"].allclose(source.state_dict()["layer3.1.conv2.weight"], rtol: 0, atol: 0));
        Assert.Contains("ignored 2: module.fc.bias, module.fc.weight", log.ToString());

        // The same file does not fit the built-in ResNet (blocks [2,2,2,3]): the missing keys are named.
        var e = Assert.Throws<InvalidDataException>(() => VisionLearner.Create(dls, Architectures.CntkResNet, new LearnerOptions { Log = null, Weights = dir.Combine("resnet18.pth") }));
        Assert.Contains("missing: layer4.2.conv1.weight", e.Message);
    }

    [Fact]
    public void ExportedTorchvisionNamesLoadBackAndTheHeadIsKeptOnlyWhenItFits()
    {
        using var dir = new TempDir();
        var dls = ImageDataLoaders.FromFolder(DemoDataset.Generate(dir.Combine("data"), perClass: 4, seed: 3, width: 40, height: 30),
            new DataLoaderOptions { Size = 32, Presize = 36, BatchSize = 4, Seed = 3 });
        using var learn = VisionLearner.Create(dls, options: new LearnerOptions { Log = null });
        learn.FitOneCycle(1, 1e-3);
        BodyWeights.Export(learn.Model, dir.Combine("export.safetensors"));
        var keys = WeightFiles.Read(dir.Combine("export.safetensors")).Keys.ToList();
        Assert.Contains("conv1.weight", keys);
        Assert.Contains("layer2.0.downsample.0.weight", keys);
        Assert.Contains("head.8.weight", keys);
        Assert.DoesNotContain(keys, k => k.StartsWith("body.", StringComparison.Ordinal));

        var log = new StringWriter();
        using var again = VisionLearner.Create(dls, options: new LearnerOptions { Log = log, Weights = dir.Combine("export.safetensors") });
        learn.Model.eval();
        again.Model.eval();
        using var x = randn(2, 3, 32, 32);
        using (no_grad()) Assert.True(learn.Model.forward(x).allclose(again.Model.forward(x), rtol: 0, atol: 0));

        // Two classes instead of four: the body loads, the head is new (and said to be ignored).
        foreach (var cls in learn.Dls.Classes.Take(2))
        {
            Directory.CreateDirectory(dir.Combine("two", cls));
            foreach (var f in Directory.GetFiles(dir.Combine("data", cls))) File.Copy(f, dir.Combine("two", cls, Path.GetFileName(f)));
        }
        var two = ImageDataLoaders.FromFolder(dir.Combine("two"), new DataLoaderOptions { Size = 32, Presize = 36, BatchSize = 2, Seed = 3 });
        var twoLog = new StringWriter();
        using var twoClasses = VisionLearner.Create(two, options: new LearnerOptions { Log = twoLog, Weights = dir.Combine("export.safetensors") });
        Assert.Contains("ignored 12: head.2.bias", twoLog.ToString()); // the whole 4-class head
        Assert.DoesNotContain("and the head", twoLog.ToString());
        Assert.Contains("and the head", log.ToString());
        Assert.True(twoClasses.Model.Body.state_dict()["layer4.0.conv1.weight"].allclose(learn.Model.Body.state_dict()["layer4.0.conv1.weight"], rtol: 0, atol: 0));
    }
}
