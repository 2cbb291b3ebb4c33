using SkiaSharp;

namespace FastVision.Data;

/// <summary>
/// Decodes an image file with SkiaSharp, crops the largest centered square and resizes it to
/// size x size RGB bytes (HWC). JPEGs much larger than the target are decoded at 1/2, 1/4 or 1/8
/// scale first, which is both faster and a better low-pass filter than one big resize.
/// </summary>
public static class ImageDecoder
{
    private static readonly SKSamplingOptions Sampling = new(SKCubicResampler.Mitchell);

    /// <summary>Reads only the header: throws a <see cref="DataSourceException"/> naming the file when it is not an image.</summary>
    public static SKSizeI ReadSize(string path)
    {
        using var codec = OpenCodec(path);
        return codec.Info.Size;
    }

    /// <summary>Writes size*size*3 bytes into <paramref name="rgb"/>.</summary>
    public static void DecodeCenterSquare(string path, int size, Span<byte> rgb)
    {
        if (rgb.Length != size * size * 3) throw new ArgumentException("Buffer must hold size*size*3 bytes.", nameof(rgb));
        using var codec = OpenCodec(path);
        var full = codec.Info.Size;
        float scale = Math.Max(1f / 8f, Math.Min(1f, (float)size / Math.Min(full.Width, full.Height)));
        var scaled = codec.GetScaledDimensions(scale);
        var info = new SKImageInfo(scaled.Width, scaled.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using var decoded = new SKBitmap(info);
        var result = codec.GetPixels(info, decoded.GetPixels());
        if (result != SKCodecResult.Success)
            throw new DataSourceException($"{path}: cannot decode image ({Describe(result)}).");

        int side = Math.Min(scaled.Width, scaled.Height);
        var square = SKRectI.Create((scaled.Width - side) / 2, (scaled.Height - side) / 2, side, side);
        using var cropped = new SKBitmap();
        if (!decoded.ExtractSubset(cropped, square))
            throw new DataSourceException($"{path}: cannot crop a {side}px square from a {scaled.Width}x{scaled.Height} image.");
        using var resized = new SKBitmap(new SKImageInfo(size, size, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        if (!cropped.ScalePixels(resized, Sampling))
            throw new DataSourceException($"{path}: cannot resize to {size}x{size}.");
        CopyRgb(resized.GetPixelSpan(), rgb);
    }

    private static SKCodec OpenCodec(string path)
    {
        if (!File.Exists(path)) throw new DataSourceException($"{path}: image file not found.");
        var codec = SKCodec.Create(path, out var result);
        if (codec is null)
        {
            var length = new FileInfo(path).Length;
            throw new DataSourceException(length == 0
                ? $"{path}: empty file (0 bytes), not an image."
                : $"{path}: not a readable image ({Describe(result)}).");
        }
        return codec;
    }

    private static void CopyRgb(ReadOnlySpan<byte> rgba, Span<byte> rgb)
    {
        for (int i = 0, j = 0; j < rgb.Length; i += 4, j += 3)
        {
            rgb[j] = rgba[i];
            rgb[j + 1] = rgba[i + 1];
            rgb[j + 2] = rgba[i + 2];
        }
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
