using System.Runtime.InteropServices;
using TorchSharp;

namespace FastVision.Native;

/// <summary>
/// PyTorch's <c>torch.autocast</c> for TorchSharp, which has no API for it: the thread-local switches in
/// libtorch_cpu (at::autocast::*) are called directly. Entering and leaving mirror torch.autocast's
/// __enter__/__exit__ exactly, including clearing the cache of down-cast weights when the outermost region
/// exits — without that, bf16 copies cached in one step would be reused after the optimizer changed the weights.
/// </summary>
public sealed unsafe class Autocast : IDisposable
{
    private static readonly Lazy<Api> Functions = new(Api.Load);
    private readonly DeviceType device;
    private readonly bool previousEnabled, previousCacheEnabled;
    private readonly sbyte previousDtype;
    private bool disposed;

    private Autocast(DeviceType device, torch.ScalarType dtype)
    {
        var api = Functions.Value;
        this.device = device;
        previousCacheEnabled = api.IsCacheEnabled() != 0;
        previousEnabled = api.IsEnabled((sbyte)device) != 0;
        previousDtype = api.GetDtype((sbyte)device);
        api.SetEnabled((sbyte)device, 1);
        api.SetDtype((sbyte)device, (sbyte)dtype);
        api.IncrementNesting();
        api.SetCacheEnabled(1);
    }

    /// <summary>Runs the region's eligible ops (matmul, conv, linear) in <paramref name="dtype"/> (bf16 on CPU, fp16 on CUDA).</summary>
    public static Autocast Enter(DeviceType device, torch.ScalarType dtype)
    {
        TorchRuntime.EnsureInitialized();
        return new Autocast(device, dtype);
    }

    /// <summary>Whether autocast is on for <paramref name="device"/> on this thread.</summary>
    public static bool IsEnabled(DeviceType device) => Functions.Value.IsEnabled((sbyte)device) != 0;

    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        var api = Functions.Value;
        if (api.DecrementNesting() == 0) api.ClearCache();
        api.SetEnabled((sbyte)device, (byte)(previousEnabled ? 1 : 0));
        api.SetDtype((sbyte)device, previousDtype);
        api.SetCacheEnabled((byte)(previousCacheEnabled ? 1 : 0));
    }

    /// <summary>Function pointers into the libtorch_cpu TorchSharp already loaded (mangled C++ names, c10 enums are int8).</summary>
    private sealed class Api
    {
        public delegate* unmanaged<sbyte, byte, void> SetEnabled;
        public delegate* unmanaged<sbyte, byte> IsEnabled;
        public delegate* unmanaged<sbyte, sbyte, void> SetDtype;
        public delegate* unmanaged<sbyte, sbyte> GetDtype;
        public delegate* unmanaged<long> IncrementNesting;
        public delegate* unmanaged<long> DecrementNesting;
        public delegate* unmanaged<void> ClearCache;
        public delegate* unmanaged<byte> IsCacheEnabled;
        public delegate* unmanaged<byte, void> SetCacheEnabled;

        public static Api Load()
        {
            var name = OperatingSystem.IsWindows() ? "torch_cpu.dll" : OperatingSystem.IsMacOS() ? "libtorch_cpu.dylib" : "libtorch_cpu.so";
            if (!NativeLibrary.TryLoad(name, typeof(Autocast).Assembly, null, out var lib) && !NativeLibrary.TryLoad(name, out lib))
                throw new TorchRuntimeException($"Mixed precision needs {name}, which could not be found.", new DllNotFoundException(name));
            IntPtr Get(string symbol) => NativeLibrary.TryGetExport(lib, symbol, out var p)
                ? p
                : throw new TorchRuntimeException($"Mixed precision: {name} has no {symbol} (unsupported libtorch version).", new EntryPointNotFoundException(symbol));
            return new Api
            {
                SetEnabled = (delegate* unmanaged<sbyte, byte, void>)Get("_ZN2at8autocast20set_autocast_enabledEN3c1010DeviceTypeEb"),
                IsEnabled = (delegate* unmanaged<sbyte, byte>)Get("_ZN2at8autocast19is_autocast_enabledEN3c1010DeviceTypeE"),
                SetDtype = (delegate* unmanaged<sbyte, sbyte, void>)Get("_ZN2at8autocast18set_autocast_dtypeEN3c1010DeviceTypeENS1_10ScalarTypeE"),
                GetDtype = (delegate* unmanaged<sbyte, sbyte>)Get("_ZN2at8autocast18get_autocast_dtypeEN3c1010DeviceTypeE"),
                IncrementNesting = (delegate* unmanaged<long>)Get("_ZN2at8autocast17increment_nestingEv"),
                DecrementNesting = (delegate* unmanaged<long>)Get("_ZN2at8autocast17decrement_nestingEv"),
                ClearCache = (delegate* unmanaged<void>)Get("_ZN2at8autocast11clear_cacheEv"),
                IsCacheEnabled = (delegate* unmanaged<byte>)Get("_ZN2at8autocast25is_autocast_cache_enabledEv"),
                SetCacheEnabled = (delegate* unmanaged<byte, void>)Get("_ZN2at8autocast26set_autocast_cache_enabledEb"),
            };
        }
    }
}
