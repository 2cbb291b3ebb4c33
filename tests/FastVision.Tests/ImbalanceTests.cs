using FastVision.Data;
using FastVision.Training;
using SkiaSharp;
using static TorchSharp.torch;

namespace FastVision.Tests;

/// <summary>The two levers users reach for on imbalanced camera-trap data: loss weights and a class-balanced sampler.</summary>
public class ImbalanceTests
{
    [Fact]
    public void BalancedClassWeightsMakeEveryClassCountAlike()
    {
        // 6 of class 0, 2 of class 1, none of class 2: N / (C * n_c) = 8 / 18, 8 / 6, and 1 for the absent class.
        var weights = ClassWeights.Balanced([0, 0, 0, 0, 0, 0, 1, 1], 3);
        Assert.Equal([8f / 18, 8f / 6, 1f], weights);
        Assert.Equal(6 * weights[0], 2 * weights[1], 5);
        Assert.Throws<ArgumentOutOfRangeException>(() => ClassWeights.Balanced([3], 3));
    }

    [Fact]
    public void TheLearnersLossUsesTheClassWeights()
    {
        using var dir = new TempDir();
        var dls = ImageDataLoaders.FromFolder(DemoDataset.Generate(dir.Path, perClass: 4, seed: 1, width: 24, height: 16),
            new DataLoaderOptions { Size = 16, Presize = 16, BatchSize = 4 });
        using var plain = VisionLearner.Create(dls, options: new LearnerOptions { Log = null, Pretrained = false });
        using var weighted = VisionLearner.Create(dls, options: new LearnerOptions { Log = null, Pretrained = false, ClassWeights = [4f, 1f, 1f, 1f] });
        using var scope = NewDisposeScope();
        var logits = tensor(new float[] { 2, 0, 0, 0, 3, 0, 0, 0 }, [2, 4]); // a wrong class-1 prediction, a right class-0 one
        var targets = tensor(new long[] { 1, 0 });
        float unweighted = plain.LossFunction(logits, targets).item<float>();
        float expected = nn.functional.cross_entropy(logits, targets, tensor(new float[] { 4, 1, 1, 1 })).item<float>();
        Assert.Equal(expected, weighted.LossFunction(logits, targets).item<float>(), 5);
        Assert.NotEqual(unweighted, expected, 3);
    }

    [Fact]
    public void BalancedSamplingDrawsEveryClassAboutEquallyOftenAndIsSeeded()
    {
        using var dir = new TempDir();
        foreach (var (cls, count) in new[] { ("common", 40), ("rare", 5) })
        {
            Directory.CreateDirectory(dir.Combine(cls));
            for (int i = 0; i < count; i++) TestImages.Solid(dir.Combine(cls, $"{cls}_{i}.jpg"), 8, 8, SKColors.Gray);
        }
        DataLoaders Load(bool balanced) => ImageDataLoaders.FromFolder(dir.Path,
            new DataLoaderOptions { Size = 8, Presize = 8, BatchSize = 4, Split = SplitKind.Random, ValidPct = 0.2, Seed = 3, BalancedSampling = balanced });
        var balanced = Load(true).Train;
        var plain = Load(false).Train;
        double RareShare(DataLoader loader, int epoch) => loader.EpochOrder(epoch).Count(i => loader.Items[i].Label == "rare") / (double)loader.Count;
        double plainShare = RareShare(plain, 0);
        double balancedShare = Enumerable.Range(0, 20).Average(e => RareShare(balanced, e));
        Assert.InRange(plainShare, 0.05, 0.15); // as in the data: about 5 of 45
        Assert.InRange(balancedShare, 0.4, 0.6);
        Assert.Equal(balanced.EpochOrder(2), Load(true).Train.EpochOrder(2));
        Assert.NotEqual(balanced.EpochOrder(2), balanced.EpochOrder(3));
        Assert.Equal(balanced.Count, balanced.EpochOrder(0).Length);
    }
}
