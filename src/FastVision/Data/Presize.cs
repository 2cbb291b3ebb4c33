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

    /// <summary>
    /// Decodes, crops and resizes one image into <paramref name="rgba"/> (Size*Size*4 bytes, HWC RGBA). With <paramref name="source"/>
    /// (a detector crop, in the upright image's full-resolution pixels) the square is taken inside that region instead of the
    /// whole image, and the image is decoded large enough for the region to still hold Size pixels.
    /// </summary>
    public void Apply(string path, double position, Span<byte> rgba, PresizeCache? cache, long maxPixels, SKRectI? source = null)
    {
        if (cache is null)
        {
            using var upright = Decode(path, source, maxPixels, out var region);
            var square = SquareRegion(region.Width, region.Height, position);
            square.Offset(region.Left, region.Top);
            if (square.Width >= Size && square.Width <= Size * CropTolerance) CopyRegion(upright, Shrink(square, position), rgba);
            else ImageDecoder.ResampleInto(upright, square, Size, Size, rgba);
            return;
        }
        // A crop is cached as its own entry: the key holds the region.
        var (pixels, w, h) = cache.GetOrCreate(path, Size, () => ShortSideResized(path, source, maxPixels), source is { } r ? $"{r.Left},{r.Top},{r.Width},{r.Height}" : null);
        var squareInCache = SquareRegion(w, h, position);
        for (int y = 0; y < Size; y++)
            pixels.AsSpan(((squareInCache.Top + y) * w + squareInCache.Left) * 4, Size * 4).CopyTo(rgba.Slice(y * Size * 4, Size * 4));
    }

    /// <summary>
    /// The upright image decoded so that <paramref name="source"/> (whole image when null) keeps a short side of at least Size
    /// pixels, and that region in the decoded bitmap's pixels.
    /// </summary>
    private SKBitmap Decode(string path, SKRectI? source, long maxPixels, out SKRectI region)
    {
        if (source is not { } crop)
        {
            var whole = ImageDecoder.DecodeUpright(path, Size, maxPixels);
            region = SKRectI.Create(0, 0, whole.Width, whole.Height);
            return whole;
        }
        var header = ImageDecoder.ReadHeader(path, maxPixels);
        int shortSide = Math.Min(header.Width, header.Height), cropShort = Math.Max(1, Math.Min(crop.Width, crop.Height));
        var upright = ImageDecoder.DecodeUpright(path, (int)Math.Min(shortSide, Math.Ceiling((double)Size * shortSide / cropShort)), maxPixels);
        double sx = (double)upright.Width / header.Width, sy = (double)upright.Height / header.Height;
        int left = (int)Math.Floor(crop.Left * sx), top = (int)Math.Floor(crop.Top * sy);
        region = SKRectI.Create(left, top, Math.Clamp((int)Math.Round(crop.Width * sx), 1, upright.Width - left), Math.Clamp((int)Math.Round(crop.Height * sy), 1, upright.Height - top));
        return upright;
    }

    /// <summary>
    /// A square at most this much larger than the presize is cropped to it instead of resampled (e.g. 480 → 460
    /// loses 2% per side and skips a full-image resample; the batch transforms resample anyway).
    /// </summary>
    public const double CropTolerance = 1.1;

    /// <summary>The Size x Size part of <paramref name="square"/>, at the same relative position.</summary>
    private SKRectI Shrink(SKRectI square, double position)
    {
        int slack = square.Width - Size;
        int dx = (int)Math.Round(Math.Clamp(position, 0, 1) * slack);
        return SKRectI.Create(square.Left + dx, square.Top + slack / 2, Size, Size);
    }

    private static unsafe void CopyRegion(SKBitmap source, SKRectI region, Span<byte> rgba)
    {
        var pixels = source.GetPixelSpan();
        int rowBytes = source.RowBytes, width = region.Width * 4;
        for (int y = 0; y < region.Height; y++)
            pixels.Slice((region.Top + y) * rowBytes + region.Left * 4, width).CopyTo(rgba.Slice(y * width, width));
    }

    /// <summary>The whole image (or the crop) with its shorter side resized to <see cref="Size"/> (what the cache stores), RGBA.</summary>
    private (byte[] Rgba, int Width, int Height) ShortSideResized(string path, SKRectI? source, long maxPixels)
    {
        using var upright = Decode(path, source, maxPixels, out var region);
        double scale = (double)Size / Math.Min(region.Width, region.Height);
        int w = Math.Max(Size, (int)Math.Round(region.Width * scale));
        int h = Math.Max(Size, (int)Math.Round(region.Height * scale));
        var rgba = new byte[w * h * 4];
        ImageDecoder.ResampleInto(upright, region, w, h, rgba);
        return (rgba, w, h);
    }
}
