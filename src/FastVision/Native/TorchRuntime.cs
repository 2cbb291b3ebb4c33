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
    public static IReadOnlyDictionary<string, string> NativeDefaults { get; } = new Dictionary<string, string>
    {
        // libtorch's CPU allocator backs large tensors with transparent huge pages: ~1.7x faster training here.
        ["THP_MEM_ALLOC_ENABLE"] = "1",
    };

    public static void EnsureInitialized()
    {
        if (initialized) return;
        lock (Gate)
        {
            if (initialized) return;
            foreach (var (name, value) in NativeDefaults) NativeEnvironment.SetDefault(name, value);
            try
            {
                torch.InitializeDeviceType(DeviceType.CPU);
            }
            catch (Exception e)
            {
                throw new TorchRuntimeException(Explain(e), e);
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

    private static string Explain(Exception e)
    {
        var root = e;
        while (root.InnerException is not null) root = root.InnerException;
        var hint = OperatingSystem.IsLinux()
            ? "On Linux, FastVision's build patches libLibTorchSharp.so for systems whose libstdc++ lacks GLIBCXX_3.4.32 " +
              "(Debian 12): rebuild with 'dotnet build' so the patch runs, and check 'ldd' on " +
              Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so") + "."
            : "Check that the libtorch-cpu package for this platform is referenced and restored.";
        return $"TorchSharp's native library could not be loaded: {root.Message} {hint}";
    }
}

/// <summary>libtorch could not start in this process; the message says why and what to do.</summary>
public sealed class TorchRuntimeException(string message, Exception inner) : Exception(message, inner);
