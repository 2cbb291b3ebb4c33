using FastVision.Data;
using FastVision.Training;

namespace FastVision.Tests;

public class DeterminismTests
{
    [Fact]
    public void DerivedSeedsAreTheSameInEveryProcess()
    {
        // HashCode.Combine would differ per process; these values must not.
        Assert.Equal(Seeds.Derive(42, 1, 2), Seeds.Derive(42, 1, 2));
        Assert.Equal(172253559, Seeds.Derive(42, 1, 2));
        Assert.NotEqual(Seeds.Derive(42, 1, 2), Seeds.Derive(42, 2, 1));
    }

    [Fact]
    public void SameSeedGivesTheSameImagesBatchesAndTrainedWeights()
    {
        using var a = new TempDir();
        using var b = new TempDir();
        float[] Train(TempDir dir)
        {
            var dls = ImageDataLoaders.FromFolder(DemoDataset.Generate(dir.Path, perClass: 6, seed: 9, width: 64, height: 48),
                new DataLoaderOptions { Size = 48, Presize = 56, BatchSize = 8, Seed = 3 });
            using var learn = VisionLearner.Create(dls, options: new LearnerOptions { Log = null, Seed = 3 });
            learn.FitOneCycle(2, 1e-3);
            return learn.Model.Head.parameters().SelectMany(p => p.data<float>().ToArray()).ToArray();
        }
        var first = Train(a);
        var second = Train(b);
        Assert.Equal(
            Directory.GetFiles(a.Path, "*.jpg", SearchOption.AllDirectories).Order().Select(File.ReadAllBytes).SelectMany(x => x),
            Directory.GetFiles(b.Path, "*.jpg", SearchOption.AllDirectories).Order().Select(File.ReadAllBytes).SelectMany(x => x));
        Assert.Equal(first, second);
    }

    [Fact]
    public void DemoGeneratorNeverOverwritesAForeignFolder()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.Combine("notes.txt"), "mine");
        var e = Assert.Throws<DataSourceException>(() => DemoDataset.Generate(dir.Path, perClass: 1));
        Assert.Contains(dir.Path, e.Message);
        Assert.Equal("mine", File.ReadAllText(dir.Combine("notes.txt")));
    }
}
