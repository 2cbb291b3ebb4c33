using SkiaSharp;

namespace FastVision.Data;

/// <summary>
/// fastai's presizing item transform: crop the full width or height to a square (at a random position
/// on the training set, centered on the validation set) and resize it to <see cref="Size"/> (460 in
/// fastai's examples), leaving the final random-resized crop and augmentation to the batch transforms (<see cref="Apply"/>:
/// the tensor path). On the CPU, <see cref="Render"/> takes the same square and draws it with the augmentation straight to
/// the model size instead: one resampling, no presized intermediate.
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
            using var upright = Decode(path, source, Size, maxPixels, out var region);
            var square = SquareIn(region, position);
            if (square.Width >= Size && square.Width <= Size * CropTolerance) CopyRegion(upright, Shrink(square, position), rgba);
            else ImageDecoder.ResampleInto(upright, square, Size, Size, rgba);
            return;
        }
        var (pixels, w, h) = cache.GetOrCreate(path, Size, () => ShortSideResized(path, source, Size, maxPixels), CacheVariant(source));
        var squareInCache = SquareRegion(w, h, position);
        for (int y = 0; y < Size; y++)
            pixels.AsSpan(((squareInCache.Top + y) * w + squareInCache.Left) * 4, Size * 4).CopyTo(rgba.Slice(y * Size * 4, Size * 4));
    }

    /// <summary>
    /// The CPU path, decoded pixels to model input in one resampling: the square at <paramref name="position"/> (of <paramref name="source"/>,
    /// or of the whole image) rendered straight to <paramref name="size"/> x <paramref name="size"/> RGBA into <paramref name="rgba"/>, through
    /// <paramref name="draw"/>'s geometry (training and test-time augmentation) or resized (null: validation and prediction). JPEGs
    /// are decoded at the smallest DCT scale whose square still has a pixel for each output pixel after the draw's crop and zoom.
    /// The presize square's size plays no part, only where it sits. With <paramref name="cache"/>, the image comes from its entry
    /// at short side <paramref name="cacheSide"/> (made on a miss): no decoding, one more resampling, made once.
    /// </summary>
    internal static void Render(string path, double position, int size, AugTransforms.AugDraw? draw, Span<byte> rgba, long maxPixels,
        SKRectI? source = null, PresizeCache? cache = null, int cacheSide = 0)
    {
        SKRectI region;
        SKBitmap upright;
        if (cache is null) upright = Decode(path, source, AugTransforms.CoveringSide(size, draw?.Magnification ?? 1), maxPixels, out region);
        else
        {
            var (pixels, w, h) = cache.GetOrCreate(path, cacheSide, () => ShortSideResized(path, source, cacheSide, maxPixels), CacheVariant(source));
            upright = new SKBitmap(new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Premul));
            System.Runtime.InteropServices.Marshal.Copy(pixels, 0, upright.GetPixels(), pixels.Length);
            region = SKRectI.Create(0, 0, w, h);
        }
        using (upright)
        {
            var square = SquareIn(region, position);
            if (draw is { } d) ImageRenderer.Render(upright, square, AugTransforms.Geometry(d), size, rgba);
            else ImageDecoder.ResampleInto(upright, square, size, size, rgba);
        }
    }

    /// <summary>A crop is cached as its own entry: the key holds the region.</summary>
    private static string? CacheVariant(SKRectI? source) => source is { } r ? $"{r.Left},{r.Top},{r.Width},{r.Height}" : null;

    /// <summary>The square of <paramref name="region"/> at <paramref name="position"/>, in the same pixels as the region.</summary>
    private static SKRectI SquareIn(SKRectI region, double position)
    {
        var square = SquareRegion(region.Width, region.Height, position);
        square.Offset(region.Left, region.Top);
        return square;
    }

    /// <summary>
    /// The upright image decoded so that <paramref name="source"/> (whole image when null) keeps a short side of at least
    /// <paramref name="minShortSide"/> pixels, and that region in the decoded bitmap's pixels.
    /// </summary>
    private static SKBitmap Decode(string path, SKRectI? source, int minShortSide, long maxPixels, out SKRectI region)
    {
        if (source is not { } crop)
        {
            var whole = ImageDecoder.DecodeUpright(path, minShortSide, maxPixels);
            region = SKRectI.Create(0, 0, whole.Width, whole.Height);
            return whole;
        }
        var header = ImageDecoder.ReadHeader(path, maxPixels);
        int shortSide = Math.Min(header.Width, header.Height), cropShort = Math.Max(1, Math.Min(crop.Width, crop.Height));
        var upright = ImageDecoder.DecodeUpright(path, (int)Math.Min(shortSide, Math.Ceiling((double)minShortSide * shortSide / cropShort)), maxPixels);
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

    /// <summary>The whole image (or the crop) with its shorter side resized to <paramref name="side"/> (what the cache stores), RGBA.</summary>
    private static (byte[] Rgba, int Width, int Height) ShortSideResized(string path, SKRectI? source, int side, long maxPixels)
    {
        using var upright = Decode(path, source, side, maxPixels, out var region);
        double scale = (double)side / Math.Min(region.Width, region.Height);
        int w = Math.Max(side, (int)Math.Round(region.Width * scale));
        int h = Math.Max(side, (int)Math.Round(region.Height * scale));
        var rgba = new byte[w * h * 4];
        ImageDecoder.ResampleInto(upright, region, w, h, rgba);
        return (rgba, w, h);
    }
}
