using System.Runtime.Intrinsics.X86;

namespace FastVision.Native;

/// <summary>
/// oneDNN's brgemm convolutions plan their blocking from the cache sizes CPUID reports. On VMs whose CPUID describes
/// no caches (Linux then shows no /sys/devices/system/cpu/cpu0/cache) that goes wrong in several ways: planning 1x1
/// stride-2 convolutions with many channels, and 1x1 convolutions on channels-last input, divides by zero (SIGFPE kills
/// the whole process); and AVX-512 convolutions compute wrong results (channels-last ones, and some NCHW ones read
/// uninitialized memory: <see cref="TorchRuntime.NativeDefaults"/> caps oneDNN at AVX2 there). On such CPUs FastVision's bodies
/// copy channels-last batches to NCHW (VisionBody) and compute strided 1x1 convolutions as
/// "subsample, then 1x1 stride-1 conv" (PointwiseConv2d): the same arithmetic, never reaching the faulty plans.
/// </summary>
public static class OneDnnHazard
{
    private static readonly Lazy<bool> Detected = new(Detect);
    private static bool? forced = ParseOverride(Environment.GetEnvironmentVariable("FASTVISION_ONEDNN_SAFE_CONV"));

    /// <summary>
    /// True when CPU convolutions take the safe paths (NCHW input, subsampled strided 1x1): detected from the CPU, or forced by
    /// FASTVISION_ONEDNN_SAFE_CONV=1|0 or by setting this property.
    /// </summary>
    public static bool MitigationEnabled
    {
        get => forced ?? Detected.Value;
        set => forced = value;
    }

    /// <summary>What was detected, whatever the override says.</summary>
    public static bool CpuCacheInfoMissing => Detected.Value;

    private static bool? ParseOverride(string? value) => value switch
    {
        "1" or "true" => true,
        "0" or "false" => false,
        _ => null,
    };

    private static bool Detect() =>
        (OperatingSystem.IsLinux() && !Directory.Exists("/sys/devices/system/cpu/cpu0/cache")) || CpuidReportsNoCaches();

    /// <summary>The leaves oneDNN's CPU model (Xbyak) reads: 4 on Intel, 0x8000001D (or 0x80000006) on AMD.</summary>
    private static bool CpuidReportsNoCaches()
    {
        if (!X86Base.IsSupported) return false;
        var (maxLeaf, ebx, ecx, edx) = X86Base.CpuId(0, 0);
        string vendor = string.Concat(new[] { ebx, edx, ecx }.Select(r => string.Concat(BitConverter.GetBytes(r).Select(b => (char)b))));
        int maxExtended = X86Base.CpuId(unchecked((int)0x80000000), 0).Eax;
        if (vendor == "AuthenticAMD")
        {
            bool topologyExtensions = (X86Base.CpuId(unchecked((int)0x80000001), 0).Ecx & (1 << 22)) != 0;
            if (topologyExtensions && maxExtended >= unchecked((int)0x8000001D))
                return (X86Base.CpuId(unchecked((int)0x8000001D), 0).Eax & 0x1F) == 0;
            return maxExtended < unchecked((int)0x80000006) || (X86Base.CpuId(unchecked((int)0x80000006), 0).Ecx >>> 16) == 0;
        }
        if (vendor == "GenuineIntel")
            return maxLeaf < 4 || (X86Base.CpuId(4, 0).Eax & 0x1F) == 0;
        return false;
    }
}
