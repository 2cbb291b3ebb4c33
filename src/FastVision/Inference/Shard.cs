using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace FastVision.Inference;

/// <summary>
/// One of <see cref="Count"/> disjoint parts of a prediction job: an image belongs to shard <c>h mod Count</c>, where h is the
/// first 8 bytes (big-endian) of the SHA-256 of its key (the path relative to its input, UTF-8). The hash, not the listing
/// position, decides, so a shard's images do not depend on listing order or on which machine lists them.
/// </summary>
/// <param name="Index">0-based.</param>
public sealed record Shard(int Index, int Count)
{
    /// <summary>A whole job: every image.</summary>
    public static Shard All { get; } = new(0, 1);

    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsAll => Count == 1;

    public bool Contains(string key) => Of(key, Count) == Index;

    /// <summary>The shard of <paramref name="key"/> among <paramref name="count"/>.</summary>
    public static int Of(string key, int count) => (int)(Hash(key) % (ulong)count);

    /// <summary>The first 8 bytes (big-endian) of the SHA-256 of the key's UTF-8: stable across machines and runs.</summary>
    public static ulong Hash(string key)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(key), hash);
        return BinaryPrimitives.ReadUInt64BigEndian(hash);
    }

    /// <summary>"i/N" with 0 ≤ i &lt; N.</summary>
    public static Shard Parse(string text)
    {
        var parts = text.Split('/');
        if (parts.Length == 2 && int.TryParse(parts[0], out int index) && int.TryParse(parts[1], out int count) && count >= 1 && index >= 0 && index < count)
            return new Shard(index, count);
        throw new ArgumentException($"--shard {text}: give i/N with 0 <= i < N, e.g. 0/4.");
    }

    /// <summary>
    /// The shard a cluster scheduler gives this process: a Slurm job array (<c>SLURM_ARRAY_TASK_ID</c> counted from
    /// <c>SLURM_ARRAY_TASK_MIN</c>, <c>SLURM_ARRAY_TASK_COUNT</c> tasks, or <paramref name="count"/> when given) or a Kubernetes
    /// Indexed Job (<c>JOB_COMPLETION_INDEX</c>, with <paramref name="count"/>, its <c>completions</c>); null outside both.
    /// </summary>
    public static Shard? FromEnvironment(int? count, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        int? Number(string name) => environment(name) is { } value ? int.TryParse(value, out int n) ? n
            : throw new ArgumentException($"{name}={value}: not a whole number.") : null;
        if (Number("SLURM_ARRAY_TASK_ID") is { } task)
        {
            int total = count ?? Number("SLURM_ARRAY_TASK_COUNT") ?? throw new ArgumentException("SLURM_ARRAY_TASK_ID is set but not SLURM_ARRAY_TASK_COUNT: give --num-shards.");
            return Checked(task - (Number("SLURM_ARRAY_TASK_MIN") ?? 0), total, "SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN");
        }
        if (Number("JOB_COMPLETION_INDEX") is { } index)
            return Checked(index, count ?? throw new ArgumentException("JOB_COMPLETION_INDEX is set: give --num-shards (the Job's completions)."), "JOB_COMPLETION_INDEX");
        return count is null ? null : throw new ArgumentException("--num-shards needs a shard index: SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX in the environment, or --shard i/N.");
    }

    private static Shard Checked(int index, int count, string what) =>
        count >= 1 && index >= 0 && index < count ? new Shard(index, count) : throw new ArgumentException($"{what} = {index} is not a shard of {count} (0..{count - 1}).");

    /// <summary>The file shard <see cref="Index"/> writes: <c>preds.csv</c> → <c>preds.shard-02-of-16.csv</c>; the path itself for <see cref="All"/>.</summary>
    public string PartPath(string output)
    {
        if (IsAll) return output;
        int digits = (Count - 1).ToString().Length;
        var ext = Path.GetExtension(output);
        return Path.Combine(Path.GetDirectoryName(output) ?? "", $"{Path.GetFileNameWithoutExtension(output)}.shard-{Index.ToString().PadLeft(digits, '0')}-of-{Count}{ext}");
    }

    public override string ToString() => $"{Index}/{Count}";
}
