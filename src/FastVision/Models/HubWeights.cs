using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace FastVision.Models;

/// <summary>
/// A timm model on the Hugging Face Hub (<c>timm/&lt;arch&gt;.&lt;tag&gt;</c>): <c>model.safetensors</c> (timm's key names) and
/// <c>config.json</c> (its <c>pretrained_cfg</c>: mean/std, input size, interpolation, crop_pct). Found in a local folder
/// (<c>DIR/&lt;arch&gt;.&lt;tag&gt;/</c>), FastVision's cache or Hugging Face's own cache, else fetched from
/// <c>{endpoint}/{repo}/resolve/{revision}/{file}</c> and checked against the size and digest the hub announces.
/// </summary>
public sealed class HubWeights(string repository, string revision = "main") : IWeightSource
{
    public const string WeightsFile = "model.safetensors", ConfigFile = "config.json";

    public string Repository { get; } = repository;
    public string Revision { get; } = revision;

    /// <summary>The repository's name without its owner: <c>convnext_tiny.fb_in22k_ft_in1k</c>.</summary>
    public string Name => Repository[(Repository.LastIndexOf('/') + 1)..];

    public string FileName => $"{Name}.safetensors";
    public string Source => $"{WeightStore.HubUrl}/{Repository}";
    public WeightKeys Keys => WeightKeys.Timm;

    public string Url(WeightStore store, string file) => $"{store.HubEndpoint}/{Repository}/resolve/{Revision}/{file}";

    /// <summary>Where FastVision keeps the repository's files once downloaded.</summary>
    public string CacheFolder(WeightStore store) => CacheFolder(store.Directory);

    private string CacheFolder(string cache) => Path.Combine(cache, "hub", Repository.Replace('/', '-') + "-" + Revision);

    public string Fetch(WeightStore store) => FetchFile(store, WeightsFile);

    public string? Cached(WeightStore store) => Cached(store, WeightsFile);

    /// <summary>
    /// Checks what can be checked offline: the SHA-256 the hub announced (kept beside FastVision's download, or the blob name
    /// Hugging Face's cache links to), else that the safetensors header accounts for the file's length (a cut download).
    /// </summary>
    public string? Verify(string path)
    {
        var info = new FileInfo(path);
        var expected = File.Exists(path + DigestSuffix) ? File.ReadAllText(path + DigestSuffix).Trim()
            : info.LinkTarget is { } target && Path.GetFileName(target) is { Length: 64 } blob && blob.All(Uri.IsHexDigit) ? blob : null;
        if (expected is not null)
        {
            using var stream = File.OpenRead(path);
            var digest = Convert.ToHexStringLower(SHA256.HashData(stream));
            return digest == expected.ToLowerInvariant() ? null : $"SHA-256 {digest} does not match the hub's {expected}";
        }
        return SafetensorsLengthProblem(path);
    }

    /// <summary>Beside a downloaded file: the SHA-256 the hub announced for it.</summary>
    public const string DigestSuffix = ".sha256";

    /// <summary>Null when the file's safetensors header (8-byte length, JSON with data offsets) accounts for exactly its length.</summary>
    private static string? SafetensorsLengthProblem(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            Span<byte> prefix = stackalloc byte[8];
            stream.ReadExactly(prefix);
            long headerLength = BitConverter.ToInt64(prefix);
            if (headerLength <= 0 || headerLength > stream.Length - 8) return $"a safetensors header of {headerLength} bytes in a file of {stream.Length}";
            var header = new byte[headerLength];
            stream.ReadExactly(header);
            long end = 0;
            foreach (var (name, entry) in JsonNode.Parse(header)!.AsObject())
                if (name != "__metadata__" && entry?["data_offsets"] is JsonArray { Count: 2 } offsets) end = Math.Max(end, (long)offsets[1]!);
            long expected = 8 + headerLength + end;
            return expected == stream.Length ? null : $"{stream.Length} bytes where its header describes {expected}";
        }
        catch (Exception e) when (e is IOException or System.Text.Json.JsonException or InvalidOperationException or FormatException or EndOfStreamException)
        {
            return $"not a readable safetensors file ({e.Message})";
        }
    }

    /// <summary>
    /// The first copy of <paramref name="file"/> on this machine: a --weights-dir folder (<c>DIR/&lt;arch&gt;.&lt;tag&gt;/</c>, or a copy of
    /// FastVision's cache), FastVision's cache, Hugging Face's cache.
    /// </summary>
    public string? Cached(WeightStore store, string file) => WeightStore.FirstExisting(
        store.LocalDirectories.SelectMany(d => new[] { Path.Combine(d, Name, file), Path.Combine(CacheFolder(d), file) }).Append(Path.Combine(CacheFolder(store), file))
            .Concat(store.HubCaches.SelectMany(c => HubCacheCandidates(c, file))));

    /// <summary>
    /// Hugging Face's layout: <c>models--owner--name/refs/&lt;revision&gt;</c> holds the commit whose <c>snapshots/&lt;commit&gt;/</c> has the
    /// files; a revision that is itself a commit is a snapshot folder.
    /// </summary>
    private IEnumerable<string> HubCacheCandidates(string cache, string file)
    {
        var repo = Path.Combine(cache, "models--" + Repository.Replace("/", "--"));
        var refFile = Path.Combine(repo, "refs", Revision);
        if (File.Exists(refFile)) yield return Path.Combine(repo, "snapshots", File.ReadAllText(refFile).Trim(), file);
        yield return Path.Combine(repo, "snapshots", Revision, file);
    }

    public string FetchFile(WeightStore store, string file)
    {
        if (Cached(store, file) is { } path) return path;
        var target = Path.Combine(CacheFolder(store), file);
        var url = Url(store, file);
        var folder = Path.Combine(store.LocalDirectories.FirstOrDefault() ?? "DIR", Name);
        if (store.Offline) throw WeightStore.Unavailable(file, url, folder, "not cached and offline (FASTVISION_OFFLINE or HF_HUB_OFFLINE is set)");
        try
        {
            var head = FileDownload.Head(url, store.Download, store.HubToken);
            FileDownload.Get(url, target, store.Download, (partial, response) => Verify(partial, head, response), store.HubToken);
            if (AnnouncedDigest(head) is { Length: 64 } sha256) AtomicFile.WriteAllText(target + DigestSuffix, sha256);
        }
        catch (DownloadException e)
        {
            throw WeightStore.Unavailable(file, url, folder, $"cannot download ({e.Message})", e);
        }
        return target;
    }

    /// <summary>
    /// Null when the file matches what the hub announced: its size (<c>X-Linked-Size</c> for large files, else the length) and its
    /// digest (<c>X-Linked-Etag</c> or <c>ETag</c>: the SHA-256 of a large file, the git blob SHA-1 of a small one).
    /// </summary>
    private static string? Verify(string path, IReadOnlyDictionary<string, string> head, DownloadResponse response)
    {
        long length = new FileInfo(path).Length;
        var announcedSize = head.TryGetValue("x-linked-size", out var linked) ? linked : head.GetValueOrDefault("content-length");
        if (long.TryParse(announcedSize, out var size) && size != length) return $"{length} bytes where the hub announced {size}";
        var etag = AnnouncedDigest(head) ?? response.ETag?.ToLowerInvariant();
        if (etag is null || !etag.All(Uri.IsHexDigit)) return null; // nothing to check against beyond the size
        using var stream = File.OpenRead(path);
        string digest = etag.Length switch
        {
            64 => Convert.ToHexStringLower(SHA256.HashData(stream)),
            40 => GitBlobSha1(stream, length),
            _ => etag,
        };
        return digest == etag ? null : $"digest {digest} does not match the hub's {etag}";
    }

    /// <summary>The digest the hub's headers announce: <c>X-Linked-Etag</c> (large files) or <c>ETag</c>, unquoted, lower case.</summary>
    private static string? AnnouncedDigest(IReadOnlyDictionary<string, string> head) =>
        (head.GetValueOrDefault("x-linked-etag") ?? head.GetValueOrDefault("etag"))?.Replace("W/", "").Trim('"').ToLowerInvariant();

    private static string GitBlobSha1(Stream stream, long length)
    {
        using var sha1 = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
        sha1.AppendData(Encoding.ASCII.GetBytes($"blob {length}\0"));
        var buffer = new byte[1 << 16];
        for (int n; (n = stream.Read(buffer)) > 0;) sha1.AppendData(buffer, 0, n);
        return Convert.ToHexStringLower(sha1.GetHashAndReset());
    }

    /// <summary>
    /// The repository's <c>config.json</c> as a configuration of <paramref name="architecture"/>: its <c>architecture</c> must name
    /// it, and its <c>pretrained_cfg</c> gives normalization, input size, interpolation and crop.
    /// </summary>
    public PretrainedConfig ReadConfig(Architecture architecture, string tag, WeightStore store)
    {
        var path = FetchFile(store, ConfigFile);
        try
        {
            return ParseConfig(path, architecture, tag);
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or ArgumentException)
        {
            throw new InvalidDataException($"{path}: a value of the wrong kind ({e.Message}).", e); // JSON of another shape
        }
    }

    private PretrainedConfig ParseConfig(string path, Architecture architecture, string tag)
    {
        JsonNode? root;
        try { root = JsonNode.Parse(File.ReadAllText(path)); }
        catch (System.Text.Json.JsonException e) { throw new InvalidDataException($"{path}: not JSON ({e.Message})."); }
        var named = (string?)root?["architecture"];
        if (!string.Equals(named, architecture.Name, StringComparison.OrdinalIgnoreCase))
            throw new InvalidDataException($"{path}: {Repository} is a '{named ?? "(no architecture)"}', not a '{architecture.Name}'.");
        var cfg = root?["pretrained_cfg"] as JsonObject ?? throw new InvalidDataException($"{path}: no pretrained_cfg.");
        float[] Stats(string key) => cfg[key] is JsonArray { Count: 3 } a && a.All(v => v is JsonValue)
            ? [.. a.Select(v => (float)v!)]
            : throw new InvalidDataException($"{path}: pretrained_cfg.{key} is not three numbers.");
        var inputSize = cfg["input_size"] is JsonArray { Count: 3 } dims ? (int)dims[2]! : architecture.InputSize;
        var std = Stats("std");
        if (std.Any(s => !(s > 0)) || inputSize <= 0) throw new InvalidDataException($"{path}: pretrained_cfg has a std or input size that is not positive.");
        return new PretrainedConfig(tag, this, new Normalization(Stats("mean"), std), inputSize)
        {
            CropPct = (double?)cfg["crop_pct"] ?? 0.875,
            Interpolation = (string?)cfg["interpolation"] ?? "bilinear",
        };
    }
}
