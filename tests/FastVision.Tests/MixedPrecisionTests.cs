using FastVision.Data;
using FastVision.Native;
using FastVision.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace FastVision.Tests;

public class MixedPrecisionTests
{
    private sealed class DtypeProbe : Callback
    {
        public ScalarType? Seen { get; private set; }
        public override int Order => 30;
        public override void AfterPred() => Seen ??= Learner.Pred!.dtype;
    }

    [Fact]
    public void AutocastRegionsNestAndRestoreLikePyTorch()
    {
        Assert.False(Autocast.IsEnabled(DeviceType.CPU));
        using var w = randn(16, 16);
        using (Autocast.Enter(DeviceType.CPU, ScalarType.BFloat16))
        {
            using var y = randn(4, 16).matmul(w);
            Assert.Equal(ScalarType.BFloat16, y.dtype);
            using (Autocast.Enter(DeviceType.CPU, ScalarType.BFloat16)) Assert.True(Autocast.IsEnabled(DeviceType.CPU));
            Assert.True(Autocast.IsEnabled(DeviceType.CPU)); // the inner exit keeps the outer region
        }
        Assert.False(Autocast.IsEnabled(DeviceType.CPU));
        using var z = randn(4, 16).matmul(w);
        Assert.Equal(ScalarType.Float32, z.dtype);
    }

    [Fact]
    public void Bf16TrainingFollowsFp32Training()
    {
        using var dir = new TempDir();
        var data = DemoDataset.Generate(dir.Path, perClass: 8, seed: 6, width: 48, height: 36);
        (double[] Losses, ScalarType? Dtype, float[] Weight, ScalarType WeightDtype) Run(ScalarType? precision)
        {
            var dls = ImageDataLoaders.FromFolder(data, new DataLoaderOptions { Size = 32, Presize = 40, BatchSize = 8, Seed = 6 });
            using var learn = VisionLearner.Create(dls, options: new LearnerOptions { Log = null, Seed = 6, MixedPrecision = precision });
            var probe = new DtypeProbe();
            learn.FitOneCycle(2, 2e-3, callbacks: [probe]);
            var last = learn.Model.Head.parameters().Last();
            return ([.. learn.Recorder.Losses], probe.Seen, last.data<float>().ToArray(), last.dtype);
        }
        var fp32 = Run(null);
        var bf16 = Run(ScalarType.BFloat16);
        Assert.Equal(ScalarType.Float32, fp32.Dtype);
        Assert.Equal(ScalarType.BFloat16, bf16.Dtype);
        Assert.Equal(ScalarType.Float32, bf16.WeightDtype); // master weights stay fp32
        double meanGap = fp32.Losses.Zip(bf16.Losses, (a, b) => Math.Abs(a - b)).Average();
        Assert.True(meanGap < 0.1 * fp32.Losses.Average(), $"bf16 losses drift from fp32 by {meanGap:F4} on average");
        Assert.True(fp32.Weight.Zip(bf16.Weight, (a, b) => Math.Abs(a - b)).Max() < 0.05);
        Assert.False(Autocast.IsEnabled(DeviceType.CPU));
    }
}
