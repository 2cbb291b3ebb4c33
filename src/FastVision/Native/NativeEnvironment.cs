using System.Runtime.InteropServices;

namespace FastVision.Native;

/// <summary>
/// Sets variables in the process's native environment. libtorch reads its settings with getenv(),
/// and on Linux <see cref="Environment.SetEnvironmentVariable(string, string)"/> does not reach libc's environ.
/// </summary>
public static partial class NativeEnvironment
{
    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnv(string name, string value, int overwrite);

    /// <summary>Sets <paramref name="name"/> unless the user already set it; returns the value in force.</summary>
    public static string SetDefault(string name, string value)
    {
        var existing = Environment.GetEnvironmentVariable(name);
        if (!string.IsNullOrEmpty(existing)) return existing;
        if (!OperatingSystem.IsWindows() && SetEnv(name, value, 1) != 0) // set but empty counts as unset
            throw new InvalidOperationException($"setenv({name}) failed with errno {Marshal.GetLastPInvokeError()}.");
        Environment.SetEnvironmentVariable(name, value);
        return value;
    }
}
