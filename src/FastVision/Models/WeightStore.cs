namespace FastVision.Models;

/// <summary>
/// Where pretrained weights are looked for and fetched to, from the environment: the folders a user names
/// (<c>--weights-dir</c>, for air-gapped machines), FastVision's cache, the caches PyTorch and Hugging Face tools already
/// filled, and, unless offline, the network (torchvision's download server and the Hugging Face Hub).
/// </summary>
public sealed record WeightStore
{
    public const string TorchvisionUrl = "https://download.pytorch.org/models";
    public const string HubUrl = "https://huggingface.co";

    /// <summary>FastVision's own cache of weights: <c>$FASTVISION_CACHE/weights</c> (default <c>~/.cache/fastvision/weights</c>).</summary>
    public string Directory { get; init; } = Path.Combine(FastVisionPaths.CacheDirectory, "weights");

    /// <summary>Folders the user filled by hand, looked in first: torchvision files by name, hub repositories as <c>&lt;arch&gt;.&lt;tag&gt;/model.safetensors</c>.</summary>
    public IReadOnlyList<string> LocalDirectories { get; init; } = [];

    /// <summary>PyTorch's cache of torchvision downloads: <c>$TORCH_HOME/hub/checkpoints</c> (default <c>~/.cache/torch/hub/checkpoints</c>).</summary>
    public IReadOnlyList<string> TorchCaches { get; init; } = [];

    /// <summary>Hugging Face's hub caches (<c>models--timm--&lt;name&gt;/snapshots/&lt;revision&gt;/</c>): <c>$HF_HUB_CACHE</c>, <c>$HF_HOME/hub</c>, <c>~/.cache/huggingface/hub</c>.</summary>
    public IReadOnlyList<string> HubCaches { get; init; } = [];

    /// <summary>Never touch the network (<c>FASTVISION_OFFLINE=1</c> or <c>HF_HUB_OFFLINE=1</c>): a missing file is a message saying where to put it.</summary>
    public bool Offline { get; init; }

    /// <summary>torchvision's download folder (<c>FASTVISION_TORCHVISION_URL</c> replaces it: mirrors, tests).</summary>
    public string TorchvisionBaseUrl { get; init; } = TorchvisionUrl;

    /// <summary>The Hugging Face Hub (<c>HF_ENDPOINT</c> replaces it).</summary>
    public string HubEndpoint { get; init; } = HubUrl;

    /// <summary>Sent as a bearer token to the hub (<c>HF_TOKEN</c>): gated and private repositories.</summary>
    public string? HubToken { get; init; }

    /// <summary>Timeouts, retries and the progress display of downloads.</summary>
    public DownloadOptions Download { get; init; } = new();

    /// <summary>The store the environment describes (the variables above; unset ones keep their defaults).</summary>
    public static WeightStore FromEnvironment()
    {
        static string? Env(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : null;
        static bool Flag(string name) => Env(name) is { } v && v is not ("0" or "false" or "False" or "no");
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var xdg = Env("XDG_CACHE_HOME") ?? Path.Combine(home, ".cache");
        var torchHome = Env("TORCH_HOME") ?? Path.Combine(xdg, "torch");
        var hubCaches = new List<string>();
        if (Env("HF_HUB_CACHE") is { } hubCache) hubCaches.Add(hubCache);
        hubCaches.Add(Path.Combine(Env("HF_HOME") ?? Path.Combine(xdg, "huggingface"), "hub"));
        return new WeightStore
        {
            TorchCaches = [Path.Combine(torchHome, "hub", "checkpoints")],
            HubCaches = [.. hubCaches.Distinct()],
            Offline = Flag("FASTVISION_OFFLINE") || Flag("HF_HUB_OFFLINE"),
            TorchvisionBaseUrl = (Env("FASTVISION_TORCHVISION_URL") ?? TorchvisionUrl).TrimEnd('/'),
            HubEndpoint = (Env("HF_ENDPOINT") ?? HubUrl).TrimEnd('/'),
            HubToken = Env("HF_TOKEN"),
        };
    }

    /// <summary>The first of <paramref name="candidates"/> that exists.</summary>
    internal static string? FirstExisting(IEnumerable<string> candidates) => candidates.FirstOrDefault(File.Exists);

    /// <summary>The message for a file that is not here and may not be fetched: what, from where, and where to put it.</summary>
    internal static WeightsUnavailableException Unavailable(string fileName, string url, string folder, string why, Exception? inner = null) =>
        new($"{fileName}: {why}. Download {url} on a machine with internet and copy it to {folder} " +
            $"(or to a folder given with --weights-dir), then run again.", fileName, url, folder, inner);
}

/// <summary>Pretrained weights that are neither cached nor downloadable here (offline, or the download failed).</summary>
public sealed class WeightsUnavailableException(string message, string fileName, string url, string folder, Exception? inner = null)
    : Exception(message, inner)
{
    public string FileName => fileName;
    public string Url => url;
    public string Folder => folder;
}
