using System.Globalization;
using FastVision.Inference;
using FastVision.Models;
using FastVision.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace FastVision.Tests;

/// <summary>
/// ConvNeXt against torchvision 0.14's module code: the fixtures come from tools/reference-fixtures/convnext.py
/// (<c>/usr/bin/python3 tools/reference-fixtures/convnext.py</c>, Debian's python3-torchvision).
/// </summary>
public class ConvNeXtTests
{
    /// <summary>The fixture's network: stem 8 channels, a stage of one block on 8 channels, then two blocks on 16.</summary>
    private static ConvNeXt TinyConfiguration() => new([new(8, 1), new(16, 2)], stochasticDepthProbability: 0.1);

    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", name);

    /// <summary>The fixture's features.* tensors loaded into a new tiny-configuration body, with its input and torchvision's output.</summary>
    private static (ConvNeXt Body, Tensor Input, Tensor Output) TorchvisionTinyConfiguration()
    {
        var path = Fixture("convnext_tiny_config.pth");
        var tensors = WeightFiles.Read(path);
        var input = tensors["input"];
        var output = tensors["output"];
        tensors.Remove("input");
        tensors.Remove("output");
        var body = TinyConfiguration();
        StateDicts.CopyInto(body, tensors, path);
        foreach (var t in tensors.Values) t.Dispose();
        return (body, input, output);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TheTinyConfigurationComputesTorchvisionsFeaturesInEitherConvolutionLayout(bool mitigation)
    {
        var saved = OneDnnHazard.MitigationEnabled;
        OneDnnHazard.MitigationEnabled = mitigation;
        try
        {
            var (body, input, expected) = TorchvisionTinyConfiguration();
            using var _ = body;
            using var __ = input;
            using var ___ = expected;
            body.eval();
            using var noGrad = no_grad();
            using var actual = body.forward(input);
            Assert.Equal(expected.shape, actual.shape);
            double difference = (actual - expected).abs().max().item<float>();
            Assert.True(difference < 1e-5, $"max abs difference to torchvision {difference}");
        }
        finally
        {
            OneDnnHazard.MitigationEnabled = saved;
        }
    }

    /// <summary>Parameters of torchvision's <c>features</c>, printed by tools/reference-fixtures/convnext.py (nano: torchvision's module with timm's nano stages).</summary>
    [Theory]
    [InlineData("convnext_nano", 14_951_280L, 640L)]
    [InlineData("convnext_tiny", 27_818_592L, 768L)]
    [InlineData("convnext_small", 49_453_152L, 768L)]
    public void EveryVariantHasTorchvisionsKeysShapesAndParameterCount(string name, long parameters, long features)
    {
        var expected = File.ReadLines(Fixture("convnext_torchvision_keys.txt"))
            .Select(line => line.Split(' '))
            .Where(f => f[0] == name)
            .ToDictionary(f => f[1], f => f[2]);
        using var body = Architectures.Get(name).CreateBody(pretrained: false);
        var actual = body.state_dict().ToDictionary(kv => kv.Key, kv => string.Join(",", kv.Value.shape.Select(d => d.ToString(CultureInfo.InvariantCulture))));
        Assert.Equal(expected.OrderBy(kv => kv.Key, StringComparer.Ordinal), actual.OrderBy(kv => kv.Key, StringComparer.Ordinal));
        Assert.Equal(parameters, body.parameters().Sum(p => p.numel()));
        Assert.Equal(features, body.NumFeatures);
    }

    /// <summary>torchvision's init: convolution and linear weights normal with std 0.02 (not a constant), biases zero, layer scale 1e-6, norms 1 and 0.</summary>
    [Fact]
    public void ANewBodyStartsFromTorchvisionsInit()
    {
        manual_seed(6);
        using var body = Architectures.ConvNeXtTiny.CreateBody(pretrained: false);
        var state = body.state_dict();
        foreach (var key in new[] { "features.0.0.weight", "features.5.4.block.0.weight", "features.5.4.block.3.weight", "features.7.2.block.5.weight", "features.6.1.weight" })
            Assert.InRange(state[key].std().item<float>(), 0.019, 0.021);
        Assert.All(state.Where(kv => kv.Key.EndsWith(".bias", StringComparison.Ordinal)), kv => Assert.Equal(0, kv.Value.abs().max().item<float>()));
        Assert.All(state.Where(kv => kv.Key.EndsWith("layer_scale", StringComparison.Ordinal)), kv => Assert.True(kv.Value.eq(1e-6f).all().item<bool>(), kv.Key));
        Assert.True(state["features.6.0.weight"].eq(1).all().item<bool>());
        Assert.DoesNotContain(state.Values, t => t.isnan().any().item<bool>());
    }

    /// <summary>
    /// The key names of timm's checkpoints, written from timm's module naming (timm/models/convnext.py): <c>stem.0</c> conv and
    /// <c>stem.1</c> LayerNorm2d; per stage <c>downsample.0/1</c> (norm, conv; none in stage 0, whose stride the stem takes)
    /// and <c>blocks.B.{conv_dw, norm, mlp.fc1, mlp.fc2}</c> (weight, bias) and <c>blocks.B.gamma</c>; the head's
    /// <c>head.norm</c> and <c>head.fc</c>.
    /// </summary>
    private static IEnumerable<string> TimmKeys(int[] depths)
    {
        string[] affine = ["weight", "bias"];
        foreach (var key in affine) { yield return $"stem.0.{key}"; yield return $"stem.1.{key}"; }
        for (int s = 0; s < depths.Length; s++)
        {
            if (s > 0)
                foreach (var key in affine) { yield return $"stages.{s}.downsample.0.{key}"; yield return $"stages.{s}.downsample.1.{key}"; }
            for (int b = 0; b < depths[s]; b++)
            {
                foreach (var layer in new[] { "conv_dw", "norm", "mlp.fc1", "mlp.fc2" })
                    foreach (var key in affine) yield return $"stages.{s}.blocks.{b}.{layer}.{key}";
                yield return $"stages.{s}.blocks.{b}.gamma";
            }
        }
        foreach (var key in affine) { yield return $"head.norm.{key}"; yield return $"head.fc.{key}"; }
    }

    [Theory]
    [InlineData("convnext_nano", new[] { 2, 2, 8, 2 })]
    [InlineData("convnext_tiny", new[] { 3, 3, 9, 3 })]
    [InlineData("convnext_small", new[] { 3, 3, 27, 3 })]
    public void TimmKeysReachEveryBodyKeyExactlyOnceAndTheHeadIsDropped(string name, int[] depths)
    {
        var architecture = Architectures.Get(name);
        var timm = TimmKeys(depths).ToList();
        Assert.All(timm.Where(k => k.StartsWith("head.", StringComparison.Ordinal)), k => Assert.Null(architecture.FromTimmKey(k)));
        var mapped = timm.Where(k => !k.StartsWith("head.", StringComparison.Ordinal)).Select(k => architecture.FromTimmKey(k)).ToList();
        Assert.DoesNotContain(null, mapped);
        Assert.Equal(mapped.Count, mapped.Distinct().Count());
        using var body = architecture.CreateBody(pretrained: false);
        Assert.Equal(body.state_dict().Keys.Order(StringComparer.Ordinal), mapped.Order(StringComparer.Ordinal));

        Assert.Equal("features.5.8.block.3.weight", architecture.FromTimmKey("stages.2.blocks.8.mlp.fc1.weight"));
        Assert.Equal("features.6.0.bias", architecture.FromTimmKey("stages.3.downsample.0.bias"));
        Assert.Equal("features.1.0.layer_scale", architecture.FromTimmKey("stages.0.blocks.0.gamma"));
        Assert.Equal("unknown.weight", architecture.FromTimmKey("unknown.weight")); // kept, so a load names it as unexpected
    }

    /// <summary>
    /// timm's checkpoints keep layer scales flat ([C], <c>gamma</c>) and, in convnext_nano, the MLP as 1x1 convolutions
    /// ([4C, C, 1, 1]); torchvision's modules hold [C, 1, 1] and Linear [4C, C]. The loader maps the names and reshapes.
    /// </summary>
    [Fact]
    public void TimmShapedWeightsLoadIntoTheTorchvisionBody()
    {
        using var dir = new TempDir();
        var architecture = Architectures.Get("convnext_nano");
        manual_seed(5);
        using var source = architecture.CreateBody(pretrained: false);
        var own = source.state_dict();
        var timm = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var key in TimmKeys([2, 2, 8, 2]))
        {
            if (architecture.FromTimmKey(key) is not { } target) { timm[key] = zeros(3); continue; } // the head: dropped
            var value = own[target].detach().clone();
            if (key.EndsWith(".gamma", StringComparison.Ordinal)) value = value.flatten();
            else if (key.Contains(".mlp.fc", StringComparison.Ordinal) && key.EndsWith(".weight", StringComparison.Ordinal)) value = value.reshape([.. value.shape, 1, 1]);
            timm[key] = value;
        }
        var path = dir.Combine("model.safetensors");
        WeightFiles.Write(path, timm);
        using var loaded = architecture.CreateBody(pretrained: false);
        BodyWeights.LoadBody(loaded, architecture, path, WeightKeys.Timm);
        foreach (var (key, value) in loaded.state_dict())
            Assert.True(value.allclose(own[key], rtol: 0, atol: 0), key);
    }

    [Fact]
    public void ChannelLayerNormsAreNormLayersAndTheOthersAreNot()
    {
        using var body = TinyConfiguration();
        var modules = body.modules().ToList();
        Assert.Equal(2, modules.OfType<LayerNorm2d>().Count(body.IsNormLayer)); // the stem's and the downsampling's
        Assert.Equal(3, modules.OfType<TorchSharp.Modules.LayerNorm>().Count(body.IsNormLayer)); // one per block
        Assert.DoesNotContain(modules.Where(body.IsNormLayer), m => m.parameters(recurse: false).Count() != 2);
        Assert.Equal(5, modules.Count(body.IsNormLayer));
    }

    /// <summary>torchvision's "row" stochastic depth: in training each sample keeps its whole branch (scaled by 1/(1-p)) or drops it; in eval every branch is kept.</summary>
    [Fact]
    public void StochasticDepthDropsWholeSamplesInTrainingOnly()
    {
        manual_seed(5);
        using var block = new CNBlock(8, stochasticDepthProbability: 0.5, layerScale: 1.0);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var x = randn(64, 8, 6, 6);
        block.eval();
        var branch = block.forward(x) - x;
        block.train();
        var trained = block.forward(x) - x;
        int dropped = 0;
        for (int i = 0; i < 64; i++)
        {
            bool isDropped = trained[i].abs().max().item<float>() == 0;
            if (isDropped) dropped++;
            else Assert.True((trained[i] - 2 * branch[i]).abs().max().item<float>() < 1e-5, $"sample {i}: a kept branch is scaled by 1/(1-p)");
        }
        Assert.InRange(dropped, 16, 48);
    }

    [Fact]
    public void ATinyConvNeXtModelExportsToOnnxThatAgreesWithTorchSharp()
    {
        using var dir = new TempDir();
        var (body, input, output) = TorchvisionTinyConfiguration();
        input.Dispose();
        output.Dispose();
        manual_seed(4);
        using var model = new VisionModel(body, ClassifierHead.Create(body.NumFeatures, 3));
        model.eval();
        var agreement = OnnxExport.Save(model, 64, dir.Combine("model.onnx"));
        Assert.True(agreement.Agrees, $"{agreement.MaxDifference} > {agreement.Allowed}");
        Assert.True(File.Exists(dir.Combine("model.onnx")));
    }

    /// <summary>A registered four-stage body; its layer scales randomized (1e-6 at init would hide a wrong block branch in the graph).</summary>
    [Fact]
    public void ConvNeXtNanoExportsToOnnxThatAgreesWithTorchSharp()
    {
        using var dir = new TempDir();
        manual_seed(7);
        using var model = VisionModel.Create(Architectures.ConvNeXtNano, 3);
        using (no_grad())
            foreach (var (key, t) in model.state_dict().Where(kv => kv.Key.EndsWith("layer_scale", StringComparison.Ordinal)))
                t.normal_(0, 0.5);
        model.eval();
        var agreement = OnnxExport.Save(model, 64, dir.Combine("model.onnx"));
        Assert.True(agreement.Agrees, $"{agreement.MaxDifference} > {agreement.Allowed}");
    }
}
