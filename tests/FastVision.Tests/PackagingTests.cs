using Xunit.Abstractions;

namespace FastVision.Tests;

/// <summary>The repository packs into the library package and the fastvision .NET tool, and the tool installs and runs.</summary>
public class PackagingTests(ITestOutputHelper output)
{
    [Fact]
    public void PackedToolInstallsFromALocalFolderAndRuns()
    {
        var root = RepositoryRoot();
        using var dir = new TempDir();
        var version = typeof(Inference.ModelBundle).Assembly.GetName().Version!.ToString(3);
        Run("dotnet", root, "pack", Path.Combine(root, "FastVision.slnx"), "-c", "Release", "-o", dir.Combine("packages"));
        Assert.True(File.Exists(dir.Combine("packages", $"FastVision.{version}.nupkg")), "library package");
        Assert.True(File.Exists(dir.Combine("packages", $"FastVision.Cli.{version}.nupkg")), "tool package");

        Run("dotnet", dir.Path, "tool", "install", "FastVision.Cli", "--tool-path", dir.Combine("tools"), "--add-source", dir.Combine("packages"), "--version", version);
        var tool = dir.Combine("tools", "fastvision");
        Assert.StartsWith(version, Run(tool, dir.Path, "--version").Trim());
        Assert.Contains("Example: fastvision demo", Run(tool, dir.Path, "demo", "--help"));
        // The installed tool loads libtorch (patched for Debian 12) and its shipped weights, and trains.
        var demo = Run(tool, dir.Path, "demo", "--per-class", "6", "--size", "32", "--presize", "40", "--batch-size", "8", "--epochs", "1", "--out", dir.Combine("demo"), "--quiet");
        Assert.StartsWith("demo: accuracy=", demo.Trim());
    }

    internal static string RepositoryRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "FastVision.slnx"))) return d.FullName;
        throw new DirectoryNotFoundException("FastVision.slnx not found above the test assembly.");
    }

    private string Run(string file, string workingDirectory, params string[] args) =>
        TestProcess.Run(file, args, workingDirectory, log: output.WriteLine);
}
