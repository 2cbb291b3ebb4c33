using System.Runtime.CompilerServices;
using FastVision.Native;

namespace FastVision.Tests;

internal static class TestSetup
{
    /// <summary>Prepares libtorch (huge pages etc.) before any test touches a tensor.</summary>
    [ModuleInitializer]
    internal static void Initialize() => TorchRuntime.EnsureInitialized();
}

/// <summary>A temporary folder, deleted at the end of the test.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir() => Directory.CreateDirectory(Path);
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "fastvision-tests-" + Guid.NewGuid().ToString("N"));
    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);
    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}

internal static class SharedData
{
    /// <summary>../shared/data/camtrap-mini from the repository root, or null when absent.</summary>
    public static string? CamtrapMini => Find("camtrap-mini");

    /// <summary>../shared/data/mct-20 (real camera-trap photos with MegaDetector-format boxes), or null when absent.</summary>
    public static string? Mct20 => Find("mct-20");

    private static string? Find(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = System.IO.Path.Combine(dir.FullName, "..", "shared", "data", name);
            if (File.Exists(System.IO.Path.Combine(candidate, "train_features.csv"))) return System.IO.Path.GetFullPath(candidate);
        }
        return null;
    }
}
