using FastVision.Data;
using SkiaSharp;

namespace FastVision.Bench;

/// <summary>
/// Competition-sized stand-in JPEGs (640x480, camera-trap-like scenes from <see cref="DemoDataset"/>) in a
/// temporary folder: a few hundred distinct images, copied up to the count asked for. Labels are meaningless.
/// </summary>
public static class StandInImages
{
    private const int Distinct = 200;

    /// <summary>A folder per class with <paramref name="count"/> JPEGs in all; reused when it already holds them.</summary>
    public static string Folder(int count)
    {
        var root = Path.Combine(Path.GetTempPath(), $"fastvision-bench-standins-{count}");
        var marker = Path.Combine(root, ".complete");
        if (File.Exists(marker)) return root;
        var source = Path.Combine(Path.GetTempPath(), "fastvision-bench-standins-source");
        if (!File.Exists(Path.Combine(source, ".complete")))
        {
            DemoDataset.Generate(source, perClass: Distinct / DemoDataset.Classes.Count, seed: 11, width: 640, height: 480);
            File.WriteAllText(Path.Combine(source, ".complete"), "");
        }
        var originals = ImageFiles.Find(source);
        if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
        for (int i = 0; i < count; i++)
        {
            var original = originals[i % originals.Count];
            var dir = Path.Combine(root, Path.GetFileName(Path.GetDirectoryName(original))!);
            Directory.CreateDirectory(dir);
            File.Copy(original, Path.Combine(dir, $"{i:D6}.jpg"));
        }
        File.WriteAllText(marker, "");
        return root;
    }

    /// <summary>
    /// The raw baseline: SkiaSharp decode and one resize to size x size, in parallel. With
    /// <paramref name="scaledDecode"/> the JPEG is decoded at 1/2, 1/4 or 1/8 scale when that still covers the size.
    /// </summary>
    public static double RawDecodeResizeRate(IReadOnlyList<string> files, int size, bool scaledDecode)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        Parallel.ForEach(files, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, file =>
        {
            using var codec = SKCodec.Create(file);
            var scaled = scaledDecode ? codec.GetScaledDimensions((float)size / Math.Min(codec.Info.Width, codec.Info.Height)) : codec.Info.Size;
            var info = new SKImageInfo(scaled.Width, scaled.Height, SKColorType.Rgba8888, SKAlphaType.Premul);
            using var bitmap = new SKBitmap(info);
            codec.GetPixels(info, bitmap.GetPixels());
            using var resized = new SKBitmap(new SKImageInfo(size, size, SKColorType.Rgba8888, SKAlphaType.Premul));
            bitmap.ScalePixels(resized, new SKSamplingOptions(SKFilterMode.Linear));
        });
        return files.Count / watch.Elapsed.TotalSeconds;
    }
}
