using SkiaSharp;

namespace FastVision.Data;

/// <summary>An image file's size (after its EXIF orientation) and format, read from the header only.</summary>
public sealed record ImageHeader(int Width, int Height, SKEncodedImageFormat Format, SKEncodedOrigin Origin);

/// <summary>
/// Decodes image files with SkiaSharp into upright RGBA bitmaps (alpha is carried along and dropped on the tensor side): any format Skia reads whatever the file
/// extension says (PNG in a .jpg is fine), grey, CMYK and 16-bit images converted to 8-bit RGB, the EXIF
/// orientation applied, and images above a pixel limit refused before any pixel is decoded. Large JPEGs
/// are decoded at the smallest n/8 scale (DCT scaling) that still covers the size asked for.
/// </summary>
public static class ImageDecoder
{
    /// <summary>Refuse images above this many pixels (a decompression bomb guard): 100 MP by default.</summary>
    public const long DefaultMaxPixels = 100_000_000;

    public static ImageHeader ReadHeader(string path, long maxPixels = DefaultMaxPixels)
    {
        using var codec = OpenCodec(path, maxPixels);
        return Header(codec);
    }

    /// <summary>Decodes upright; the shorter side is at least <paramref name="minShortSide"/> unless the image is smaller.</summary>
    public static SKBitmap DecodeUpright(string path, int minShortSide, long maxPixels = DefaultMaxPixels)
    {
        using var codec = OpenCodec(path, maxPixels);
        var scaled = CoveringSize(codec, minShortSide);
        var info = new SKImageInfo(scaled.Width, scaled.Height, SKColorType.Rgba8888, SKAlphaType.Premul);
        var decoded = new SKBitmap(info);
        var result = codec.GetPixels(info, decoded.GetPixels());
        if (result != SKCodecResult.Success)
        {
            decoded.Dispose();
            throw new DataSourceException($"{path}: cannot decode image ({Describe(result)}).");
        }
        if (codec.EncodedOrigin == SKEncodedOrigin.TopLeft) return decoded;
        using (decoded) return Orient(decoded, codec.EncodedOrigin);
    }

    /// <summary>Eighths of the stored size a JPEG can be decoded at (libjpeg-turbo's DCT scaling).</summary>
    public const int ScaleDenominator = 8;

    /// <summary>
    /// The smallest n/8 decode whose shorter side still holds <paramref name="minShortSide"/> pixels (full size when none does).
    /// JPEGs decode at ceil(side * n / 8); formats without DCT scaling report their full size for every n.
    /// </summary>
    private static SKSizeI CoveringSize(SKCodec codec, int minShortSide)
    {
        for (int n = 1; n < ScaleDenominator; n++)
        {
            var size = codec.GetScaledDimensions((float)n / ScaleDenominator);
            if (Math.Min(size.Width, size.Height) >= minShortSide) return size;
        }
        return codec.Info.Size;
    }

    /// <summary>
    /// Resamples <paramref name="source"/>'s <paramref name="region"/> (bilinear) straight into
    /// <paramref name="rgba"/>: width*height*4 bytes, RGBA, rows top to bottom. No intermediate copy.
    /// </summary>
    public static unsafe void ResampleInto(SKBitmap source, SKRectI region, int width, int height, Span<byte> rgba)
    {
        if (rgba.Length != width * height * 4) throw new ArgumentException("Buffer must hold width*height*4 bytes.", nameof(rgba));
        using var subset = new SKBitmap();
        if (!source.ExtractSubset(subset, region))
            throw new ArgumentException($"Region {region} is outside the {source.Width}x{source.Height} image.", nameof(region));
        fixed (byte* target = rgba)
        {
            using var pixmap = new SKPixmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul), (IntPtr)target);
            // Bilinear without mipmaps: scaled JPEG decoding already brought the source within 2x of the target.
            if (!subset.PeekPixels().ScalePixels(pixmap, new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.None)))
                throw new InvalidOperationException($"Cannot resize {subset.Width}x{subset.Height} to {width}x{height}.");
        }
    }

    private static SKCodec OpenCodec(string path, long maxPixels)
    {
        if (!File.Exists(path)) throw new DataSourceException($"{path}: image file not found.");
        var codec = SKCodec.Create(path, out var result);
        if (codec is null)
        {
            throw new DataSourceException(new FileInfo(path).Length == 0
                ? $"{path}: empty file (0 bytes), not an image."
                : $"{path}: not a readable image ({Describe(result)}).");
        }
        var (width, height) = (codec.Info.Width, codec.Info.Height);
        if ((long)width * height > maxPixels || width <= 0 || height <= 0)
        {
            codec.Dispose();
            throw new DataSourceException($"{path}: {width}x{height} pixels is above the limit of {maxPixels:N0}; refused before decoding.");
        }
        return codec;
    }

    private static ImageHeader Header(SKCodec codec)
    {
        var (w, h) = (codec.Info.Width, codec.Info.Height);
        bool swaps = codec.EncodedOrigin >= SKEncodedOrigin.LeftTop; // the 90-degree orientations
        return new ImageHeader(swaps ? h : w, swaps ? w : h, codec.EncodedFormat, codec.EncodedOrigin);
    }

    /// <summary>Applies an EXIF orientation: the stored pixels are drawn into an upright bitmap.</summary>
    private static SKBitmap Orient(SKBitmap stored, SKEncodedOrigin origin)
    {
        int w = stored.Width, h = stored.Height;
        bool swaps = origin >= SKEncodedOrigin.LeftTop;
        var upright = new SKBitmap(new SKImageInfo(swaps ? h : w, swaps ? w : h, SKColorType.Rgba8888, SKAlphaType.Premul));
        using var canvas = new SKCanvas(upright);
        var matrix = origin switch
        {
            SKEncodedOrigin.TopRight => new SKMatrix(-1, 0, w, 0, 1, 0, 0, 0, 1),
            SKEncodedOrigin.BottomRight => new SKMatrix(-1, 0, w, 0, -1, h, 0, 0, 1),
            SKEncodedOrigin.BottomLeft => new SKMatrix(1, 0, 0, 0, -1, h, 0, 0, 1),
            SKEncodedOrigin.LeftTop => new SKMatrix(0, 1, 0, 1, 0, 0, 0, 0, 1),
            SKEncodedOrigin.RightTop => new SKMatrix(0, -1, h, 1, 0, 0, 0, 0, 1),
            SKEncodedOrigin.RightBottom => new SKMatrix(0, -1, h, -1, 0, w, 0, 0, 1),
            SKEncodedOrigin.LeftBottom => new SKMatrix(0, 1, 0, -1, 0, w, 0, 0, 1),
            _ => SKMatrix.Identity,
        };
        canvas.SetMatrix(matrix);
        using var image = SKImage.FromBitmap(stored);
        canvas.DrawImage(image, 0, 0, new SKSamplingOptions(SKFilterMode.Nearest));
        canvas.Flush();
        return upright;
    }

    private static string Describe(SKCodecResult result) => result switch
    {
        SKCodecResult.IncompleteInput => "truncated: the file ends before the image data does",
        SKCodecResult.ErrorInInput => "corrupt image data",
        SKCodecResult.Unimplemented => "unsupported image format",
        SKCodecResult.InvalidInput => "unrecognized image format",
        _ => result.ToString(),
    };
}
