using FastVision.Data;
using SkiaSharp;
using static TorchSharp.torch;

namespace FastVision.Tests;

/// <summary>
/// The CPU path (each image's geometry as one matrix, drawn by Skia from the decoded pixels to the model size) against the
/// tensor path (presize squares, grid_sample) it replaces on the CPU: the same draws give the same pictures up to resampling.
/// </summary>
public class CpuAugmentationTests
{
    /// <summary>
    /// Largest mean absolute pixel difference (0–1 scale) allowed between the paths for the same draws. They resample
    /// differently (the tensor path twice, decoded → presize bytes → float grid; the CPU path once) and reflect at the edges
    /// slightly differently, which on these blurred pictures gives about 0.002; another seed's draws give 0.15 or more, and
    /// a geometry error (a flip, a crop off by a few pixels, a wrong rotation sign) far more than the bound.
    /// </summary>
    private const double SameGeometry = 0.01;

    /// <summary>Smooth pictures with structure at every scale: gradients, a disc and a bar, so that any shift shows.</summary>
    internal static List<ImageItem> Pictures(TempDir dir, int count, int width, int height)
    {
        var items = new List<ImageItem>();
        for (int n = 0; n < count; n++)
        {
            using var bitmap = new SKBitmap(width, height);
            using (var canvas = new SKCanvas(bitmap))
            {
                using var gradient = SKShader.CreateLinearGradient(new SKPoint(0, 0), new SKPoint(width, height),
                    [new SKColor((byte)(40 * n), 30, 200), new SKColor(250, (byte)(200 - 30 * n), 20)], SKShaderTileMode.Clamp);
                using var paint = new SKPaint { Shader = gradient, IsAntialias = true };
                canvas.DrawRect(0, 0, width, height, paint);
                paint.Shader = null;
                paint.Color = SKColors.White;
                canvas.DrawCircle(width * (0.3f + 0.1f * n), height * 0.4f, height * 0.2f, paint);
                paint.Color = SKColors.Black;
                canvas.DrawRect(width * 0.6f, height * 0.1f, width * 0.08f, height * 0.8f, paint);
            }
            // Blurred like a photo's optics: without it, aliasing at the drawn edges (neither path antialiases) would dominate.
            using var blurred = new SKBitmap(width, height);
            using (var canvas = new SKCanvas(blurred))
            using (var blur = new SKPaint { ImageFilter = SKImageFilter.CreateBlur(width / 100f, width / 100f) })
            using (var image = SKImage.FromBitmap(bitmap))
                canvas.DrawImage(image, 0, 0, new SKSamplingOptions(SKFilterMode.Linear), blur);
            // PNG: the presize's crop tolerance would crop (not resample) many DCT-scaled JPEG squares, zooming the tensor path by up to 10%.
            var path = dir.Combine($"p{n}.png");
            using (var data = blurred.Encode(SKEncodedImageFormat.Png, 100)) File.WriteAllBytes(path, data.ToArray());
            items.Add(new ImageItem(path, "a"));
        }
        return items;
    }

    private static float[] FirstBatch(IReadOnlyList<ImageItem> items, ImagePipeline pipeline, bool renderOnCpu, bool train, int seed = 5)
    {
        var settings = new LoaderSettings { BatchSize = items.Count, Seed = seed, Issues = new DataIssues(BadImagePolicy.Fail), RenderOnCpu = renderOnCpu };
        var loader = new DataLoader(items, ["a"], pipeline, settings, isTrain: train, augment: true);
        using var batch = loader.GetBatches(0).First();
        Assert.Equal(renderOnCpu, batch.Rendered is not null);
        using var x = loader.Prepare(batch, CPU, normalize: false);
        Assert.Equal([items.Count, 3L, pipeline.Size, pipeline.Size], x.shape);
        return x.contiguous().data<float>().ToArray();
    }

    private static double MeanAbs(float[] a, float[] b) => a.Zip(b, (x, y) => (double)Math.Abs(x - y)).Average();

    public static TheoryData<string> Recipes => ["resize", "fastai", "crop", "warp", "rotate"];

    private static AugTransforms Recipe(string name) => name switch
    {
        "resize" => AugTransforms.None,
        "fastai" => new AugTransforms { MinScale = 0.75 },
        "crop" => AugTransforms.None with { MinScale = 0.35 },
        "warp" => AugTransforms.None with { MaxWarp = 0.4, PAffine = 1 },
        _ => AugTransforms.None with { MaxRotate = 30, MinZoom = 1.2, MaxZoom = 1.3, PAffine = 1, DoFlip = true },
    };

    [Theory]
    [MemberData(nameof(Recipes))]
    public void TheCpuPathDrawsTheTensorPathsGeometry(string recipe)
    {
        using var dir = new TempDir();
        var items = Pictures(dir, 4, 160, 120);
        var pipeline = new ImagePipeline(48, new Presize(100), Recipe(recipe));
        var cpu = FirstBatch(items, pipeline, renderOnCpu: true, train: true);
        var tensor = FirstBatch(items, pipeline, renderOnCpu: false, train: true);
        double difference = MeanAbs(cpu, tensor);
        Assert.True(difference < SameGeometry, $"{recipe}: mean abs difference {difference:F4}");

        // The bound separates: the same pictures under another seed's draws are far apart (except with no augmentation).
        if (recipe != "resize")
        {
            double other = MeanAbs(cpu, FirstBatch(items, pipeline, renderOnCpu: false, train: true, seed: 6));
            Assert.True(other > 2 * SameGeometry, $"{recipe}: another seed differs by only {other:F4}");
            Console.WriteLine($"{recipe}: CPU vs tensor path {difference:F4}, another seed {other:F4}");
        }
    }

    [Fact]
    public void ValidationIsOneCentredResizeOnBothPaths()
    {
        using var dir = new TempDir();
        var items = Pictures(dir, 3, 150, 100);
        var pipeline = new ImagePipeline(40, new Presize(82), new AugTransforms { MinScale = 0.5 });
        var cpu = FirstBatch(items, pipeline, renderOnCpu: true, train: false);
        Assert.True(MeanAbs(cpu, FirstBatch(items, pipeline, renderOnCpu: false, train: false)) < SameGeometry / 2);
    }

    [Theory]
    [MemberData(nameof(Parts))]
    public void EachPartAtZeroMagnitudeIsThePlainResize(string part)
    {
        using var dir = new TempDir();
        var items = Pictures(dir, 3, 150, 100);
        var off = AugTransforms.None with { PAffine = 1, PLighting = 1 };
        var augment = part switch
        {
            "rotate" => off with { MaxRotate = 1e-9 },
            "zoom" => off with { MinZoom = 1 + 1e-9, MaxZoom = 1 + 1e-9 },
            "warp" => off with { MaxWarp = 1e-9 },
            "lighting" => off with { MaxLighting = 1e-9 },
            _ => off with { MinScale = 1 - 1e-9 },
        };
        var plain = FirstBatch(items, new ImagePipeline(40, new Presize(82), AugTransforms.None), renderOnCpu: true, train: true);
        var zero = FirstBatch(items, new ImagePipeline(40, new Presize(82), augment), renderOnCpu: true, train: true);
        // The same sampling positions; the resize and the shader may round a byte differently, never more.
        double worst = plain.Zip(zero, (a, b) => (double)Math.Abs(a - b)).Max();
        Assert.True(worst <= 1.5 / 255, $"{part}: max difference {worst * 255:F2} levels");
    }

    public static TheoryData<string> Parts => ["rotate", "zoom", "warp", "lighting", "crop"];

    /// <summary>A square source the size of the output: every output pixel centre lands on a source pixel centre.</summary>
    private static (SKBitmap Source, byte[] Pixels) Square(int side)
    {
        var rng = new Random(3);
        var bitmap = new SKBitmap(new SKImageInfo(side, side, SKColorType.Rgba8888, SKAlphaType.Premul));
        var bytes = new byte[side * side * 4];
        for (int i = 0; i < bytes.Length; i++) bytes[i] = i % 4 == 3 ? (byte)255 : (byte)rng.Next(256);
        System.Runtime.InteropServices.Marshal.Copy(bytes, 0, bitmap.GetPixels(), bytes.Length);
        return (bitmap, bytes);
    }

    [Theory]
    [InlineData("flip")]
    [InlineData("90")]
    [InlineData("180")]
    [InlineData("270")]
    public void FlipsAndQuarterTurnsMoveWholePixels(string turn)
    {
        const int side = 24;
        var (source, pixels) = Square(side);
        using (source)
        {
            var geometry = turn == "flip" ? Homography.ScaleTranslate(-1, 0, 1, 0) : Homography.Rotation(double.Parse(turn, System.Globalization.CultureInfo.InvariantCulture));
            var output = new byte[side * side * 4];
            ImageRenderer.Render(source, SKRectI.Create(0, 0, side, side), geometry, side, output);
            for (int y = 0; y < side; y++)
                for (int x = 0; x < side; x++)
                {
                    // Output pixel (x, y) shows the source pixel the geometry maps its centre to.
                    var (u, v) = geometry.Apply((2 * x + 1.0) / side - 1, (2 * y + 1.0) / side - 1);
                    int sx = (int)Math.Round((u + 1) * side / 2 - 0.5), sy = (int)Math.Round((v + 1) * side / 2 - 0.5);
                    for (int c = 0; c < 3; c++)
                        Assert.Equal(pixels[(sy * side + sx) * 4 + c], output[(y * side + x) * 4 + c]);
                }
        }
    }

    [Fact]
    public void TheDecodeScaleCoversTheDrawsCropAndZoom()
    {
        using var dir = new TempDir();
        var path = dir.Combine("photo.jpg");
        TestImages.ThreeBands(path, 640, 480);
        // A crop of half the side at 2x zoom shows a quarter of the square: 48 output pixels need a 192 px square, so the
        // 480 px short side is decoded at 1/2 (240), where a plain 48 px resize takes 1/8 (60).
        var draw = new AugTransforms.AugDraw(false, null, (2, 0.5, 0.5), null, (0.5, 0, 0), 0, 1);
        Assert.Equal(4, draw.Magnification, 9);
        using (var plain = ImageDecoder.DecodeUpright(path, 48)) Assert.Equal(60, plain.Height);
        using (var zoomed = ImageDecoder.DecodeUpright(path, (int)Math.Ceiling(48 * draw.Magnification))) Assert.Equal(240, zoomed.Height);
    }
}
