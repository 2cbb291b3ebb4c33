using System.IO.Compression;
using SkiaSharp;

namespace FastVision.Tests;

/// <summary>Small images with known content, made with SkiaSharp or written byte by byte.</summary>
internal static class TestImages
{
    /// <summary>A JPEG whose thirds, left to right, are red, green and blue.</summary>
    public static void ThreeBands(string path, int width, int height, SKEncodedImageFormat format = SKEncodedImageFormat.Jpeg)
    {
        using var bitmap = new SKBitmap(width, height);
        using (var canvas = new SKCanvas(bitmap))
        {
            using var paint = new SKPaint();
            SKColor[] colors = [SKColors.Red, SKColors.Lime, SKColors.Blue];
            for (int i = 0; i < 3; i++)
            {
                paint.Color = colors[i];
                canvas.DrawRect(i * width / 3f, 0, width / 3f + 1, height, paint);
            }
        }
        Save(bitmap, path, format);
    }

    public static void Solid(string path, int width, int height, SKColor color, SKEncodedImageFormat format = SKEncodedImageFormat.Jpeg)
    {
        using var bitmap = new SKBitmap(width, height);
        bitmap.Erase(color);
        Save(bitmap, path, format);
    }

    /// <summary>An 8-bit greyscale JPEG.</summary>
    public static void Grey(string path, int width, int height)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Gray8, SKAlphaType.Opaque));
        bitmap.Erase(new SKColor(128, 128, 128));
        Save(bitmap, path, SKEncodedImageFormat.Jpeg);
    }

    /// <summary>A 12x8 CMYK JPEG (red to blue), made once with ImageMagick: convert -size 12x8 gradient:red-blue -colorspace CMYK.</summary>
    public static readonly byte[] CmykJpeg = Convert.FromBase64String(
        "/9j/7gAOQWRvYmUAZAAAAAAC/9sAQwADAgIDAgIDAwMDBAMDBAUIBQUEBAUKBwcGCAwKDAwLCgsLDQ4SEA0OEQ4LCxAWEBETFBUVFQwPFxgWFBgSFBUU/9sAQwEDBAQFBAUJBQUJFA0LDRQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQU/8AAFAgACAAMBAERAAIRAQMRAQQRAP/EABUAAQEAAAAAAAAAAAAAAAAAAAAI/8QAHRAAAQIHAAAAAAAAAAAAAAAAAAEDBhIXJ1GR8P/EABUBAQEAAAAAAAAAAAAAAAAAAAAI/8QAGREAAQUAAAAAAAAAAAAAAAAAAQAFF1GR/9oADgQBAAIRAxEEAAA/AKYp1E+WtKTVPrlQ1SFCTxYwqwb3dMKdRPlrSifXKhqQk8WMKXu6Y//Z");

    /// <summary>A 16-bit-per-channel RGB PNG (written by hand: Skia encodes 8-bit only), mid-grey.</summary>
    public static byte[] Png16(int width, int height)
    {
        using var raw = new MemoryStream();
        for (int y = 0; y < height; y++)
        {
            raw.WriteByte(0); // filter: none
            for (int x = 0; x < width * 3; x++) { raw.WriteByte(0x80); raw.WriteByte(0x00); }
        }
        using var compressed = new MemoryStream();
        using (var z = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true)) raw.WriteTo(z);
        using var png = new MemoryStream();
        png.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new byte[13];
        WriteBigEndian(ihdr, 0, width);
        WriteBigEndian(ihdr, 4, height);
        ihdr[8] = 16; // bit depth
        ihdr[9] = 2;  // colour type RGB
        Chunk(png, "IHDR", ihdr);
        Chunk(png, "IDAT", compressed.ToArray());
        Chunk(png, "IEND", []);
        return png.ToArray();
    }

    /// <summary>A JPEG with an EXIF APP1 segment carrying <paramref name="orientation"/> (6 = rotate 90° clockwise to display).</summary>
    public static byte[] WithExifOrientation(byte[] jpeg, ushort orientation)
    {
        byte[] tiff =
        [
            (byte)'I', (byte)'I', 0x2A, 0x00, 0x08, 0x00, 0x00, 0x00, // little-endian TIFF header, IFD at 8
            0x01, 0x00,                                             // one entry
            0x12, 0x01, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00,         // tag 0x0112 Orientation, SHORT, count 1
            (byte)orientation, (byte)(orientation >> 8), 0x00, 0x00,
            0x00, 0x00, 0x00, 0x00,                                 // no next IFD
        ];
        var payload = "Exif\0\0"u8.ToArray().Concat(tiff).ToArray();
        int length = payload.Length + 2;
        return [0xFF, 0xD8, 0xFF, 0xE1, (byte)(length >> 8), (byte)length, .. payload, .. jpeg[2..]];
    }

    /// <summary>
    /// A JPEG with an EXIF APP1 segment carrying DateTimeOriginal (0x9003, in an Exif sub-IFD) and/or the IFD0 DateTime (0x0132),
    /// as "yyyy:MM:dd HH:mm:ss" strings the way cameras write them; <paramref name="rawOriginal"/> replaces the original's text
    /// (e.g. an unset camera clock's "0000:00:00 00:00:00").
    /// </summary>
    public static byte[] WithExifTimes(byte[] jpeg, DateTime? original, DateTime? ifd0DateTime = null, string? rawOriginal = null)
    {
        static byte[] Ascii(string text) => [.. System.Text.Encoding.ASCII.GetBytes(text), 0];
        static string Text(DateTime time) => time.ToString("yyyy:MM:dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture);
        var originalText = rawOriginal ?? (original is { } o ? Text(o) : null);
        int ifd0Entries = (ifd0DateTime is null ? 0 : 1) + (originalText is null ? 0 : 1);
        int ifd0 = 8, subIfd = ifd0 + 2 + 12 * ifd0Entries + 4, data = subIfd + (originalText is null ? 0 : 2 + 12 + 4);
        using var tiff = new MemoryStream();
        using var w = new BinaryWriter(tiff); // little-endian, as the "II" header says
        w.Write("II"u8);
        w.Write((ushort)0x2A);
        w.Write(ifd0);
        var strings = new List<byte[]>();
        void AsciiEntry(ushort tag, string text)
        {
            var bytes = Ascii(text);
            w.Write(tag);
            w.Write((ushort)2); // ASCII
            w.Write(bytes.Length);
            w.Write(data + strings.Sum(b => b.Length));
            strings.Add(bytes);
        }
        w.Write((ushort)ifd0Entries);
        if (ifd0DateTime is { } d) AsciiEntry(0x0132, Text(d));
        if (originalText is not null)
        {
            w.Write((ushort)0x8769); // ExifIFDPointer, LONG
            w.Write((ushort)4);
            w.Write(1);
            w.Write(subIfd);
        }
        w.Write(0); // no next IFD
        if (originalText is not null)
        {
            w.Write((ushort)1);
            AsciiEntry(0x9003, originalText);
            w.Write(0);
        }
        foreach (var bytes in strings) w.Write(bytes);
        w.Flush();
        var payload = "Exif\0\0"u8.ToArray().Concat(tiff.ToArray()).ToArray();
        int length = payload.Length + 2;
        return [0xFF, 0xD8, 0xFF, 0xE1, (byte)(length >> 8), (byte)length, .. payload, .. jpeg[2..]];
    }

    public static byte[] Encode(SKBitmap bitmap, SKEncodedImageFormat format)
    {
        using var data = bitmap.Encode(format, 95);
        return data.ToArray();
    }

    private static void Save(SKBitmap bitmap, string path, SKEncodedImageFormat format)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, Encode(bitmap, format));
    }

    private static void Chunk(Stream png, string type, byte[] data)
    {
        var header = new byte[4];
        WriteBigEndian(header, 0, data.Length);
        png.Write(header);
        var typeAndData = System.Text.Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        png.Write(typeAndData);
        WriteBigEndian(header, 0, (int)Crc32(typeAndData));
        png.Write(header);
    }

    private static void WriteBigEndian(byte[] buffer, int offset, int value)
    {
        buffer[offset] = (byte)(value >> 24);
        buffer[offset + 1] = (byte)(value >> 16);
        buffer[offset + 2] = (byte)(value >> 8);
        buffer[offset + 3] = (byte)value;
    }

    private static uint Crc32(byte[] data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (var b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320 : crc >> 1;
        }
        return ~crc;
    }
}
