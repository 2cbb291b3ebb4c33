using FastVision.Data;
using SkiaSharp;
using static TorchSharp.torch;

namespace FastVision.Reporting;

/// <summary>fastai's show_batch: a PNG grid of a batch as the model will see it (after augmentation), each with its label.</summary>
public static class BatchGrid
{
    /// <summary>Writes up to <paramref name="maxImages"/> images of the first batch of <paramref name="loader"/> to <paramref name="pngPath"/>.</summary>
    public static void Save(DataLoader loader, IReadOnlyList<string> classes, string pngPath, int maxImages = 16, int epoch = 0)
    {
        using var batch = loader.GetBatches(epoch).FirstOrDefault()
            ?? throw new DataSourceException("No batch to show: every image was skipped.");
        using var scope = NewDisposeScope();
        var images = loader.Prepare(batch, CPU, normalize: false); // [B, 3, S, S] in [0, 1]
        int n = (int)Math.Min(maxImages, images.shape[0]);
        var labels = batch.Labels.data<long>().ToArray();
        // With two views the same image can appear twice; the whole-image view says so.
        var captions = Enumerable.Range(0, n)
            .Select(i => classes[(int)labels[i]] + (loader.Items[batch.Items[i]].View == ImageView.Full ? "\n(whole image)" : "")).ToList();
        var pixels = images[..n].clamp(0, 1).mul(255).round().to(ScalarType.Byte).permute(0, 2, 3, 1).contiguous().data<byte>().ToArray();
        Write(pngPath, pixels, n, (int)images.shape[2], captions);
    }

    /// <summary>Lays out <paramref name="count"/> RGB images (HWC, <paramref name="size"/> square) with captions.</summary>
    /// <param name="columns">Images per row; null: a square grid.</param>
    public static void Write(string pngPath, byte[] rgb, int count, int size, IReadOnlyList<string> captions, int? columns = null)
    {
        var rgba = new byte[count * size * size * 4];
        for (int p = 0, q = 0; p < count * size * size; p++, q += 3)
        {
            rgba[4 * p] = rgb[q];
            rgba[4 * p + 1] = rgb[q + 1];
            rgba[4 * p + 2] = rgb[q + 2];
            rgba[4 * p + 3] = 255;
        }
        WriteRgba(pngPath, rgba, count, size, captions, columns: columns);
    }

    /// <summary>Lays out <paramref name="count"/> RGBA images (<paramref name="size"/> square) with captions; a caption may have several lines.</summary>
    /// <param name="columns">Images per row; null: a square grid.</param>
    public static void WriteRgba(string pngPath, byte[] rgba, int count, int size, IReadOnlyList<string> captions, int minCell = 96, int? columns = null)
    {
        int perRow = columns ?? (int)Math.Ceiling(Math.Sqrt(count));
        int rows = (count + perRow - 1) / perRow;
        int lines = captions.Count == 0 ? 1 : captions.Max(c => c.Split('\n').Length);
        int cell = Math.Max(size, minCell), caption = 4 + 18 * lines, pad = 6;
        using var surface = SKSurface.Create(new SKImageInfo(perRow * (cell + pad) + pad, rows * (cell + caption + pad) + pad));
        var canvas = surface.Canvas;
        canvas.Clear(SKColors.White);
        using var font = Fonts.Create(14);
        using var ink = new SKPaint { Color = SKColors.Black, IsAntialias = true };
        int stride = size * size * 4;
        for (int i = 0; i < count; i++)
        {
            using var bitmap = new SKBitmap(new SKImageInfo(size, size, SKColorType.Rgba8888, SKAlphaType.Opaque));
            System.Runtime.InteropServices.Marshal.Copy(rgba, i * stride, bitmap.GetPixels(), stride);
            using var image = SKImage.FromBitmap(bitmap);
            float x = pad + i % perRow * (cell + pad), y = pad + i / perRow * (cell + caption + pad);
            canvas.DrawImage(image, SKRect.Create(x, y, cell, cell), new SKSamplingOptions(SKFilterMode.Linear));
            var captionLines = captions[i].Split('\n');
            for (int l = 0; l < captionLines.Length; l++)
                canvas.DrawText(captionLines[l], x + 2, y + cell + 16 + 18 * l, SKTextAlign.Left, font, ink);
        }
        using var snapshot = surface.Snapshot();
        using var png = snapshot.Encode(SKEncodedImageFormat.Png, 100);
        FastVision.AtomicFile.Write(pngPath, temp => File.WriteAllBytes(temp, png.ToArray()));
    }
}
