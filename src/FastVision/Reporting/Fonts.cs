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

    /// <summary>The font file used, or null when none of the usual ones is installed.</summary>
    public static string? SansFile { get; } = Candidates.FirstOrDefault(File.Exists);

    private static readonly Lazy<SKTypeface> Sans = new(() =>
        (SansFile is null ? null : SKTypeface.FromFile(SansFile)) ?? SKTypeface.Default);

    public static SKFont Create(float size) => new(Sans.Value, size);
}
