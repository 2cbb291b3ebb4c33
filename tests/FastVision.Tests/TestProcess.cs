using System.Diagnostics;

namespace FastVision.Tests;

/// <summary>Runs an external program for a test: stdout returned, a non-zero exit or a timeout fails the test with stderr.</summary>
internal static class TestProcess
{
    public static string Run(string file, IEnumerable<string> args, string? workingDirectory = null, TimeSpan? timeout = null, Action<string>? log = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (workingDirectory is not null) start.WorkingDirectory = workingDirectory;
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        foreach (var a in args) start.ArgumentList.Add(a);
        var command = $"{Path.GetFileName(file)} {string.Join(' ', start.ArgumentList)}";
        var watch = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        var limit = timeout ?? TimeSpan.FromMinutes(10);
        if (!process.WaitForExit(limit))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{command} did not finish in {limit.TotalMinutes:F0} minutes.");
        }
        log?.Invoke($"{command}: exit {process.ExitCode}, {watch.Elapsed.TotalSeconds:F0} s");
        Assert.True(process.ExitCode == 0, $"{command}: exit {process.ExitCode}\n{stdout.Result}\n{stderr.Result}");
        return stdout.Result;
    }
}
