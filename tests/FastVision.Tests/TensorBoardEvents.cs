using System.Buffers.Binary;
using System.Text;
using Google.Protobuf;

namespace FastVision.Tests;

/// <summary>
/// An independent reader of TensorBoard event files, to check what the library wrote: TFRecord framing (uint64 length,
/// masked CRC32C of the length, the data, masked CRC32C of the data; both CRCs checked) around Event protobufs, of which
/// it decodes by hand the fields a training log uses (tensorflow/core/util/event.proto, framework/summary.proto).
/// </summary>
internal static class TensorBoardEvents
{
    /// <summary>One summary value: a scalar, an image (its encoded bytes) or a text (the text plugin's string tensor).</summary>
    public sealed record Value(long Step, double WallTime, string Tag, float? Scalar, Image? Image, string? Text, string? Plugin);

    public sealed record Image(int Width, int Height, byte[] Encoded);

    /// <summary>Every summary value of every event file under <paramref name="directory"/>, file by file (oldest name first), in file order.</summary>
    public static List<Value> ReadAll(string directory) =>
        [.. Directory.GetFiles(directory, "events.out.tfevents.*").Order(StringComparer.Ordinal).SelectMany(Read)];

    /// <summary>The summary values of one event file; its first event must be the file version.</summary>
    public static List<Value> Read(string path)
    {
        var records = Records(File.ReadAllBytes(path));
        Assert.NotEmpty(records);
        Assert.Equal("brain.Event:2", FileVersion(records[0]));
        return [.. records.Skip(1).SelectMany(Values)];
    }

    /// <summary>The TFRecord payloads, each CRC checked.</summary>
    public static List<byte[]> Records(byte[] file)
    {
        var records = new List<byte[]>();
        for (int at = 0; at < file.Length;)
        {
            Assert.True(file.Length - at >= 12, $"truncated record header at byte {at}");
            var lengthBytes = file.AsSpan(at, 8);
            ulong length = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
            Assert.Equal(MaskedCrc(lengthBytes), BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(at + 8, 4)));
            Assert.True((ulong)(file.Length - at - 16) >= length, $"truncated record at byte {at}");
            var data = file.AsSpan(at + 12, (int)length);
            Assert.Equal(MaskedCrc(data), BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(at + 12 + (int)length, 4)));
            records.Add(data.ToArray());
            at += 16 + (int)length;
        }
        return records;
    }

    private static string? FileVersion(byte[] evnt)
    {
        string? version = null;
        Fields(evnt, (field, input) => { if (field == 3) version = input.ReadString(); else input.SkipLastField(); });
        return version;
    }

    /// <summary>Event: 1 wall_time (double), 2 step (int64), 5 summary; Summary: 1 repeated value.</summary>
    private static IEnumerable<Value> Values(byte[] evnt)
    {
        double wallTime = 0;
        long step = 0;
        var summaries = new List<ByteString>();
        Fields(evnt, (field, input) =>
        {
            switch (field)
            {
                case 1: wallTime = input.ReadDouble(); break;
                case 2: step = input.ReadInt64(); break;
                case 5: summaries.Add(input.ReadBytes()); break;
                default: input.SkipLastField(); break;
            }
        });
        var values = new List<Value>();
        foreach (var summary in summaries)
            Fields(summary.ToByteArray(), (field, input) =>
            {
                if (field == 1) values.Add(SummaryValue(input.ReadBytes().ToByteArray(), step, wallTime));
                else input.SkipLastField();
            });
        return values;
    }

    /// <summary>Summary.Value: 1 tag, 2 simple_value (float), 4 image, 8 tensor, 9 metadata.</summary>
    private static Value SummaryValue(byte[] value, long step, double wallTime)
    {
        string tag = "";
        float? scalar = null;
        Image? image = null;
        string? text = null, plugin = null;
        Fields(value, (field, input) =>
        {
            switch (field)
            {
                case 1: tag = input.ReadString(); break;
                case 2: scalar = input.ReadFloat(); break;
                case 4: image = ImageOf(input.ReadBytes().ToByteArray()); break;
                case 8: text = TextOf(input.ReadBytes().ToByteArray()); break;
                case 9: plugin = PluginOf(input.ReadBytes().ToByteArray()); break;
                default: input.SkipLastField(); break;
            }
        });
        return new Value(step, wallTime, tag, scalar, image, text, plugin);
    }

    /// <summary>Summary.Image: 1 height, 2 width, 4 encoded_image_string.</summary>
    private static Image ImageOf(byte[] message)
    {
        int width = 0, height = 0;
        byte[] encoded = [];
        Fields(message, (field, input) =>
        {
            switch (field)
            {
                case 1: height = input.ReadInt32(); break;
                case 2: width = input.ReadInt32(); break;
                case 4: encoded = input.ReadBytes().ToByteArray(); break;
                default: input.SkipLastField(); break;
            }
        });
        return new Image(width, height, encoded);
    }

    /// <summary>TensorProto: 8 string_val (the text plugin's one string).</summary>
    private static string? TextOf(byte[] message)
    {
        string? text = null;
        Fields(message, (field, input) => { if (field == 8) text = Encoding.UTF8.GetString(input.ReadBytes().Span); else input.SkipLastField(); });
        return text;
    }

    /// <summary>SummaryMetadata: 1 plugin_data; PluginData: 1 plugin_name.</summary>
    private static string? PluginOf(byte[] message)
    {
        string? name = null;
        Fields(message, (field, input) =>
        {
            if (field != 1) { input.SkipLastField(); return; }
            Fields(input.ReadBytes().ToByteArray(), (f, data) => { if (f == 1) name = data.ReadString(); else data.SkipLastField(); });
        });
        return name;
    }

    private static void Fields(byte[] message, Action<int, CodedInputStream> read)
    {
        var input = new CodedInputStream(message);
        for (uint tag; (tag = input.ReadTag()) != 0;) read(WireFormat.GetTagFieldNumber(tag), input);
    }

    /// <summary>TFRecord's mask of CRC32C: rotate right by 15 bits, add 0xa282ead8.</summary>
    private static uint MaskedCrc(ReadOnlySpan<byte> data)
    {
        uint crc = Crc32C(data);
        return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
    }

    private static readonly uint[] Table = [.. Enumerable.Range(0, 256).Select(n =>
    {
        uint c = (uint)n;
        for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0x82F63B78u ^ (c >> 1) : c >> 1; // Castagnoli, reflected
        return c;
    })];

    private static uint Crc32C(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFFu;
        foreach (var b in data) crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return ~crc;
    }
}
