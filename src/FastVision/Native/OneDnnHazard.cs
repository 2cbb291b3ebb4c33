namespace FastVision.Native;

/// <summary>
/// oneDNN's AVX2 backward convolution divides by the L2 cache size when it plans 1x1 stride-2
/// convolutions with many channels. On VMs whose CPUID reports no caches (visible as a missing
/// /sys/devices/system/cpu/cpu0/cache) that is a division by zero: SIGFPE kills the process.
/// FastVision's models then compute those convolutions as "subsample, then 1x1 stride-1 conv",
/// which is the same arithmetic, keeps full-ISA speed, and never reaches the faulty plan.
/// </summary>
public static class OneDnnHazard
{
    private static readonly Lazy<bool> Detected = new(Detect);

    /// <summary>True when this CPU makes oneDNN crash on 1x1 stride-2 convolution backward.</summary>
    public static bool CpuCacheInfoMissing => Detected.Value;

    private static bool Detect()
    {
        var forced = Environment.GetEnvironmentVariable("FASTVISION_ONEDNN_SAFE_CONV");
        if (forced is "1" or "true") return true;
        if (forced is "0" or "false") return false;
        return OperatingSystem.IsLinux() && !Directory.Exists("/sys/devices/system/cpu/cpu0/cache");
    }
}
