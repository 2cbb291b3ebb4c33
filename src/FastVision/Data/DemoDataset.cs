using SkiaSharp;

namespace FastVision.Data;

/// <summary>
/// A small, deterministic camera-trap-like image set FastVision draws itself, so the demo and tests
/// need no download: day or infrared-night backgrounds with vegetation clutter, and an animal-like
/// silhouette (or none, for "blank") at a random position and scale. Written as a folder per class.
/// </summary>
public static class DemoDataset
{
    public static readonly IReadOnlyList<string> Classes = ["antelope", "bird", "blank", "rodent"];

    private const string Marker = ".fastvision-demo";

    /// <summary>
    /// Writes <paramref name="perClass"/> JPEGs per class under <paramref name="root"/>; returns the root.
    /// A folder from an earlier run (it carries a marker file) is replaced; any other non-empty folder is refused.
    /// </summary>
    public static string Generate(string root, int perClass = 100, int seed = 0, int width = 160, int height = 120)
    {
        if (Directory.Exists(root) && Directory.EnumerateFileSystemEntries(root).Any())
        {
            if (!File.Exists(Path.Combine(root, Marker)))
                throw new DataSourceException($"{root}: folder exists and is not a FastVision demo folder; choose another output folder.");
            Directory.Delete(root, recursive: true);
        }
        Directory.CreateDirectory(root);
        File.WriteAllText(Path.Combine(root, Marker), $"perClass={perClass} seed={seed} size={width}x{height}\n");
        for (int c = 0; c < Classes.Count; c++)
        {
            var dir = Path.Combine(root, Classes[c]);
            Directory.CreateDirectory(dir);
            for (int i = 0; i < perClass; i++)
            {
                var rng = new Random(Seeds.Derive(seed, c, i));
                var path = Path.Combine(dir, $"{Classes[c]}_{i:D4}.jpg");
                using var bitmap = Draw(Classes[c], rng, width, height);
                using var data = bitmap.Encode(SKEncodedImageFormat.Jpeg, 90);
                AtomicFile.Write(path, tmp => File.WriteAllBytes(tmp, data.ToArray()));
            }
        }
        return root;
    }

    private static SKBitmap Draw(string label, Random rng, int w, int h)
    {
        bool night = rng.NextDouble() < 0.5;
        var bitmap = new SKBitmap(w, h);
        using var canvas = new SKCanvas(bitmap);
        DrawBackground(canvas, rng, w, h, night);
        // Animals stand within the central square, which is what a center crop keeps.
        float side = Math.Min(w, h);
        float x0 = (w - side) / 2, cx = x0 + side * (0.25f + 0.5f * (float)rng.NextDouble());
        float cy = side * (0.35f + 0.4f * (float)rng.NextDouble());
        float scale = side / 120f * (1.0f + 0.7f * (float)rng.NextDouble());
        bool facingLeft = rng.NextDouble() < 0.5;
        var body = night ? Grey(rng, 170, 235) : new SKColor((byte)rng.Next(90, 150), (byte)rng.Next(60, 100), (byte)rng.Next(30, 60));
        canvas.Save();
        canvas.Translate(cx, cy);
        canvas.Scale(facingLeft ? -scale : scale, scale);
        using var paint = new SKPaint { Color = body, IsAntialias = true, Style = SKPaintStyle.Fill };
        switch (label)
        {
            case "antelope": DrawAntelope(canvas, paint); break;
            case "bird": DrawBird(canvas, paint); break;
            case "rodent": DrawRodent(canvas, paint); break;
        }
        if (night && label != "blank")
        {
            using var eye = new SKPaint { Color = SKColors.White, IsAntialias = true };
            canvas.DrawCircle(label == "antelope" ? 22 : label == "bird" ? 9 : 11, label == "antelope" ? -20 : -4, 1.5f, eye);
        }
        canvas.Restore();
        AddNoise(bitmap, rng, night ? 12 : 6);
        return bitmap;
    }

    private static void DrawBackground(SKCanvas canvas, Random rng, int w, int h, bool night)
    {
        var top = night ? Grey(rng, 20, 45) : new SKColor((byte)rng.Next(80, 120), (byte)rng.Next(110, 150), (byte)rng.Next(60, 90));
        var bottom = night ? Grey(rng, 45, 80) : new SKColor((byte)rng.Next(110, 150), (byte)rng.Next(90, 120), (byte)rng.Next(50, 80));
        using var gradient = new SKPaint
        {
            Shader = SKShader.CreateLinearGradient(new SKPoint(0, 0), new SKPoint(0, h), [top, bottom], SKShaderTileMode.Clamp),
        };
        canvas.DrawRect(0, 0, w, h, gradient);
        using var clutter = new SKPaint { IsAntialias = true };
        for (int i = 0, n = rng.Next(3, 8); i < n; i++)
        {
            clutter.Color = night ? Grey(rng, 30, 90) : new SKColor((byte)rng.Next(30, 90), (byte)rng.Next(70, 130), (byte)rng.Next(20, 60));
            if (rng.NextDouble() < 0.3)
                canvas.DrawRect((float)rng.NextDouble() * w, 0, rng.Next(4, 12), h, clutter); // a tree trunk
            else
                canvas.DrawOval((float)rng.NextDouble() * w, (float)rng.NextDouble() * h, rng.Next(6, 25), rng.Next(4, 15), clutter);
        }
    }

    private static void DrawAntelope(SKCanvas c, SKPaint p)
    {
        c.DrawOval(0, 0, 22, 11, p);                       // body
        using var legs = new SKPaint { Color = p.Color, StrokeWidth = 3, IsAntialias = true, Style = SKPaintStyle.Stroke };
        foreach (var x in new[] { -15f, -9f, 10f, 16f }) c.DrawLine(x, 6, x, 26, legs);
        c.DrawLine(16, -4, 22, -16, legs);                 // neck
        c.DrawOval(24, -19, 6, 4, p);                      // head
        c.DrawLine(22, -22, 20, -30, legs);                // horns
    }

    private static void DrawBird(SKCanvas c, SKPaint p)
    {
        c.DrawOval(0, 0, 10, 6, p);
        using var wings = new SKPathBuilder();
        wings.MoveTo(-4, -2); wings.LineTo(-14, -24); wings.LineTo(6, -3); wings.Close();
        wings.MoveTo(-4, 2); wings.LineTo(-18, 18); wings.LineTo(4, 3); wings.Close();
        using (var path = wings.Detach()) c.DrawPath(path, p);
        c.DrawCircle(11, -4, 4, p);
        using var beak = new SKPathBuilder();
        beak.MoveTo(14, -5); beak.LineTo(21, -3); beak.LineTo(14, -2); beak.Close();
        using (var path = beak.Detach()) c.DrawPath(path, p);
    }

    private static void DrawRodent(SKCanvas c, SKPaint p)
    {
        c.DrawOval(0, 4, 11, 7, p);
        c.DrawCircle(10, 0, 5, p);
        c.DrawCircle(8, -5, 2.5f, p);                      // ear
        using var tail = new SKPaint { Color = p.Color, StrokeWidth = 1.5f, IsAntialias = true, Style = SKPaintStyle.Stroke };
        using var builder = new SKPathBuilder();
        builder.MoveTo(-10, 6); builder.CubicTo(-22, 14, -28, -2, -36, 6);
        using var path = builder.Detach();
        c.DrawPath(path, tail);
    }

    private static SKColor Grey(Random rng, int lo, int hi)
    {
        var v = (byte)rng.Next(lo, hi);
        return new SKColor(v, v, v);
    }

    private static void AddNoise(SKBitmap bitmap, Random rng, int amplitude)
    {
        var pixels = bitmap.Pixels;
        for (int i = 0; i < pixels.Length; i++)
        {
            int n = rng.Next(-amplitude, amplitude + 1);
            var p = pixels[i];
            pixels[i] = new SKColor(Clamp(p.Red + n), Clamp(p.Green + n), Clamp(p.Blue + n));
        }
        bitmap.Pixels = pixels;
    }

    private static byte Clamp(int v) => (byte)Math.Clamp(v, 0, 255);
}
