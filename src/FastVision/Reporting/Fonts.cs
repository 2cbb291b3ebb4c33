using SkiaSharp;

namespace FastVision.Reporting;

/// <summary>A typeface for labels in pictures: DejaVu Sans where installed (Debian's fonts-dejavu-core), else Skia's default.</summary>
public static class Fonts
{
    private static readonly string[] Candidates =
    [
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/TTF/DejaVuSans.ttf",
        "/System/Library/Fonts/Helvetica.ttc",
        "C:\\Windows\\Fonts\\arial.ttf",
    ];

    private static readonly Lazy<SKTypeface> Sans = new(() =>
        Candidates.Where(File.Exists).Select(SKTypeface.FromFile).FirstOrDefault(t => t is not null) ?? SKTypeface.Default);

    public static SKFont Create(float size) => new(Sans.Value, size);
}
