using SkiaSharp;

namespace FastVision.Data;

/// <summary>
/// fastai's presizing item transform: crop the full width or height to a square (at a random position
/// on the training set, centered on the validation set) and resize it to <see cref="Size"/> (460 in
/// fastai's examples), leaving the final random-resized crop and augmentation to the batch transforms.
/// </summary>
public sealed record Presize(int Size)
{
    /// <summary>
    /// The square to crop from a <paramref name="width"/> x <paramref name="height"/> image: its side is the
    /// shorter side; <paramref name="position"/> in [0, 1] slides it along the longer side (0.5 = centered).
    /// </summary>
    public static SKRectI SquareRegion(int width, int height, double position)
    {
        int side = Math.Min(width, height);
        int slack = Math.Max(width, height) - side;
        int offset = (int)Math.Round(Math.Clamp(position, 0, 1) * slack);
        return width >= height ? SKRectI.Create(offset, 0, side, side) : SKRectI.Create(0, offset, side, side);
    }

    /// <summary>Decodes, crops and resizes one image into <paramref name="rgb"/> (Size*Size*3 bytes, HWC).</summary>
    public void Apply(string path, double position, Span<byte> rgb, PresizeCache? cache, long maxPixels)
    {
        if (cache is null)
        {
            using var upright = ImageDecoder.DecodeUpright(path, Size, maxPixels);
            using var square = ImageDecoder.Resample(upright, SquareRegion(upright.Width, upright.Height, position), Size, Size);
            ImageDecoder.CopyRgb(square, rgb);
            return;
        }
        var (pixels, w, h) = cache.GetOrCreate(path, Size, () => ShortSideResized(path, maxPixels));
        var region = SquareRegion(w, h, position);
        for (int y = 0; y < Size; y++)
            pixels.AsSpan(((region.Top + y) * w + region.Left) * 3, Size * 3).CopyTo(rgb.Slice(y * Size * 3, Size * 3));
    }

    /// <summary>The whole image with its shorter side resized to <see cref="Size"/> (what the cache stores).</summary>
    private (byte[] Rgb, int Width, int Height) ShortSideResized(string path, long maxPixels)
    {
        using var upright = ImageDecoder.DecodeUpright(path, Size, maxPixels);
        double scale = (double)Size / Math.Min(upright.Width, upright.Height);
        int w = Math.Max(Size, (int)Math.Round(upright.Width * scale));
        int h = Math.Max(Size, (int)Math.Round(upright.Height * scale));
        using var resized = ImageDecoder.Resample(upright, SKRectI.Create(0, 0, upright.Width, upright.Height), w, h);
        var rgb = new byte[w * h * 3];
        ImageDecoder.CopyRgb(resized, rgb);
        return (rgb, w, h);
    }
}
