namespace FastVision;

/// <summary>Per-user folders FastVision writes to.</summary>
public static class FastVisionPaths
{
    /// <summary>FASTVISION_CACHE, else $XDG_CACHE_HOME/fastvision, else ~/.cache/fastvision. Safe to delete.</summary>
    public static string CacheDirectory
    {
        get
        {
            var explicitDir = Environment.GetEnvironmentVariable("FASTVISION_CACHE");
            if (!string.IsNullOrEmpty(explicitDir)) return explicitDir;
            var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            var root = !string.IsNullOrEmpty(xdg)
                ? xdg
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
            return Path.Combine(root, "fastvision");
        }
    }
}
