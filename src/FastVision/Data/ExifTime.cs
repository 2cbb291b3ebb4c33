using System.Globalization;
using MetadataExtractor;
using MetadataExtractor.Formats.Exif;
using MetadataExtractor.Formats.Jpeg;

namespace FastVision.Data;

/// <summary>
/// When a JPEG photo was taken, from its EXIF metadata (MetadataExtractor, its APP1 EXIF segments only): DateTimeOriginal (0x9003, Exif sub-IFD) — the
/// shutter time camera traps write — or, when absent or unparseable (e.g. "0000:00:00 00:00:00" of an unset clock), the
/// IFD0 DateTime (0x0132), which cameras set to the same moment but editing software may overwrite.
/// </summary>
/// <remarks>
/// Only JPEG is read (what camera traps write) and only its EXIF segments: reading every segment as
/// <c>ImageMetadataReader</c> does costs time per frame and fails on damage (e.g. a Huffman table) that has nothing to do with the
/// time. The time is the camera's local clock as written (no time zone): it orders the frames of one camera, which is all that
/// sequence detection needs. Metadata that cannot be read (corrupt, truncated, not a JPEG) counts as no time, so one bad
/// file makes a one-frame sequence rather than stopping a data set: the pixels are judged later by <see cref="ImageDecoder"/>.
/// </remarks>
public static class ExifTime
{
    /// <summary>The capture time, or null when the file has no readable EXIF time; a <see cref="DataSourceException"/> naming the file when it cannot be opened.</summary>
    public static DateTime? Read(string path)
    {
        IReadOnlyList<MetadataExtractor.Directory> directories;
        try
        {
            using var stream = File.OpenRead(path);
            directories = JpegMetadataReader.ReadMetadata(stream, [new ExifReader()]);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException)
        {
            throw new DataSourceException($"{path}: cannot open image file ({e.Message}).");
        }
        catch (Exception e) when (e is ImageProcessingException or MetadataException or IOException)
        {
            return null;
        }
        return TimeOf<ExifSubIfdDirectory>(directories, ExifDirectoryBase.TagDateTimeOriginal)
            ?? TimeOf<ExifIfd0Directory>(directories, ExifDirectoryBase.TagDateTime);
    }

    /// <summary>EXIF's "yyyy:MM:dd HH:mm:ss", and the dashed date some cameras and tools write instead.</summary>
    private static readonly string[] Formats = ["yyyy:MM:dd HH:mm:ss", "yyyy-MM-dd HH:mm:ss"];

    /// <summary>
    /// The tag's text parsed here rather than with MetadataExtractor's <c>TryGetDateTime</c>, which throws (InvalidCastException)
    /// when a damaged entry's type makes the value a number.
    /// </summary>
    private static DateTime? TimeOf<TDirectory>(IEnumerable<MetadataExtractor.Directory> directories, int tag) where TDirectory : MetadataExtractor.Directory
    {
        foreach (var directory in directories.OfType<TDirectory>())
            if (directory.GetString(tag)?.Trim('\0', ' ') is { } text &&
                DateTime.TryParseExact(text, Formats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var time))
                return time;
        return null;
    }
}
