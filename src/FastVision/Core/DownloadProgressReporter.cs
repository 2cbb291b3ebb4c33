using System.Globalization;

namespace FastVision;

/// <summary>
/// Prints download progress with size and rate: one bar rewritten in place on a terminal, plain lines at every tenth
/// (and at the end) when the output is a file or a CI log.
/// </summary>
public sealed class DownloadProgressReporter(TextWriter writer, bool? interactive = null) : IProgress<DownloadStatus>
{
    private readonly bool bar = interactive ?? (ReferenceEquals(writer, Console.Error) && !Console.IsErrorRedirected);
    private readonly Dictionary<string, int> tenths = [];

    public void Report(DownloadStatus status)
    {
        var inv = CultureInfo.InvariantCulture;
        string size = status.Total is { } total
            ? string.Create(inv, $"{Megabytes(status.Received)} of {Megabytes(total)} MB ({100.0 * status.Received / Math.Max(total, 1):F0}%)")
            : string.Create(inv, $"{Megabytes(status.Received)} MB");
        string line = string.Create(inv, $"downloading {status.FileName}: {size}, {status.BytesPerSecond / 1e6:F1} MB/s{(status.Done ? ", done" : "")}");
        lock (tenths)
        {
            if (bar)
            {
                int width = 30, filled = status.Total is { } t ? (int)(width * status.Received / Math.Max(t, 1)) : 0;
                writer.Write($"\r[{new string('#', filled)}{new string('.', width - filled)}] {line}   ");
                if (status.Done) writer.WriteLine();
                return;
            }
            int tenth = status.Total is { } all ? (int)(10 * status.Received / Math.Max(all, 1)) : (int)(status.Received / 10_000_000);
            if (!status.Done && tenths.TryGetValue(status.FileName, out var last) && last == tenth) return;
            tenths[status.FileName] = tenth;
            writer.WriteLine(line);
        }
    }

    private static string Megabytes(long bytes) => (bytes / 1e6).ToString("F1", CultureInfo.InvariantCulture);
}
