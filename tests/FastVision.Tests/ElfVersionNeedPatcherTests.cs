namespace FastVision.Tests;

[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public class ElfVersionNeedPatcherTests
{
    private const string Version = "GLIBCXX_3.4.32";

    /// <summary>The unpatched library as TorchSharp ships it, from the NuGet cache.</summary>
    private static string? OriginalLibTorchSharp()
    {
        var root = Environment.GetEnvironmentVariable("NUGET_PACKAGES");
        if (string.IsNullOrEmpty(root)) root = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var path = Path.Combine(root, "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        return File.Exists(path) ? path : null;
    }

    [SkippableFact]
    public void MarksTheRequirementWeakOnceAndKeepsTheFileMode()
    {
        var original = OriginalLibTorchSharp();
        Skip.If(original is null, "TorchSharp 0.107.0's linux-x64 library is not in the NuGet cache.");
        using var dir = new TempDir();
        var copy = dir.Combine("libLibTorchSharp.so");
        File.Copy(original!, copy);
        File.SetUnixFileMode(copy, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        Assert.Equal(VersionNeedPatchOutcome.Patched, ElfVersionNeedPatcher.MakeVersionNeedWeak(copy, Version));
        Assert.Equal(VersionNeedPatchOutcome.AlreadyWeak, ElfVersionNeedPatcher.MakeVersionNeedWeak(copy, Version));
        Assert.True(File.GetUnixFileMode(copy).HasFlag(UnixFileMode.UserExecute));
        var before = File.ReadAllBytes(original!);
        var after = File.ReadAllBytes(copy);
        Assert.Equal(before.Length, after.Length);
        Assert.Equal(1, before.Zip(after).Count(p => p.First != p.Second)); // one byte: the flags field
        Assert.Empty(Directory.GetFiles(dir.Path, "*.tmp"));
    }

    [SkippableFact]
    public void ReportsAVersionTheLibraryDoesNotRequire()
    {
        var original = OriginalLibTorchSharp();
        Skip.If(original is null, "TorchSharp 0.107.0's linux-x64 library is not in the NuGet cache.");
        var bytes = File.ReadAllBytes(original!);
        Assert.Equal(VersionNeedPatchOutcome.VersionNotRequired, ElfVersionNeedPatcher.MakeVersionNeedWeak(bytes, "GLIBCXX_9.9.9", "lib"));
    }

    [SkippableFact]
    public void RefusesWhenARelocationUsesASymbolOfThatVersion()
    {
        var original = OriginalLibTorchSharp();
        Skip.If(original is null, "TorchSharp 0.107.0's linux-x64 library is not in the NuGet cache.");
        // GLIBCXX_3.4 carries symbols the library really calls (operator new, ...): weakening it would be unsafe.
        var bytes = File.ReadAllBytes(original!);
        var e = Assert.Throws<InvalidDataException>(() => ElfVersionNeedPatcher.MakeVersionNeedWeak(bytes, "GLIBCXX_3.4", "lib"));
        Assert.Contains("relocation", e.Message);
    }

    [Fact]
    public void RejectsAFileThatIsNotElf()
    {
        var e = Assert.Throws<InvalidDataException>(() => ElfVersionNeedPatcher.MakeVersionNeedWeak(new byte[128], Version, "notes.txt"));
        Assert.Contains("notes.txt", e.Message);
    }

    [SkippableFact]
    public void TheBuildPatchedTheCopyThisProcessLoaded()
    {
        var system = ElfVersionNeedPatcher.FindSystemLibStdCxx();
        Skip.If(system is null || ElfVersionNeedPatcher.DefinesVersion(system, Version), "This system's libstdc++ has GLIBCXX_3.4.32: no patch needed.");
        var loaded = Directory.GetFiles(AppContext.BaseDirectory, "libLibTorchSharp.so", SearchOption.AllDirectories).Single();
        Assert.Equal(VersionNeedPatchOutcome.AlreadyWeak, ElfVersionNeedPatcher.MakeVersionNeedWeak(File.ReadAllBytes(loaded), Version, loaded));
    }

    /// <summary>
    /// A notebook loads TorchSharp from its package: the copy TorchSharp consolidates into lib/&lt;tfm&gt;/cpu/ is made patched
    /// (and a stale unpatched one mended), while the package's own file stays as NuGet wrote it.
    /// </summary>
    [SkippableFact]
    public void TheNotebookLayoutGetsAPatchedCopyAndThePackageIsLeftAlone()
    {
        var original = OriginalLibTorchSharp();
        Skip.If(original is null, "TorchSharp 0.107.0's linux-x64 library is not in the NuGet cache.");
        var system = ElfVersionNeedPatcher.FindSystemLibStdCxx();
        Skip.If(system is null || ElfVersionNeedPatcher.DefinesVersion(system, Version), "This system's libstdc++ has GLIBCXX_3.4.32: no patch needed.");
        using var dir = new TempDir();
        var package = dir.Combine("torchsharp", "0.107.0");
        var native = Path.Combine(package, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        var lib = Path.Combine(package, "lib", "net8.0");
        Directory.CreateDirectory(Path.GetDirectoryName(native)!);
        Directory.CreateDirectory(lib);
        File.Copy(original!, native);
        var pristine = File.ReadAllBytes(native);

        Native.TorchRuntime.PatchPackageLayout(lib);
        var consolidated = Path.Combine(lib, "cpu", "libLibTorchSharp.so");
        Assert.Equal(VersionNeedPatchOutcome.AlreadyWeak, ElfVersionNeedPatcher.MakeVersionNeedWeak(File.ReadAllBytes(consolidated), Version, consolidated));
        Assert.Equal(pristine, File.ReadAllBytes(native));
        Assert.Single(Directory.GetFiles(Path.Combine(lib, "cpu"))); // no temp file left

        File.Copy(original!, consolidated, overwrite: true); // what TorchSharp copied in an earlier, failed session
        Native.TorchRuntime.PatchPackageLayout(lib);
        Assert.Equal(VersionNeedPatchOutcome.AlreadyWeak, ElfVersionNeedPatcher.MakeVersionNeedWeak(File.ReadAllBytes(consolidated), Version, consolidated));
        Assert.Equal(pristine, File.ReadAllBytes(native));
    }
}
