using FastVision.Inference;
using FastVision.Models;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace FastVision.Tests;

/// <summary>
/// FastVision's RegNet against torchvision 0.14: numerics of a tiny network, shapes and keys of the registered ones, the
/// design rule that generates their stages, timm's key names, and ONNX export. The reference data comes from
/// <c>/usr/bin/python3 tools/reference-fixtures/regnet.py</c> (its printed values are the literals below).
/// </summary>
public class RegNetTests(ITestOutputHelper output)
{
    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", name);

    /// <summary>The script's tiny network: two blocks in stage 2 (an identity shortcut), grouped 3x3s, a 0.5 bottleneck in stage 4.</summary>
    private static RegNet TinyRegNet() => new(
        [new RegNetStage(8, 1, 8), new RegNetStage(16, 2, 8), new RegNetStage(24, 1, 8), new RegNetStage(32, 1, 8, BottleneckMultiplier: 0.5)],
        seRatio: 0.25, stemWidth: 8);

    /// <summary>The tiny network with the fixture's weights (randomized BatchNorm statistics), and the fixture's input and output.</summary>
    private static (RegNet Body, Tensor Input, Tensor Expected) TinyWithTorchvisionWeights()
    {
        var weights = WeightFiles.Read(Fixture("regnet_tiny.pth"));
        var input = weights["input"];
        var expected = weights["output"];
        weights.Remove("input");
        weights.Remove("output");
        var body = TinyRegNet();
        StateDicts.CopyInto(body, weights, "regnet_tiny.pth");
        foreach (var t in weights.Values) t.Dispose();
        body.eval();
        return (body, input, expected);
    }

    [Fact]
    public void ATinyRegNetComputesWhatTorchvisionComputes()
    {
        var (body, input, expected) = TinyWithTorchvisionWeights();
        using (body)
        using (input)
        using (expected)
        using (no_grad())
        using (var actual = body.forward(input))
        {
            Assert.Equal(expected.shape, actual.shape);
            double difference = (actual - expected).abs().max().item<float>();
            output.WriteLine($"max abs difference to torchvision: {difference:G3} (largest output {expected.abs().max().item<float>():G3})");
            Assert.True(difference < 1e-5, $"differs from torchvision by {difference}");
        }
    }

    /// <summary>torchvision's BlockParams.from_init_params for every RegNetY it defines (400MF ... 128GF), as the script printed them.</summary>
    [Theory]
    [InlineData(16, 48, 27.89, 2.09, 8, "1,3,6,6", "48,104,208,440", "8,8,8,8")]
    [InlineData(14, 56, 38.84, 2.4, 16, "1,3,8,2", "64,144,320,784", "16,16,16,16")]
    [InlineData(27, 48, 20.71, 2.65, 24, "2,6,17,2", "48,120,336,888", "24,24,24,24")]
    [InlineData(21, 80, 42.63, 2.66, 24, "2,5,13,1", "72,216,576,1512", "24,24,24,24")]
    [InlineData(17, 192, 76.82, 2.19, 56, "2,4,10,1", "224,448,896,2016", "56,56,56,56")]
    [InlineData(18, 200, 106.23, 2.48, 112, "2,4,11,1", "224,448,1232,3024", "112,112,112,112")]
    [InlineData(20, 232, 115.89, 2.53, 232, "2,5,12,1", "232,696,1392,3712", "232,232,232,232")]
    [InlineData(27, 456, 160.83, 2.52, 264, "2,7,17,1", "528,1056,2904,7392", "264,264,264,264")]
    public void StagesFollowTorchvisionsDesignRule(int depth, int w0, double wa, double wm, int groupWidth, string depths, string widths, string groupWidths)
    {
        var stages = RegNet.StagesFromInitParams(depth, w0, wa, wm, groupWidth);
        Assert.Equal(depths, string.Join(",", stages.Select(s => s.Depth)));
        Assert.Equal(widths, string.Join(",", stages.Select(s => s.Width)));
        Assert.Equal(groupWidths, string.Join(",", stages.Select(s => s.GroupWidth)));
    }

    /// <summary>
    /// Parameter counts and state-dict entries (key and shape) as torchvision's models have them without fc: the script's
    /// "body parameters" (torchvision's num_params 11202430 and 19436338 minus the 1000-class fc) and its key files.
    /// </summary>
    [Theory]
    [InlineData("regnety_016", "regnet_y_1_6gf", 10313430L, 624, 888L)]
    [InlineData("regnety_032", "regnet_y_3_2gf", 17923338L, 492, 1512L)]
    public void RegisteredRegNetsHaveTorchvisionsKeysAndShapes(string name, string torchvisionName, long parameters, int keys, long features)
    {
        using var body = Architectures.Get(name).CreateBody(pretrained: false);
        Assert.Equal(parameters, body.parameters().Sum(p => p.numel()));
        Assert.Equal(features, body.NumFeatures);
        var expected = File.ReadAllLines(Fixture($"{torchvisionName}.keys.txt"));
        Assert.Equal(keys, expected.Length);
        var actual = body.state_dict().Select(kv => $"{kv.Key} {string.Join(",", kv.Value.shape)}");
        Assert.Equal(expected.Order(StringComparer.Ordinal), actual.Order(StringComparer.Ordinal));
    }

    /// <summary>
    /// The keys of timm's regnety_016 checkpoint, from timm's naming: stem.conv, stem.bn, s{stage}.b{block} (from 1) with
    /// conv1/conv2/conv3 (.conv, .bn), se.fc1/fc2, and downsample (.conv, .bn) in each stage's first block, head.fc.
    /// </summary>
    [Fact]
    public void TimmKeysReachEveryBodyKeyOnce()
    {
        string[] bn = ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"];
        IEnumerable<string> ConvBn(string prefix) => [$"{prefix}.conv.weight", .. bn.Select(p => $"{prefix}.bn.{p}")];
        int[] depths = [2, 6, 17, 2]; // torchvision's regnet_y_1_6gf (StagesFollowTorchvisionsDesignRule)
        var timmKeys = new List<string>(ConvBn("stem"));
        for (int stage = 1; stage <= depths.Length; stage++)
            for (int block = 1; block <= depths[stage - 1]; block++)
            {
                var prefix = $"s{stage}.b{block}";
                timmKeys.AddRange(ConvBn($"{prefix}.conv1").Concat(ConvBn($"{prefix}.conv2")).Concat(ConvBn($"{prefix}.conv3")));
                timmKeys.AddRange([$"{prefix}.se.fc1.weight", $"{prefix}.se.fc1.bias", $"{prefix}.se.fc2.weight", $"{prefix}.se.fc2.bias"]);
                if (block == 1) timmKeys.AddRange(ConvBn($"{prefix}.downsample"));
            }
        timmKeys.AddRange(["head.fc.weight", "head.fc.bias"]);

        var architecture = Architectures.RegNetY016;
        var mapped = timmKeys.Select(architecture.FromTimmKey).OfType<string>().ToList();
        Assert.Equal(timmKeys.Count - 2, mapped.Count); // only the classifier is dropped
        using var body = architecture.CreateBody(pretrained: false);
        Assert.Equal(body.state_dict().Keys.Order(StringComparer.Ordinal), mapped.Order(StringComparer.Ordinal)); // each exactly once
        Assert.Equal("s9.b1.unknown.layer.weight", architecture.FromTimmKey("s9.b1.unknown.layer.weight")); // reported as unexpected by a load
    }

    [Fact]
    public void ATinyRegNetExportsToOnnxThatAgrees()
    {
        var (body, input, expected) = TinyWithTorchvisionWeights();
        input.Dispose();
        expected.Dispose();
        manual_seed(3);
        using var model = new VisionModel(body, ClassifierHead.Create(body.NumFeatures, 3));
        model.eval();
        using var dir = new TempDir();
        var agreement = OnnxExport.Save(model, 64, dir.Combine("regnet.onnx"));
        output.WriteLine($"ONNX Runtime vs TorchSharp: max difference {agreement.MaxDifference:G3} (allowed {agreement.Allowed:G3})");
        Assert.True(agreement.Agrees);
    }
}
