using System.Security.Cryptography;

namespace FastVision.Models;

/// <summary>
/// A file on torchvision's download server (<c>https://download.pytorch.org/models/&lt;file&gt;</c>), whose name carries the
/// first hex digits of its SHA-256 (<c>resnet50-11ad3fa6.pth</c>): found in a local folder, FastVision's cache or PyTorch's
/// hub cache, else downloaded and refused (deleted) when the digest does not match.
/// </summary>
public sealed class TorchvisionWeights : IWeightSource
{
    public TorchvisionWeights(string fileName)
    {
        FileName = fileName;
        var stem = Path.GetFileNameWithoutExtension(fileName);
        var suffix = stem[(stem.LastIndexOf('-') + 1)..];
        HashPrefix = suffix.Length >= 8 && suffix.All(Uri.IsHexDigit)
            ? suffix.ToLowerInvariant()
            : throw new ArgumentException($"{fileName}: a torchvision file name ends with '-' and 8 or more hex digits of its SHA-256.", nameof(fileName));
    }

    public string FileName { get; }

    /// <summary>The leading hex digits of the file's SHA-256, from its name.</summary>
    public string HashPrefix { get; }

    public string Source => $"{WeightStore.TorchvisionUrl}/{FileName}";
    public WeightKeys Keys => WeightKeys.Torchvision;

    public string Url(WeightStore store) => $"{store.TorchvisionBaseUrl}/{FileName}";

    /// <summary>Where FastVision keeps it once downloaded.</summary>
    public string CachePath(WeightStore store) => CachePath(store.Directory);

    private string CachePath(string cache) => Path.Combine(cache, "torchvision", FileName);

    /// <summary>
    /// The first copy already on this machine: a --weights-dir folder (the file by name, or a copy of FastVision's cache), FastVision's
    /// cache, PyTorch's cache; null when none.
    /// </summary>
    public string? Cached(WeightStore store) => WeightStore.FirstExisting(
        store.LocalDirectories.SelectMany(d => new[] { Path.Combine(d, FileName), CachePath(d) }).Append(CachePath(store))
            .Concat(store.TorchCaches.Select(d => Path.Combine(d, FileName))));

    public string Fetch(WeightStore store)
    {
        if (Cached(store) is { } path) return path;
        var target = CachePath(store);
        if (store.Offline) throw WeightStore.Unavailable(FileName, Url(store), Path.GetDirectoryName(target)!, "not cached and offline (FASTVISION_OFFLINE or HF_HUB_OFFLINE is set)");
        try
        {
            FileDownload.Get(Url(store), target, store.Download, (file, _) => Verify(file));
        }
        catch (DownloadException e)
        {
            throw WeightStore.Unavailable(FileName, Url(store), Path.GetDirectoryName(target)!, $"cannot download ({e.Message})", e);
        }
        return target;
    }

    /// <summary>Null when <paramref name="path"/>'s SHA-256 starts with <see cref="HashPrefix"/>, else the problem.</summary>
    public string? Verify(string path)
    {
        using var stream = File.OpenRead(path);
        var digest = Convert.ToHexStringLower(SHA256.HashData(stream));
        return digest.StartsWith(HashPrefix, StringComparison.Ordinal) ? null : $"SHA-256 {digest[..HashPrefix.Length]}... does not match {HashPrefix} (from the file name)";
    }
}
