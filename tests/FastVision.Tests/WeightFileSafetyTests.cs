using System.IO.Compression;
using System.Text;
using FastVision.Models;

namespace FastVision.Tests;

/// <summary>Loading weights runs no foreign code: a pickle that calls a Python function is refused, and the call never happens.</summary>
public class WeightFileSafetyTests
{
    /// <summary>
    /// Protocol-2 pickle of <c>{"weight": os.system("touch MARKER")}</c>: GLOBAL 'posix system', the argument tuple, REDUCE —
    /// what a malicious checkpoint does on <c>torch.load</c> without <c>weights_only</c>.
    /// </summary>
    private static byte[] MaliciousPickle(string marker)
    {
        var command = Encoding.ASCII.GetBytes($"touch {marker}");
        using var pickle = new MemoryStream();
        pickle.Write([0x80, 0x02, (byte)'}', (byte)'q', 0x00]); // PROTO 2, EMPTY_DICT, BINPUT 0
        pickle.Write(Encoding.ASCII.GetBytes("X"));            // BINUNICODE "weight"
        pickle.Write(BitConverter.GetBytes(6));
        pickle.Write(Encoding.ASCII.GetBytes("weight"));
        pickle.Write(Encoding.ASCII.GetBytes("cposix\nsystem\n")); // GLOBAL posix.system
        pickle.Write(Encoding.ASCII.GetBytes("X"));
        pickle.Write(BitConverter.GetBytes(command.Length));
        pickle.Write(command);
        pickle.Write([0x85, (byte)'R', (byte)'s', (byte)'.']); // TUPLE1, REDUCE, SETITEM, STOP
        return pickle.ToArray();
    }

    [Theory]
    [InlineData("legacy")]
    [InlineData("zip")]
    public void APickleThatCallsAPythonFunctionIsRefusedAndRunsNothing(string layout)
    {
        using var dir = new TempDir();
        var marker = dir.Combine("executed");
        var path = dir.Combine("evil.pth");
        var pickle = MaliciousPickle(marker);
        if (layout == "legacy") File.WriteAllBytes(path, pickle);
        else
        {
            // torch.save's zip layout: archive/data.pkl (the pickle) and archive/version.
            using var zip = ZipFile.Open(path, ZipArchiveMode.Create);
            using (var entry = zip.CreateEntry("archive/data.pkl", CompressionLevel.NoCompression).Open()) entry.Write(pickle);
            using (var version = new StreamWriter(zip.CreateEntry("archive/version").Open())) version.Write("3\n");
        }
        var e = Assert.Throws<InvalidDataException>(() => WeightFiles.Read(path));
        Assert.Contains(path, e.Message);
        Assert.False(File.Exists(marker), "the pickle's command ran");
    }
}
