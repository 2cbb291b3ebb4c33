using System.Collections.Concurrent;

namespace FastVision.Data;

/// <summary>What to do with an image that cannot be used (missing, unreadable, too large).</summary>
public enum BadImagePolicy
{
    /// <summary>Leave it out and report it (count and list).</summary>
    Skip,

    /// <summary>Stop with an error naming the file.</summary>
    Fail,
}

/// <summary>Problems found in a data set: images skipped under the policy, and warnings. Thread-safe.</summary>
public sealed class DataIssues(BadImagePolicy policy = BadImagePolicy.Skip)
{
    private readonly ConcurrentDictionary<string, string> skipped = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> warnings = new();

    public BadImagePolicy Policy { get; } = policy;

    /// <summary>Skipped images: path → reason, in path order.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Skipped => skipped.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToList();

    public IReadOnlyList<string> Warnings => warnings.ToList();

    /// <summary>Raised the first time an image is skipped while batches are being made.</summary>
    public event Action<string, string>? ImageSkipped;

    public void MissingFile(ImageItem item) => BadImage(item.Path, $"{item.Origin ?? "listed"}: image file not found");

    /// <summary>Skips the image (Skip) or throws a <see cref="DataSourceException"/> (Fail).</summary>
    public void BadImage(string path, string reason)
    {
        if (Policy == BadImagePolicy.Fail) throw new DataSourceException(reason.StartsWith(path, StringComparison.Ordinal) ? reason : $"{path}: {reason}");
        if (skipped.TryAdd(path, reason)) ImageSkipped?.Invoke(path, reason);
    }

    public bool IsSkipped(string path) => skipped.ContainsKey(path);

    public void Warn(string warning) => warnings.Enqueue(warning);
}
