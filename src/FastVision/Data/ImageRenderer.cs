using SkiaSharp;

namespace FastVision.Data;

/// <summary>
/// The CPU path of the augmentation: one image's whole geometry (its presize square, random-resized crop, flip, rotation,
/// zoom and perspective warp as one <see cref="Homography"/>) drawn by Skia from the decoded image straight to the model size,
/// in the decoder threads: one bilinear resampling, reflection padding from a mirror-tiled image shader.
/// </summary>
internal static class ImageRenderer
{
    /// <summary>
    /// Renders <paramref name="square"/> of <paramref name="source"/> through <paramref name="geometry"/> (output → square,
    /// both in [-1, 1] with ±1 on the outer edges, as <see cref="AugTransforms.Geometry"/> gives it) into <paramref name="rgba"/>:
    /// size*size*4 bytes, RGBA, rows top to bottom.
    /// </summary>
    public static unsafe void Render(SKBitmap source, SKRectI square, Homography geometry, int size, Span<byte> rgba)
    {
        if (rgba.Length != size * size * 4) throw new ArgumentException("Buffer must hold size*size*4 bytes.", nameof(rgba));
        using var subset = new SKBitmap();
        if (!source.ExtractSubset(subset, square))
            throw new ArgumentException($"Region {square} is outside the {source.Width}x{source.Height} image.", nameof(square));
        // Output pixels → [-1, 1] → the geometry → [-1, 1] of the square → the square's pixels; Skia wants the inverse (image → canvas).
        var toSquare = Homography.ScaleTranslate(square.Width / 2.0, square.Width / 2.0, square.Height / 2.0, square.Height / 2.0)
            * geometry * Homography.ScaleTranslate(2.0 / size, -1, 2.0 / size, -1);
        using var pixmap = subset.PeekPixels();
        using var image = SKImage.FromPixels(pixmap);
        // Bilinear without mipmaps, like grid_sample: the DCT-scaled decode keeps the square within about 2x of what the output needs.
        using var shader = image.ToShader(SKShaderTileMode.Mirror, SKShaderTileMode.Mirror,
            new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.None), toSquare.Inverse().ToSKMatrix());
        using var paint = new SKPaint { Shader = shader, BlendMode = SKBlendMode.Src };
        fixed (byte* target = rgba)
        {
            using var surface = SKSurface.Create(new SKImageInfo(size, size, SKColorType.Rgba8888, SKAlphaType.Premul), (IntPtr)target, size * 4)
                ?? throw new InvalidOperationException($"Cannot draw into a {size}x{size} buffer.");
            surface.Canvas.DrawPaint(paint);
            surface.Flush();
        }
    }
}
