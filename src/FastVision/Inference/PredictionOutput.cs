using System.Text;

namespace FastVision.Inference;

/// <summary>
/// A prediction file being written: lines of one <see cref="PredictionFormat"/>, appended a batch at a time and flushed, so a kill
/// loses at most the batch in flight. Reopening it (resume) checks the header, drops a torn last line (one without a line end:
/// its write was cut), takes off the footer of a completed file, and reads the keys already there.
/// </summary>
public sealed class PredictionOutput : IDisposable
{
    private readonly FileStream stream;
    private readonly PredictionFormat format;
    private readonly HashSet<string> keys;
    private bool hasImageLine;

    private PredictionOutput(FileStream stream, PredictionFormat format, HashSet<string> keys, int failures)
    {
        this.stream = stream;
        this.format = format;
        this.keys = keys;
        hasImageLine = keys.Count > 0;
        Failures = failures;
        Resumed = keys.Count;
    }

    public string Path => stream.Name;

    /// <summary>The images the file holds a line for.</summary>
    public IReadOnlySet<string> Keys => keys;

    /// <summary>Lines already in the file when it was opened.</summary>
    public int Resumed { get; }

    public int Failures { get; private set; }

    /// <summary>A new file (replacing any), with the format's header.</summary>
    public static PredictionOutput Create(string path, PredictionFormat format)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
        var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read);
        var output = new PredictionOutput(stream, format, new HashSet<string>(StringComparer.Ordinal), 0);
        if (format.Header is { } header) output.Write(header + "\n");
        return output;
    }

    /// <summary>The file as a run left it, ready to append to: see the class summary. A damaged line other than a torn last one is an error naming it.</summary>
    /// <param name="existing">Called with each record already in the file (e.g. to count the whole output's classes).</param>
    public static PredictionOutput Resume(string path, PredictionFormat format, Action<PredictionRecord>? existing = null)
    {
        TrimTornLine(path);
        var keys = new HashSet<string>(StringComparer.Ordinal);
        int failures = 0;
        long footerAt = -1;
        foreach (var (line, number, offset, isFooter) in ImageLines(path, format))
        {
            if (isFooter)
            {
                footerAt = offset;
                continue;
            }
            if (footerAt >= 0) throw new InvalidDataException($"{path} line {number}: a line after the end of the file's JSON.");
            var record = Parse(format, line, path, number);
            if (!keys.Add(record.File)) throw new InvalidDataException($"{path} line {number}: '{record.File}' appears twice.");
            if (record.Failed) failures++;
            existing?.Invoke(record);
        }
        if (footerAt >= 0)
        {
            using var trim = new FileStream(path, FileMode.Open, FileAccess.Write);
            trim.SetLength(footerAt);
        }
        var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read);
        var output = new PredictionOutput(stream, format, keys, failures);
        if (stream.Length == 0 && format.Header is { } h) output.Write(h + "\n");
        return output;
    }

    /// <summary>Every image line of a file with its record, up to the footer; a damaged line is an error naming the file and line.</summary>
    public static IEnumerable<(PredictionRecord Record, string Line)> Read(string path, PredictionFormat format)
    {
        foreach (var (line, number, _, isFooter) in ImageLines(path, format))
        {
            if (isFooter) yield break;
            yield return (Parse(format, line, path, number), line);
        }
    }

    /// <summary>The lines after the header (which must be the format's: the same classes and options), the footer marked.</summary>
    private static IEnumerable<(string Line, int Number, long Offset, bool IsFooter)> ImageLines(string path, PredictionFormat format)
    {
        foreach (var (line, number, offset) in Lines(path))
        {
            if (number == 1 && format.Header is { } header)
            {
                if (line != header)
                    throw new InvalidDataException($"{path} line 1: the header does not match this model and options (expected {PredictionFormat.Shorten(header)}, found {PredictionFormat.Shorten(line)}).");
                continue;
            }
            yield return (line, number, offset, format.Footer is { } footer && line == footer);
        }
    }

    /// <summary>
    /// The predictions of a finished output (a run's or a merge's, its manifest beside it) as a <see cref="PredictionSet"/>: items
    /// named by key (with their ids), failures and unclassified lines as skipped. An unfinished run is refused: resume it first.
    /// </summary>
    public static PredictionSet ReadPredictions(string path)
    {
        var manifest = PredictionManifest.Read(path);
        if (!manifest.Complete) throw new InvalidDataException($"{path}: the run that writes it has not finished; run the same predict command again (it resumes).");
        var rows = new List<ImagePrediction>();
        var skipped = new List<KeyValuePair<string, string>>();
        foreach (var (record, _) in Read(path, manifest.CreateFormat()))
        {
            if (record.Probabilities is { } p) rows.Add(new ImagePrediction(new Data.ImageItem(record.File, Id: record.Id), p, Data.DataLoader.Unlabelled));
            else skipped.Add(new(record.File, record.Failure ?? "no classification (the detector kept no box)"));
        }
        return new PredictionSet(manifest.Identity.Classes, rows, skipped);
    }

    /// <summary>Appends one batch's lines and flushes them to the operating system (a killed process loses nothing written).</summary>
    public void Append(IReadOnlyList<PredictionRecord> records)
    {
        var text = new StringBuilder();
        foreach (var record in records)
        {
            if (!keys.Add(record.File)) throw new InvalidOperationException($"{record.File}: already in {Path}.");
            text.Append(format.Line(record, first: !hasImageLine)).Append('\n');
            hasImageLine = true;
            if (record.Failed) Failures++;
        }
        Write(text.ToString());
    }

    /// <summary>Appends raw image lines (merge), re-joined for their new position.</summary>
    public void AppendLines(IEnumerable<(string Key, string Line)> lines)
    {
        var text = new StringBuilder();
        foreach (var (key, line) in lines)
        {
            if (!keys.Add(key)) throw new InvalidOperationException($"{key}: already in {Path}.");
            text.Append(format.Rejoin(line, first: !hasImageLine)).Append('\n');
            hasImageLine = true;
        }
        Write(text.ToString());
    }

    /// <summary>Writes the footer: the file is complete.</summary>
    public void Complete()
    {
        if (format.Footer is { } footer) Write(footer + "\n");
    }

    public void Dispose() => stream.Dispose();

    private void Write(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        stream.Write(bytes);
        stream.Flush();
    }

    private static PredictionRecord Parse(PredictionFormat format, string line, string path, int number)
    {
        try
        {
            return format.Parse(line);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{path} line {number}: {e.Message}");
        }
    }

    /// <summary>Cuts the file after its last line end: a line without one is a write a kill interrupted.</summary>
    private static void TrimTornLine(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        long end = file.Length;
        var buffer = new byte[64 * 1024];
        while (end > 0)
        {
            int n = (int)Math.Min(buffer.Length, end);
            file.Position = end - n;
            file.ReadExactly(buffer, 0, n);
            int at = Array.LastIndexOf(buffer, (byte)'\n', n - 1);
            if (at >= 0)
            {
                file.SetLength(end - n + at + 1);
                return;
            }
            end -= n;
        }
        file.SetLength(0);
    }

    /// <summary>The file's lines with their 1-based numbers and byte offsets (UTF-8, '\n' ends; a final '\r' is dropped).</summary>
    private static IEnumerable<(string Line, int Number, long Offset)> Lines(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(file, new UTF8Encoding(false, throwOnInvalidBytes: false));
        int number = 0;
        long offset = 0;
        while (reader.ReadLine() is { } line)
        {
            number++;
            yield return (line, number, offset);
            offset += Encoding.UTF8.GetByteCount(line) + 1;
        }
    }
}
