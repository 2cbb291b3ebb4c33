using FastVision.Inference;
using FastVision.Models;
using FastVision.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace FastVision.Tests;

/// <summary>
/// What must hold on every CPU of the project's machine kind, including those whose CPUID reports no caches (where
/// libtorch's AVX-512 channels-last convolutions compute wrong results and some 1x1 plans divide by zero).
/// </summary>
public class CpuSafetyTests
{
    /// <summary>The resize of the loader's HWC bytes is a channels-last view: a body must compute it as its NCHW copy.</summary>
    [Theory]
    [MemberData(nameof(RegistryTests.Names), MemberType = typeof(RegistryTests))]
    public void ABodyComputesAChannelsLastBatchAsItsContiguousCopy(string name)
    {
        var arch = Architectures.Get(name);
        manual_seed(1);
        using var body = arch.CreateBody(pretrained: arch == Architectures.CntkResNet); // the weights that ship with FastVision
        body.eval();
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var contiguous = rand(2, 3, 64, 64);
        var channelsLast = contiguous.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2);
        Assert.False(channelsLast.is_contiguous());
        var expected = body.forward(contiguous);
        var actual = body.forward(channelsLast);
        double scale = Math.Max(1, expected.abs().max().item<float>());
        double difference = (expected - actual).abs().max().item<float>();
        Assert.True(difference < 1e-4 * scale, $"{name}: channels-last and contiguous batches differ by {difference} (largest feature {scale})");
    }

    /// <summary>
    /// Convolutions read only what they were given: on CPUs without cache info oneDNN's AVX-512 kernels read uninitialized memory
    /// (EfficientNetV2-S's 3x3 24->24 convolution gave NaN once the heap held NaNs of freed tensors) unless capped at AVX2.
    /// </summary>
    [Fact]
    public void ABodyComputesTheSameWhateverTheHeapHeldBefore()
    {
        manual_seed(1);
        using var body = Architectures.Get("efficientnet_v2_s").CreateBody(pretrained: false);
        body.eval();
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var input = rand(2, 3, 64, 64);
        var clean = body.forward(input);
        var junk = Enumerable.Range(0, 4000).Select(k => full(new long[] { 64 + k * 37 % 16000 }, float.NaN)).ToList();
        foreach (var t in junk) t.Dispose();
        var afterJunk = body.forward(input);
        Assert.False(afterJunk.isnan().any().item<bool>(), "NaN features after the heap held NaNs");
        Assert.True((clean - afterJunk).abs().max().item<float>() < 1e-5f);
    }

    /// <summary>One optimizer step per architecture at two sizes and two batch sizes, in the layout the loaders produce.</summary>
    [Theory]
    [MemberData(nameof(RegistryTests.Names), MemberType = typeof(RegistryTests))]
    public void EveryArchitectureTrainsAStepAtTwoSizesAndTwoBatchSizes(string name)
    {
        var arch = Architectures.Get(name);
        manual_seed(2);
        using var model = VisionModel.Create(arch, 3);
        model.train();
        using var optimizer = optim.AdamW(model.parameters(), lr: 1e-3);
        foreach (var size in new[] { 64, 96 })
            foreach (var batch in new[] { 2, 5 })
            {
                using var scope = NewDisposeScope();
                var images = rand(batch, size, size, 3).permute(0, 3, 1, 2);
                var targets = arange(batch, dtype: ScalarType.Int64) % 3;
                optimizer.zero_grad();
                var loss = nn.functional.cross_entropy(model.forward(images), targets);
                loss.backward();
                optimizer.step();
                Assert.False(float.IsNaN(loss.item<float>()), $"{name} {size}px batch {batch}: loss is NaN");
            }
        // bf16 autocast takes other kernels: one step of it too.
        using (var scope = NewDisposeScope())
        {
            var images = rand(2, 64, 64, 3).permute(0, 3, 1, 2);
            optimizer.zero_grad();
            Tensor logits;
            using (Autocast.Enter(DeviceType.CPU, ScalarType.BFloat16)) logits = model.forward(images).to(ScalarType.Float32);
            nn.functional.cross_entropy(logits, arange(2, dtype: ScalarType.Int64)).backward();
            optimizer.step();
        }
    }

    /// <summary>The guard itself, on every CPU: a channels-last batch reaches the layers as NCHW exactly when the mitigation is on.</summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void ABodyHandsItsLayersNchwWhenTheMitigationIsOn(bool mitigation)
    {
        var saved = OneDnnHazard.MitigationEnabled;
        OneDnnHazard.MitigationEnabled = mitigation;
        try
        {
            using var body = new LayoutRecordingBody();
            using var scope = NewDisposeScope();
            var channelsLast = rand(2, 8, 8, 3).permute(0, 3, 1, 2);
            body.forward(channelsLast);
            Assert.Equal(mitigation, body.SawContiguous);
            body.forward(rand(2, 3, 8, 8));
            Assert.True(body.SawContiguous);
        }
        finally
        {
            OneDnnHazard.MitigationEnabled = saved;
        }
    }

    private sealed class LayoutRecordingBody() : VisionBody(nameof(LayoutRecordingBody))
    {
        public bool SawContiguous { get; private set; }
        public override long NumFeatures => 3;
        public override IReadOnlyList<IReadOnlyList<nn.Module>> LayerGroups => [];

        protected override Tensor Features(Tensor images)
        {
            SawContiguous = images.is_contiguous();
            return images.alias();
        }
    }

    [Fact]
    public void AnExportThatDisagreesWithTheModelWritesNothingAndSaysByHowMuch()
    {
        using var dir = new TempDir();
        manual_seed(3);
        using var model = VisionModel.Create(Architectures.CntkResNet, 4, pretrained: true);
        var path = dir.Combine("model.onnx");
        File.WriteAllText(path, "the user's earlier file");

        // Tolerance 0: float summation order alone makes the engines differ, so the check must refuse.
        var e = Assert.Throws<OnnxMismatchException>(() => OnnxExport.Save(model, 64, path, tolerance: 0));
        Assert.Contains("disagree on a probe batch by up to", e.Message);
        Assert.True(e.Difference > 0);
        Assert.Equal("the user's earlier file", File.ReadAllText(path));
        Assert.Single(Directory.GetFiles(dir.Path)); // no temp file left behind

        var agreement = OnnxExport.Save(model, 64, path);
        Assert.True(agreement.Agrees, $"{agreement.MaxDifference} > {agreement.Allowed}");
        Assert.NotEqual("the user's earlier file", File.ReadAllText(path));
        Assert.True(model.training); // the check ran it in eval mode and put it back
    }
}
