using FastVision.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace FastVision.Tests;

public class AugmentationTests
{
    private static Tensor Images(int seed = 0)
    {
        using var g = new Generator((ulong)seed);
        return rand([4, 3, 40, 40], generator: g);
    }

    private static readonly AugTransforms Off = AugTransforms.None with { PAffine = 1, PLighting = 1 };

    /// <summary>Each part switched on alone, at a magnitude that should change nothing.</summary>
    public static TheoryData<string> Parts => ["rotate", "zoom", "warp", "lighting", "crop"];

    private static AugTransforms Alone(string part, double magnitude) => part switch
    {
        "rotate" => Off with { MaxRotate = magnitude },
        "zoom" => Off with { MinZoom = 1 + magnitude, MaxZoom = 1 + magnitude },
        "warp" => Off with { MaxWarp = magnitude },
        "lighting" => Off with { MaxLighting = magnitude },
        _ => Off with { MinScale = 1 - magnitude },
    };

    [Theory]
    [MemberData(nameof(Parts))]
    public void EachAugmentationIsTheIdentityAtZeroMagnitude(string part)
    {
        using var scope = NewDisposeScope();
        var x = Images();
        var y = Alone(part, 1e-9).Apply(x, 40, seed: 3);
        Assert.Equal(x.shape, y.shape);
        Assert.True((x - y).abs().max().item<float>() < 1e-4f, part);
    }

    [Theory]
    [MemberData(nameof(Parts))]
    public void EachAugmentationKeepsShapeAndRangeAndChangesPixels(string part)
    {
        using var scope = NewDisposeScope();
        var x = Images();
        var magnitude = part switch { "rotate" => 10, "crop" => 0.5, _ => 0.2 };
        var y = Alone(part, magnitude).Apply(x, 24, seed: 3);
        Assert.Equal([4L, 3, 24, 24], y.shape);
        Assert.True(y.min().item<float>() >= 0 && y.max().item<float>() <= 1);
        var resized = AugTransforms.None.Apply(x, 24, 0);
        Assert.True((resized - y).abs().mean().item<float>() > 1e-3f, $"{part} changed nothing");
    }

    [Fact]
    public void FlipMirrorsOrKeepsEachImage()
    {
        using var scope = NewDisposeScope();
        var x = Images();
        var flipOnly = AugTransforms.None with { DoFlip = true };
        var y = flipOnly.Apply(x, 40, seed: 11);
        int flipped = 0;
        for (int i = 0; i < 4; i++)
        {
            bool same = (y[i] - x[i]).abs().max().item<float>() < 1e-4f;
            bool mirrored = (y[i] - x[i].flip(2)).abs().max().item<float>() < 1e-4f;
            Assert.True(same ^ mirrored);
            if (mirrored) flipped++;
        }
        var total = Enumerable.Range(0, 20).Sum(s => FlipCount(flipOnly, x, s));
        Assert.InRange(total, 20, 60); // p = 0.5 over 80 images
    }

    private static int FlipCount(AugTransforms t, Tensor x, int seed)
    {
        using var y = t.Apply(x, 40, seed);
        return Enumerable.Range(0, 4).Count(i => (y[i] - x[i].flip(2)).abs().max().item<float>() < 1e-4f);
    }

    [Fact]
    public void SameSeedSameAugmentationOtherSeedOther()
    {
        using var scope = NewDisposeScope();
        var x = Images();
        var aug = new AugTransforms { MinScale = 0.75 };
        Assert.Equal(0f, (aug.Apply(x, 32, 5) - aug.Apply(x, 32, 5)).abs().max().item<float>());
        Assert.True((aug.Apply(x, 32, 5) - aug.Apply(x, 32, 6)).abs().max().item<float>() > 0.01f);
    }

    [Fact]
    public void PresizeCropsTheFullShortSide()
    {
        Assert.Equal(SkiaSharp.SKRectI.Create(0, 0, 480, 480), Presize.SquareRegion(640, 480, 0));
        Assert.Equal(SkiaSharp.SKRectI.Create(80, 0, 480, 480), Presize.SquareRegion(640, 480, 0.5));
        Assert.Equal(SkiaSharp.SKRectI.Create(160, 0, 480, 480), Presize.SquareRegion(640, 480, 1));
        Assert.Equal(SkiaSharp.SKRectI.Create(0, 80, 480, 480), Presize.SquareRegion(480, 640, 0.5));
        Assert.Equal(SkiaSharp.SKRectI.Create(0, 0, 300, 300), Presize.SquareRegion(300, 300, 0.9));
    }

    [Fact]
    public void PresizeCenterCropKeepsTheMiddleAndRandomCropsVary()
    {
        using var dir = new TempDir();
        var path = dir.Combine("bands.jpg");
        TestImages.ThreeBands(path, 300, 100); // red | green | blue
        var presize = new Presize(50);
        var rgb = new byte[50 * 50 * 4];
        presize.Apply(path, 0.5, rgb, cache: null, ImageDecoder.DefaultMaxPixels);
        int Pixel(int x, int c) => rgb[(25 * 50 + x) * 4 + c];
        Assert.True(Pixel(2, 1) > 200 && Pixel(47, 1) > 200, "center crop of 300x100 is the green band");
        presize.Apply(path, 0, rgb, cache: null, ImageDecoder.DefaultMaxPixels);
        Assert.True(Pixel(25, 0) > 200, "left crop is red");
        presize.Apply(path, 1, rgb, cache: null, ImageDecoder.DefaultMaxPixels);
        Assert.True(Pixel(25, 2) > 200, "right crop is blue");
    }

    [Fact]
    public void PresizeCropsInsteadOfResamplingWhenTheSquareIsWithinTolerance()
    {
        using var dir = new TempDir();
        var path = dir.Combine("bands.jpg");
        TestImages.ThreeBands(path, 300, 100);
        var rgba = new byte[95 * 95 * 4];
        new Presize(95).Apply(path, 0.5, rgba, cache: null, ImageDecoder.DefaultMaxPixels); // 100 <= 95 * 1.1: a crop
        using var source = ImageDecoder.DecodeUpright(path, 95);
        for (int y = 0; y < 95; y += 13)
            for (int x = 0; x < 95; x += 7)
            {
                var expected = source.GetPixel(100 + 2 + x, 2 + y); // the 100px center square shrunk to 95: offset round(0.5 * 5) = 2
                int o = (y * 95 + x) * 4;
                Assert.Equal((expected.Red, expected.Green, expected.Blue), (rgba[o], rgba[o + 1], rgba[o + 2]));
            }
    }

    [Fact]
    public void LoadersGiveTheSameBatchesForTheSameSeedAndValidationNeverChanges()
    {
        using var dir = new TempDir();
        DemoDataset.Generate(dir.Path, perClass: 6, seed: 2, width: 60, height: 40);
        float[] FirstTrainBatch(int seed, int epoch)
        {
            var dls = ImageDataLoaders.FromFolder(dir.Path, DataSourceTests.Tiny with { Seed = seed });
            using var batch = dls.Train.GetBatches(epoch).First();
            using var x = dls.Train.Prepare(batch, CPU);
            return x.data<float>().ToArray();
        }
        Assert.Equal(FirstTrainBatch(1, 0), FirstTrainBatch(1, 0));
        Assert.NotEqual(FirstTrainBatch(1, 0), FirstTrainBatch(1, 1));
        Assert.NotEqual(FirstTrainBatch(1, 0), FirstTrainBatch(2, 0));

        var loaders = ImageDataLoaders.FromFolder(dir.Path, DataSourceTests.Tiny);
        float[] Valid(int epoch)
        {
            using var batch = loaders.Valid.GetBatches(epoch).First();
            using var x = loaders.Valid.Prepare(batch, CPU);
            return x.data<float>().ToArray();
        }
        Assert.Equal(Valid(0), Valid(3));
    }
}
