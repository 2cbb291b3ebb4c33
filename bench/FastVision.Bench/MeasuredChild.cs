using System.Diagnostics;
using System.Globalization;

namespace FastVision.Bench;

/// <summary>What a child process did: its wall-clock time, its peak resident set, what it printed and whether it was killed.</summary>
public sealed record ChildRun(double Seconds, double PeakResidentMb, int ExitCode, bool Killed, string Output, string Errors);

/// <summary>
/// Runs a child process to its end (or until told to kill it) while sampling its memory. A child's VmHWM is gone once it
/// exits, so /proc/&lt;pid&gt;/status is read every 100 ms and the largest VmHWM or VmRSS seen is kept: getrusage's
/// RUSAGE_CHILDREN would mix every child this process ever reaped.
/// </summary>
public static class MeasuredChild
{
    private static readonly TimeSpan SampleEvery = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Starts <paramref name="file"/> with <paramref name="arguments"/> (and <paramref name="environment"/> added to this process's); <paramref name="killWhen"/>, checked at every
    /// sample, ends it with SIGKILL (with its whole process tree) as soon as it returns true.
    /// </summary>
    public static ChildRun Run(string file, IEnumerable<string> arguments, Func<bool>? killWhen = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in arguments) start.ArgumentList.Add(a);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        var output = new System.Text.StringBuilder();
        var errors = new System.Text.StringBuilder();
        var watch = Stopwatch.StartNew();
        using var child = Process.Start(start)!;
        // Read both pipes as they fill: a child blocked on a full pipe would measure the pipe, not itself.
        child.OutputDataReceived += (_, e) => { if (e.Data is { } line) lock (output) output.AppendLine(line); };
        child.ErrorDataReceived += (_, e) => { if (e.Data is { } line) lock (errors) errors.AppendLine(line); };
        child.BeginOutputReadLine();
        child.BeginErrorReadLine();
        long peakKb = 0;
        bool killed = false;
        while (!child.WaitForExit(SampleEvery))
        {
            peakKb = Math.Max(peakKb, ResidentKb(child.Id));
            if (killWhen?.Invoke() == true)
            {
                child.Kill(entireProcessTree: true);
                killed = true;
                break;
            }
        }
        child.WaitForExit(); // also drains the redirected pipes
        double seconds = watch.Elapsed.TotalSeconds;
        lock (output) lock (errors) return new ChildRun(seconds, peakKb / 1024.0, child.ExitCode, killed, output.ToString(), errors.ToString());
    }

    /// <summary>The larger of VmHWM and VmRSS in kB; 0 once the process has gone (or while it is a zombie, which lists neither).</summary>
    private static long ResidentKb(int pid)
    {
        try
        {
            long kb = 0;
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal) || line.StartsWith("VmRSS:", StringComparison.Ordinal))
                    kb = Math.Max(kb, long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture));
            }
            return kb;
        }
        catch (IOException)
        {
            return 0;
        }
    }
}
