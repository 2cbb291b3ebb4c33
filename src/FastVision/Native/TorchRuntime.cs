using System.Runtime.InteropServices;
using TorchSharp;

namespace FastVision.Native;

/// <summary>
/// The one place that prepares libtorch for this process. Every public FastVision entry point calls
/// <see cref="EnsureInitialized"/> before touching a tensor.
/// </summary>
public static class TorchRuntime
{
    private static readonly object Gate = new();
    private static bool initialized;

    /// <summary>Environment set before libtorch loads (only where the user has not set it).</summary>
    public static IReadOnlyDictionary<string, string> NativeDefaults { get; } = Defaults();

    private static Dictionary<string, string> Defaults()
    {
        // libtorch's CPU allocator backs large tensors with transparent huge pages: ~1.7x faster training here.
        var defaults = new Dictionary<string, string> { ["THP_MEM_ALLOC_ENABLE"] = "1" };
        // Where CPUID describes no caches, oneDNN's AVX-512 convolutions read memory they never wrote (a 3x3 24->24
        // convolution of EfficientNetV2-S gave NaN once the heap held old data; AVX2 kernels compute it right).
        if (OneDnnHazard.CpuCacheInfoMissing) defaults["ONEDNN_MAX_CPU_ISA"] = "AVX2";
        return defaults;
    }

    public static void EnsureInitialized()
    {
        if (initialized) return;
        lock (Gate)
        {
            if (initialized) return;
            foreach (var (name, value) in NativeDefaults) NativeEnvironment.SetDefault(name, value);
            PreflightLoad();
            try
            {
                torch.InitializeDeviceType(DeviceType.CPU);
            }
            catch (Exception e)
            {
                var firstLine = e.Message.Split('\n', 2)[0].Trim();
                throw new TorchRuntimeException($"TorchSharp's native library could not be loaded: {firstLine} {Hint}", e);
            }
            initialized = true;
        }
    }

    /// <summary>Resolves "cpu", "cuda", "cuda:1" or "auto" (CUDA when available) to a device.</summary>
    public static torch.Device Device(string name = "auto")
    {
        EnsureInitialized();
        if (name == "auto") return torch.cuda.is_available() ? torch.CUDA : torch.CPU;
        var device = new torch.Device(name);
        if (device.type == DeviceType.CUDA && !torch.cuda.is_available())
            throw new ArgumentException($"Device '{name}' was requested but this TorchSharp build has no CUDA support or no GPU is visible.");
        return device;
    }

    /// <summary>
    /// Loads the shipped libLibTorchSharp.so directly first: when that fails, the loader's own reason
    /// (e.g. "version `GLIBCXX_3.4.32' not found") is the useful message, and TorchSharp's fallback —
    /// copying 500 MB of libraries into a cpu/ folder and failing the same way — is skipped.
    /// </summary>
    private static void PreflightLoad()
    {
        if (!OperatingSystem.IsLinux()) return;
        var candidates = new[]
        {
            Path.Combine(AppContext.BaseDirectory, "runtimes", RuntimeInformation.RuntimeIdentifier, "native", "libLibTorchSharp.so"),
            Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so"),
            Path.Combine(AppContext.BaseDirectory, "libLibTorchSharp.so"),
        };
        var path = candidates.FirstOrDefault(File.Exists);
        if (path is null)
        {
            // Not an application's layout: a notebook or script loading TorchSharp from its NuGet package (or a Python libtorch).
            PatchPackageLayout();
            return;
        }
        try
        {
            NativeLibrary.Load(path);
        }
        catch (Exception e) when (e is DllNotFoundException or BadImageFormatException)
        {
            var reason = string.Join(" ", e.Message.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Where(l => l.Contains(path, StringComparison.Ordinal)).Skip(1));
            throw new TorchRuntimeException($"cannot load {path}: {(reason.Length > 0 ? reason : e.Message)} {Hint}", e);
        }
    }

    /// <summary>
    /// In .NET Interactive, TorchSharp loads libLibTorchSharp.so from the folder <c>lib/&lt;tfm&gt;/cpu/</c> beside its assembly
    /// in the NuGet cache, copying there from the packages each native file it does not find. No build of ours ran there, so
    /// on a libstdc++ without GLIBCXX_3.4.32 (Debian 12) that copy gets the build's one-flag patch first: made from the
    /// package's file when absent, patched in place when an earlier session left it unpatched. The package itself is left
    /// as NuGet wrote it.
    /// </summary>
    private static void PatchPackageLayout()
    {
        if (OperatingSystem.IsLinux() && Path.GetDirectoryName(typeof(torch).Assembly.Location) is { Length: > 0 } assemblyDir) PatchPackageLayout(assemblyDir);
    }

    /// <param name="assemblyDir">The folder of TorchSharp.dll in its package: <c>torchsharp/&lt;version&gt;/lib/&lt;tfm&gt;</c>.</param>
    internal static void PatchPackageLayout(string assemblyDir, string version = "GLIBCXX_3.4.32")
    {
        var packageNative = Path.GetFullPath(Path.Combine(assemblyDir, "..", "..", "runtimes", "linux-x64", "native", "libLibTorchSharp.so"));
        if (!File.Exists(packageNative)) return;
        if (ElfVersionNeedPatcher.FindSystemLibStdCxx() is not { } libstdcxx || ElfVersionNeedPatcher.DefinesVersion(libstdcxx, version)) return;
        var consolidated = Path.Combine(assemblyDir, "cpu", "libLibTorchSharp.so");
        try
        {
            if (!File.Exists(consolidated))
            {
                Directory.CreateDirectory(Path.GetDirectoryName(consolidated)!);
                var temp = $"{consolidated}.{Environment.ProcessId}.fastvision.tmp";
                File.Copy(packageNative, temp, overwrite: true);
                ElfVersionNeedPatcher.MakeVersionNeedWeak(temp, version); // patched before TorchSharp can see it
                try
                {
                    File.Move(temp, consolidated, overwrite: false);
                }
                catch (IOException) when (File.Exists(consolidated))
                {
                    File.Delete(temp); // another process made it first
                }
            }
            ElfVersionNeedPatcher.MakeVersionNeedWeak(consolidated, version); // idempotent; also mends a copy an earlier session left unpatched
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            throw new TorchRuntimeException($"cannot make {consolidated} load with {libstdcxx}: {e.Message}", e);
        }
    }

    private static string Hint => OperatingSystem.IsLinux()
        ? "FastVision's build patches libLibTorchSharp.so where the system libstdc++ lacks GLIBCXX_3.4.32 (Debian 12); " +
          "rebuild with 'dotnet build' so the patch runs on this machine's copy."
        : "Check that the libtorch-cpu package for this platform is referenced and restored.";
}

/// <summary>libtorch could not start in this process; the message says why and what to do.</summary>
public sealed class TorchRuntimeException(string message, Exception inner) : Exception(message, inner);
