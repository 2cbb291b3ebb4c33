using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace FastVision.Bench;

/// <summary>A table of figures measured in one run, with the machine they were measured on.</summary>
public sealed class BenchmarkReport(string title, string[] columns)
{
    private readonly List<string[]> rows = [];
    private readonly List<string> notes = [];

    public void Add(params object[] cells) =>
        rows.Add(cells.Select(c => c is double d
            ? d.ToString(Math.Abs(d) < 10 ? "F4" : "F2", CultureInfo.InvariantCulture) // ratios and accuracies need the digits
            : Convert.ToString(c, CultureInfo.InvariantCulture) ?? "").ToArray());

    public void Note(string note) => notes.Add(note);

    public string ToMarkdown()
    {
        var sb = new StringBuilder();
        sb.AppendLine($"## {title} — {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
        sb.AppendLine($"{Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, .NET {Environment.Version}, torch threads {TorchSharp.torch.get_num_threads()}");
        sb.AppendLine();
        sb.AppendLine("| " + string.Join(" | ", columns) + " |");
        sb.AppendLine("|" + string.Concat(columns.Select(_ => "---|")));
        foreach (var r in rows) sb.AppendLine("| " + string.Join(" | ", r) + " |");
        foreach (var n in notes) sb.AppendLine().AppendLine(n);
        return sb.ToString();
    }

    public void Print(TextWriter writer) => writer.WriteLine(ToMarkdown());

    public void AppendTo(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.AppendAllText(path, ToMarkdown() + Environment.NewLine);
    }
}
