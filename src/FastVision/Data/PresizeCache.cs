using System.Numerics;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace FastVision.Data;

/// <summary>
/// An on-disk cache of presized images (shorter side resized to the presize), as raw RGBA so that later
/// epochs and later runs skip JPEG decoding. Entries are keyed by full path, presize, file length and
/// modification time; written atomically; carry a header and a checksum, so a torn or corrupt entry is
/// rebuilt, never trusted. The folder is safe to delete at any time.
/// </summary>
public sealed class PresizeCache(string directory)
{
    private const uint Magic = 0x32535646; // "FVS2": RGBA pixels
    private const int HeaderBytes = 24;     // magic, width, height, reserved, checksum (8)

    public string Directory { get; } = directory;

    /// <summary>
    /// The cached RGBA pixels for <paramref name="path"/> at <paramref name="presize"/> (and <paramref name="variant"/>, e.g. a crop
    /// region), made with <paramref name="create"/> on a miss.
    /// </summary>
    public (byte[] Rgba, int Width, int Height) GetOrCreate(string path, int presize, Func<(byte[] Rgba, int Width, int Height)> create, string? variant = null)
    {
        var entry = EntryPath(path, presize, variant);
        if (TryRead(entry, out var hit)) return hit;
        var made = create();
        AtomicFile.Write(entry, temp => Write(temp, made));
        return made;
    }

    public string EntryPath(string path, int presize, string? variant = null)
    {
        var info = new FileInfo(path);
        var key = $"{Path.GetFullPath(path)}|{presize}|{info.Length}|{info.LastWriteTimeUtc.Ticks}" + (variant is null ? "" : "|" + variant);
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..32];
        return Path.Combine(Directory, hash[..2], hash + ".rgb");
    }

    private static bool TryRead(string entry, out (byte[] Rgba, int Width, int Height) value)
    {
        value = default;
        byte[] bytes;
        try { bytes = File.ReadAllBytes(entry); }
        catch (IOException) { return false; }
        catch (UnauthorizedAccessException) { return false; }
        if (bytes.Length < HeaderBytes) return false;
        var header = MemoryMarshal.Cast<byte, uint>(bytes.AsSpan(0, 16));
        int width = (int)header[1], height = (int)header[2];
        if (header[0] != Magic || width <= 0 || height <= 0 || (long)width * height * 4 != bytes.Length - HeaderBytes) return false;
        var pixels = bytes.AsSpan(HeaderBytes);
        if (BitConverter.ToUInt64(bytes, 16) != Checksum(pixels)) return false;
        value = (pixels.ToArray(), width, height);
        return true;
    }

    private static void Write(string file, (byte[] Rgba, int Width, int Height) value)
    {
        using var stream = File.Create(file);
        Span<byte> header = stackalloc byte[HeaderBytes];
        var words = MemoryMarshal.Cast<byte, uint>(header[..16]);
        words[0] = Magic;
        words[1] = (uint)value.Width;
        words[2] = (uint)value.Height;
        words[3] = 0;
        BitConverter.TryWriteBytes(header[16..], Checksum(value.Rgba));
        stream.Write(header);
        stream.Write(value.Rgba);
    }

    /// <summary>A fast SIMD checksum over the pixel bytes (detects torn and garbled entries, not tampering).</summary>
    private static ulong Checksum(ReadOnlySpan<byte> data)
    {
        var sum = Vector<ulong>.Zero;
        var mix = Vector<ulong>.Zero;
        int whole = data.Length / (Vector<ulong>.Count * 8) * (Vector<ulong>.Count * 8);
        foreach (var v in MemoryMarshal.Cast<byte, Vector<ulong>>(data[..whole]))
        {
            sum += v;
            mix ^= sum;
        }
        ulong h = (ulong)data.Length;
        for (int i = 0; i < Vector<ulong>.Count; i++) h = (h ^ sum[i]) * 0x100000001B3UL ^ mix[i];
        foreach (var b in data[whole..]) h = (h ^ b) * 0x100000001B3UL;
        return h;
    }
}
