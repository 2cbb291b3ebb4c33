using FastVision.Inference;
using FastVision.Models;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace FastVision.Tests;

/// <summary>
/// FastVision's EfficientNet against torchvision's: numerics of tiny networks and the full variants' key names, shapes and
/// parameter counts (fixtures written by <c>/usr/bin/python3 tools/reference-fixtures/efficientnet.py</c> with torchvision 0.14),
/// timm's key names, stochastic depth, and the ONNX translation.
/// </summary>
public class EfficientNetTests(ITestOutputHelper output)
{
    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", name);

    /// <summary>TINY_CONFIGS of the fixture script: an all-MBConv network and a FusedMBConv one with V2's BatchNorm eps.</summary>
    private static EfficientNet TinyBody(string name) => name switch
    {
        "mbconv" => new EfficientNet([new(1, 3, 1, 8, 8, 1), new(4, 5, 2, 8, 16, 1), new(2, 3, 1, 16, 16, 2)]),
        "fused" => new EfficientNet([new(1, 3, 1, 8, 8, 1, Fused: true), new(4, 3, 2, 8, 16, 1, Fused: true), new(4, 3, 2, 16, 24, 1)],
            lastChannels: 32, batchNormEps: 1e-3),
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [InlineData("mbconv")]
    [InlineData("fused")]
    public void ATinyEfficientNetComputesTorchvisionsFeatures(string name)
    {
        var fixture = WeightFiles.Read(Fixture($"efficientnet_{name}.pth"));
        try
        {
            using var body = TinyBody(name);
            StateDicts.CopyInto(body, fixture.Where(kv => kv.Key.StartsWith("features.", StringComparison.Ordinal)).ToDictionary(), name);
            body.eval();
            using var noGrad = no_grad();
            using var features = body.forward(fixture["input"]);
            Assert.Equal(fixture["output"].shape, features.shape);
            using var difference = (features - fixture["output"]).abs().max();
            double maxDifference = difference.item<float>();
            output.WriteLine($"{name}: max abs difference {maxDifference:E2}");
            Assert.True(maxDifference < 1e-5, $"{name}: features differ from torchvision's by {maxDifference}");
        }
        finally
        {
            foreach (var t in fixture.Values) t.Dispose();
        }
    }

    /// <summary>Parameter counts of torchvision's <c>features</c>, as the fixture script prints them.</summary>
    [Theory]
    [InlineData("efficientnet_b0", 4007548, 1280)]
    [InlineData("efficientnet_b1", 6513184, 1280)]
    [InlineData("efficientnet_b2", 7700994, 1408)]
    [InlineData("efficientnet_b3", 10696232, 1536)]
    [InlineData("efficientnet_v2_s", 20177488, 1280)]
    public void ARegisteredVariantHasTorchvisionsKeysShapesAndParameterCount(string name, long parameters, long numFeatures)
    {
        using var body = Architectures.Get(name).CreateBody(pretrained: false);
        var expected = TorchvisionKeys(name);
        var actual = body.state_dict().ToDictionary(kv => kv.Key, kv => string.Join(",", kv.Value.shape));
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
        Assert.All(expected, kv => Assert.Equal($"{kv.Key} {kv.Value}", $"{kv.Key} {actual[kv.Key]}"));
        Assert.Equal(parameters, body.parameters().Sum(p => p.numel()));
        Assert.Equal(numFeatures, body.NumFeatures);
    }

    /// <summary>One section of efficientnet_keys.txt: key → shape.</summary>
    private static Dictionary<string, string> TorchvisionKeys(string name)
    {
        var lines = File.ReadAllLines(Fixture("efficientnet_keys.txt"));
        int start = Array.FindIndex(lines, l => l.StartsWith($"[{name}] ", StringComparison.Ordinal)) + 1;
        Assert.True(start > 0, $"{name} is not in efficientnet_keys.txt");
        return lines.Skip(start).TakeWhile(l => !l.StartsWith('[')).Select(l => l.Split(' ')).ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : "");
    }

    /// <summary>
    /// timm's efficientnet_b0 checkpoint keys, by its naming rules: stem <c>conv_stem</c>/<c>bn1</c>, stages of blocks
    /// <c>blocks.S.B</c> (arch_def <c>ds_r1, ir_r2, ir_r2, ir_r3, ir_r3, ir_r4, ir_r1</c>), head <c>conv_head</c>/<c>bn2</c>, <c>classifier</c>.
    /// </summary>
    private static List<string> TimmEfficientNetB0Keys()
    {
        static IEnumerable<string> Conv(string name) => [$"{name}.weight"];
        static IEnumerable<string> Norm(string name) => new[] { "weight", "bias", "running_mean", "running_var", "num_batches_tracked" }.Select(p => $"{name}.{p}");
        IEnumerable<string> se = ["se.conv_reduce.weight", "se.conv_reduce.bias", "se.conv_expand.weight", "se.conv_expand.bias"];
        IEnumerable<string> depthwiseSeparable = [.. Conv("conv_dw"), .. Norm("bn1"), .. se, .. Conv("conv_pw"), .. Norm("bn2")];
        IEnumerable<string> invertedResidual = [.. Conv("conv_pw"), .. Norm("bn1"), .. Conv("conv_dw"), .. Norm("bn2"), .. se, .. Conv("conv_pwl"), .. Norm("bn3")];
        var keys = new List<string>([.. Conv("conv_stem"), .. Norm("bn1")]);
        int[] repeats = [1, 2, 2, 3, 3, 4, 1];
        for (int s = 0; s < repeats.Length; s++)
            for (int b = 0; b < repeats[s]; b++)
                keys.AddRange((s == 0 ? depthwiseSeparable : invertedResidual).Select(k => $"blocks.{s}.{b}.{k}"));
        keys.AddRange([.. Conv("conv_head"), .. Norm("bn2"), "classifier.weight", "classifier.bias"]);
        return keys;
    }

    [Fact]
    public void TimmsEfficientNetB0KeysReachEveryBodyKeyExactlyOnce()
    {
        var architecture = Architectures.EfficientNetB0;
        using var body = architecture.CreateBody(pretrained: false);
        var mapped = TimmEfficientNetB0Keys().Select(k => (Timm: k, Body: architecture.FromTimmKey(k))).ToList();
        Assert.Equal(["classifier.bias", "classifier.weight"], mapped.Where(m => m.Body is null).Select(m => m.Timm).Order(StringComparer.Ordinal));
        var targets = mapped.Where(m => m.Body is not null).Select(m => m.Body!).ToList();
        Assert.Equal(targets.Count, targets.Distinct().Count());
        Assert.Equal(body.state_dict().Keys.Order(StringComparer.Ordinal), targets.Order(StringComparer.Ordinal));
        Assert.Equal("features.1.0.block.1.fc1.weight", architecture.FromTimmKey("blocks.0.0.se.conv_reduce.weight"));
        Assert.Equal("features.2.1.block.3.1.running_var", architecture.FromTimmKey("blocks.1.1.bn3.running_var"));
        Assert.Equal("features.8.0.weight", architecture.FromTimmKey("conv_head.weight"));
    }

    [Fact]
    public void ATimmCheckpointWithItsClassifierLoadsIntoTheBody()
    {
        using var dir = new TempDir();
        var architecture = Architectures.EfficientNetB0;
        manual_seed(6);
        using var source = architecture.CreateBody(pretrained: false);
        using var scope = NewDisposeScope();
        var expected = source.state_dict();
        var checkpoint = TimmEfficientNetB0Keys().ToDictionary(k => k, k => architecture.FromTimmKey(k) is { } key ? expected[key]
            : k.EndsWith(".weight", StringComparison.Ordinal) ? randn(1000, 1280) : randn(1000));
        WeightFiles.Write(dir.Combine("model.safetensors"), checkpoint);
        using var body = architecture.CreateBody(pretrained: false);
        BodyWeights.LoadBody(body, architecture, dir.Combine("model.safetensors"), WeightKeys.Timm);
        var loaded = body.state_dict();
        Assert.All(expected, kv => Assert.True(kv.Value.eq(loaded[kv.Key]).all().item<bool>(), kv.Key));
    }

    [Fact]
    public void TimmsEfficientNetV2KeysNameFusedBlocksByTheirLayers()
    {
        var architecture = Architectures.EfficientNetV2S;
        Assert.Equal("features.1.1.block.0.1.bias", architecture.FromTimmKey("blocks.0.1.bn1.bias")); // ConvBnAct: no expansion
        Assert.Equal("features.2.0.block.1.0.weight", architecture.FromTimmKey("blocks.1.0.conv_pwl.weight")); // EdgeResidual
        Assert.Equal("features.4.0.block.2.fc2.bias", architecture.FromTimmKey("blocks.3.0.se.conv_expand.bias")); // InvertedResidual
        Assert.Equal("features.7.1.weight", architecture.FromTimmKey("bn2.weight"));
        Assert.Null(architecture.FromTimmKey("blocks.0.1.conv_pwl.weight")); // a ConvBnAct has no projection
        Assert.Null(architecture.FromTimmKey("classifier.weight"));
    }

    [Fact]
    public void StochasticDepthDropsWholeSamplesWhileTrainingAndNothingInEval()
    {
        using var drop = TorchSharp.torchvision.ops.StochasticDepth(0.25, TorchSharp.torchvision.StochasticDepth.Mode.Row); // what the blocks use
        using var scope = NewDisposeScope();
        manual_seed(4);
        var x = ones(4000, 2, 3, 3);
        drop.train();
        var y = drop.forward(x);
        var perSample = y.flatten(1);
        Assert.True(perSample.amin(1).eq(perSample.amax(1)).all().item<bool>()); // each sample kept or dropped whole
        Assert.True((perSample.amin(1).eq(0) | perSample.amin(1).isclose(tensor(1 / 0.75f))).all().item<bool>());
        double kept = perSample.amin(1).ne(0).to(ScalarType.Float32).mean().item<float>();
        Assert.InRange(kept, 0.72, 0.78);
        drop.eval();
        Assert.True(drop.forward(x).eq(x).all().item<bool>());
    }

    [Fact]
    public void TinyAndB0VisionModelsExportToOnnxThatAgrees()
    {
        using var dir = new TempDir();
        manual_seed(5);
        foreach (var (name, body, size) in new[] { ("fused", (VisionBody)TinyBody("fused"), 32), ("efficientnet_b0", Architectures.EfficientNetB0.CreateBody(pretrained: false), 64) })
        {
            using var model = new VisionModel(body, ClassifierHead.Create(body.NumFeatures, 3));
            using (var scope = NewDisposeScope())
            using (no_grad())
            {
                model.train(); // BatchNorm statistics of real activations: at their init, eval-mode logits of a deep net vanish
                for (int i = 0; i < 5; i++) model.forward(rand(4, 3, size, size));
                model.eval();
                double largest = model.forward(rand(2, 3, size, size)).abs().max().item<float>();
                output.WriteLine($"{name}: largest logit {largest:G3}");
                Assert.True(largest > 1e-2, $"{name}: logits {largest} too small to compare");
            }
            var agreement = OnnxExport.Save(model, size, dir.Combine($"{name}.onnx"));
            output.WriteLine($"{name}: ONNX Runtime and TorchSharp differ by {agreement.MaxDifference:E2} (allowed {agreement.Allowed:E2})");
            Assert.True(agreement.Agrees, $"{name}: {agreement.MaxDifference} > {agreement.Allowed}");
        }
    }
}
