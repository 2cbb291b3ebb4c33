using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using FastVision.Data;
using FastVision.Models;
using static TorchSharp.torch;

namespace FastVision.Tests;

/// <summary>Pretrained weights fetched like a package manager fetches packages, against a real HTTP server on 127.0.0.1.</summary>
public class WeightDownloadTests
{
    private static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>A torchvision-style name for <paramref name="bytes"/>: the first 8 hex digits of its SHA-256 after the dash.</summary>
    private static string TorchvisionName(string stem, byte[] bytes) => $"{stem}-{Convert.ToHexStringLower(SHA256.HashData(bytes))[..8]}.pth";

    private static WeightStore Store(TempDir dir, LoopbackServer server, StringWriter? progress = null, TimeSpan? timeout = null, int retries = 2) => new()
    {
        Directory = dir.Combine("cache"),
        TorchvisionBaseUrl = server.BaseUrl + "/models",
        HubEndpoint = server.BaseUrl,
        Download = new DownloadOptions
        {
            Progress = new DownloadProgressReporter(progress ?? new StringWriter(), interactive: false),
            Timeout = timeout ?? TimeSpan.FromSeconds(20), Retries = retries, FirstBackoff = TimeSpan.FromMilliseconds(50),
        },
    };

    [Fact]
    public void ATorchvisionFileDownloadsWithProgressIsCheckedAndCached()
    {
        using var dir = new TempDir();
        using var server = new LoopbackServer();
        var bytes = RandomBytes(400_000, 1);
        var name = TorchvisionName("tiny", bytes);
        server.Add("/models/" + name, bytes);
        var progress = new StringWriter();
        var store = Store(dir, server, progress);
        var source = new TorchvisionWeights(name);

        var path = source.Fetch(store);
        Assert.Equal(source.CachePath(store), path);
        Assert.Equal(bytes, File.ReadAllBytes(path));
        Assert.Contains($"downloading {name}: 0.4 of 0.4 MB (100%)", progress.ToString());
        Assert.Contains("done", progress.ToString());
        Assert.Null(source.Verify(path));
        Assert.Equal(path, source.Fetch(store)); // cached: no second request
        Assert.Equal(1, server.Count("GET", "/models/" + name));
        Assert.Equal([path], Directory.GetFiles(Path.GetDirectoryName(path)!)); // no partial or lock file left
    }

    [Fact]
    public void ADownloadCutHalfwayResumesWithARangeRequestInTheSameRunAndTheNext()
    {
        using var dir = new TempDir();
        using var server = new LoopbackServer();
        var bytes = RandomBytes(600_000, 2);
        var name = TorchvisionName("cut", bytes);
        server.Add("/models/" + name, bytes, cuts: 1);
        var path = new TorchvisionWeights(name).Fetch(Store(dir, server));
        Assert.Equal(bytes, File.ReadAllBytes(path));
        var gets = server.Requests.Where(r => r.Method == "GET").ToList();
        Assert.Equal(2, gets.Count);
        Assert.Null(gets[0].Range);
        Assert.Matches(@"^bytes=[1-9]\d*-$", gets[1].Range);

        // No retries left in a run: the partial file stays, and the next run asks only for the rest.
        using var next = new TempDir();
        var other = RandomBytes(600_000, 3);
        var otherName = TorchvisionName("cut", other);
        server.Add("/models/" + otherName, other, cuts: 1);
        var store = Store(next, server, retries: 0);
        var failed = Assert.Throws<WeightsUnavailableException>(() => new TorchvisionWeights(otherName).Fetch(store));
        Assert.Contains("is kept and resumed next time", failed.Message);
        Assert.True(File.Exists(new TorchvisionWeights(otherName).CachePath(store) + ".partial"));
        Assert.Equal(other, File.ReadAllBytes(new TorchvisionWeights(otherName).Fetch(store)));
        Assert.StartsWith("bytes=", server.Requests.Last(r => r.Path.EndsWith(otherName, StringComparison.Ordinal)).Range);
    }

    [Fact]
    public void AFileWhoseDigestDoesNotMatchItsNameIsRefusedAndNothingIsLeftInTheCache()
    {
        using var dir = new TempDir();
        using var server = new LoopbackServer();
        var bytes = RandomBytes(100_000, 4);
        var name = "tampered-0123abcd.pth";
        server.Add("/models/" + name, bytes);
        var store = Store(dir, server);
        var e = Assert.Throws<WeightsUnavailableException>(() => new TorchvisionWeights(name).Fetch(store));
        Assert.Contains("does not match 0123abcd", e.Message);
        Assert.Contains(server.BaseUrl + "/models/" + name, e.Message);
        var folder = Path.Combine(store.Directory, "torchvision");
        Assert.Empty(Directory.Exists(folder) ? Directory.GetFiles(folder) : []);
        Assert.Equal(1, server.Count("GET", "/models/" + name)); // a wrong file is not retried
    }

    [Fact]
    public void MissingAndSilentServersGiveOneMessageNamingTheFileItsUrlAndTheFolder()
    {
        using var dir = new TempDir();
        using var server = new LoopbackServer();
        var store = Store(dir, server, timeout: TimeSpan.FromSeconds(1), retries: 1);
        var missing = Assert.Throws<WeightsUnavailableException>(() => new TorchvisionWeights("absent-00000000.pth").Fetch(store));
        Assert.Contains("absent-00000000.pth", missing.Message);
        Assert.Contains("HTTP 404", missing.Message);
        Assert.Contains($"{server.BaseUrl}/models/absent-00000000.pth", missing.Message);
        Assert.Contains(Path.Combine(store.Directory, "torchvision"), missing.Message);
        Assert.Equal(1, server.Count("GET", "/models/absent-00000000.pth")); // not found is not retried

        var bytes = RandomBytes(1000, 5);
        var slow = TorchvisionName("slow", bytes);
        server.Add("/models/" + slow, bytes, delay: TimeSpan.FromSeconds(5));
        var silent = Assert.Throws<WeightsUnavailableException>(() => new TorchvisionWeights(slow).Fetch(store));
        Assert.Contains("no response within the timeout", silent.Message);
        Assert.Contains("after 2 attempts", silent.Message);
        Assert.Contains(Path.Combine(store.Directory, "torchvision"), silent.Message);
    }

    [Fact]
    public void OfflineNeverConnects()
    {
        using var dir = new TempDir();
        using var server = new LoopbackServer();
        var bytes = RandomBytes(1000, 6);
        var name = TorchvisionName("offline", bytes);
        server.Add("/models/" + name, bytes);
        var store = Store(dir, server) with { Offline = true };
        var e = Assert.Throws<WeightsUnavailableException>(() => new TorchvisionWeights(name).Fetch(store));
        Assert.Contains("offline", e.Message);
        Assert.Contains(name, e.Message);
        Assert.Throws<WeightsUnavailableException>(() => new HubWeights("timm/resnet18.a1_in1k").Fetch(store));
        Assert.Empty(server.Requests);
    }

    [Fact]
    public void FilesInPyTorchAndHuggingFaceCachesAreUsedWithoutARequest()
    {
        using var dir = new TempDir();
        using var server = new LoopbackServer();
        var bytes = RandomBytes(1000, 7);
        var name = TorchvisionName("cached", bytes);
        Directory.CreateDirectory(dir.Combine("torch", "hub", "checkpoints"));
        File.WriteAllBytes(dir.Combine("torch", "hub", "checkpoints", name), bytes);
        var repo = dir.Combine("hf", "hub", "models--timm--resnet18.a1_in1k");
        Directory.CreateDirectory(Path.Combine(repo, "refs"));
        File.WriteAllText(Path.Combine(repo, "refs", "main"), "0123456789abcdef\n");
        Directory.CreateDirectory(Path.Combine(repo, "snapshots", "0123456789abcdef"));
        File.WriteAllBytes(Path.Combine(repo, "snapshots", "0123456789abcdef", HubWeights.WeightsFile), bytes);
        var store = Store(dir, server) with { TorchCaches = [dir.Combine("torch", "hub", "checkpoints")], HubCaches = [dir.Combine("hf", "hub")] };

        Assert.Equal(dir.Combine("torch", "hub", "checkpoints", name), new TorchvisionWeights(name).Fetch(store));
        Assert.Equal(Path.Combine(repo, "snapshots", "0123456789abcdef", HubWeights.WeightsFile), new HubWeights("timm/resnet18.a1_in1k").Fetch(store));
        Assert.Empty(server.Requests);
    }

    /// <summary>The air-gapped recipe: FastVision's cache filled on a connected machine, copied, and given as --weights-dir offline.</summary>
    [Fact]
    public void ACopiedCacheGivenAsWeightsDirServesAnOfflineMachineAndVerifyChecksIt()
    {
        using var dir = new TempDir();
        using var server = new LoopbackServer();
        var bytes = RandomBytes(50_000, 8);
        var name = TorchvisionName("airgap", bytes);
        server.Add("/models/" + name, bytes);
        ServeHubResNet18(server, "timm/resnet18.airgap_in1k", dir, [0.5f, 0.5f, 0.5f]);
        var online = Store(dir, server);
        new TorchvisionWeights(name).Fetch(online);
        Architectures.Resolve("resnet18.airgap_in1k", online).Weights!.Weights.Fetch(online);
        int requests = server.Requests.Count;

        var offline = new WeightStore { Directory = dir.Combine("station-cache"), LocalDirectories = [online.Directory], Offline = true };
        Assert.StartsWith(online.Directory, new TorchvisionWeights(name).Fetch(offline));
        var hub = Architectures.Resolve("resnet18.airgap_in1k", offline).Weights!;
        Assert.StartsWith(online.Directory, hub.Weights.Fetch(offline));
        Assert.Equal(requests, server.Requests.Count);

        // fastvision weights verify: the copy is intact; a changed byte in the hub file is caught by the digest recorded at download.
        var ok = CliRunner.Run("weights", "verify", "resnet18.airgap_in1k", "--weights-dir", online.Directory);
        Assert.True(ok.ExitCode == 0, ok.Output + ok.Errors);
        Assert.Contains("verify: 1 file(s) checked, 0 problem(s)", ok.Output);
        var path = hub.Weights.Cached(offline)!;
        var damaged = File.ReadAllBytes(path);
        damaged[^1] ^= 0xFF;
        File.WriteAllBytes(path, damaged);
        var bad = CliRunner.Run("weights", "verify", "resnet18.airgap_in1k", "--weights-dir", online.Directory);
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("does not match the hub's", bad.Output);
    }

    /// <summary>A hub repository as the Hugging Face Hub serves it: config.json and model.safetensors with their digests in the headers.</summary>
    internal static (byte[] Weights, byte[] Config) ServeHubResNet18(LoopbackServer server, string repo, TempDir dir, float[] mean, string architecture = "resnet18",
        string? announcedSha256 = null, int bytesPerSecond = 0)
    {
        manual_seed(11);
        using var body = Architectures.ResNet18.CreateBody(pretrained: false);
        var state = body.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone());
        state["fc.weight"] = randn(1000, 512); // timm's classifier: dropped by the loader
        state["fc.bias"] = zeros(1000);
        var path = dir.Combine("served.safetensors");
        WeightFiles.Write(path, state);
        foreach (var t in state.Values) t.Dispose();
        var weights = File.ReadAllBytes(path);
        var config = System.Text.Encoding.UTF8.GetBytes(new JsonObject
        {
            ["architecture"] = architecture,
            ["num_classes"] = 1000,
            ["pretrained_cfg"] = new JsonObject
            {
                ["tag"] = repo.Split('.').Last(), ["input_size"] = new JsonArray(3, 64, 64), ["interpolation"] = "bicubic", ["crop_pct"] = 0.95,
                ["mean"] = new JsonArray(mean.Select(m => (JsonNode)m).ToArray()), ["std"] = new JsonArray(0.25f, 0.25f, 0.25f),
            },
        }.ToJsonString());
        string Sha(byte[] b) => Convert.ToHexStringLower(SHA256.HashData(b));
        server.Add($"/{repo}/resolve/main/{HubWeights.WeightsFile}", weights,
            new() { ["X-Linked-Etag"] = $"\"{announcedSha256 ?? Sha(weights)}\"", ["X-Linked-Size"] = weights.Length.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            bytesPerSecond: bytesPerSecond);
        server.Add($"/{repo}/resolve/main/{HubWeights.ConfigFile}", config, new() { ["ETag"] = $"\"{GitBlobSha1(config)}\"" });
        return (weights, config);
    }

    private static string GitBlobSha1(byte[] content) =>
        Convert.ToHexStringLower(SHA1.HashData([.. System.Text.Encoding.ASCII.GetBytes($"blob {content.Length}\0"), .. content]));

    [Fact]
    public void ANameWithAHubTagResolvesToTheRepositoryWhoseConfigSetsNormalizationAndSize()
    {
        using var dir = new TempDir();
        using var server = new LoopbackServer();
        var (weights, _) = ServeHubResNet18(server, "timm/resnet18.test_in1k", dir, [0.5f, 0.4f, 0.3f]);
        var store = Store(dir, server) with { HubToken = "hf_test_token" };

        var (architecture, config) = Architectures.Resolve("resnet18.test_in1k", store);
        Assert.Same(Architectures.ResNet18, architecture);
        Assert.Equal(new Normalization([0.5f, 0.4f, 0.3f], [0.25f, 0.25f, 0.25f]), config!.Normalization);
        Assert.Equal((64, 0.95, "bicubic"), (config.InputSize, config.CropPct, config.Interpolation));
        var path = config.Weights.Fetch(store);
        Assert.Equal(weights, File.ReadAllBytes(path));
        Assert.Null(config.Weights.Verify(path)); // against the digest the hub announced, kept beside the file
        using var body = architecture.CreateBody(config, store); // timm names, the classifier dropped
        Assert.Equal(1, server.Count("GET", $"/timm/resnet18.test_in1k/resolve/main/{HubWeights.WeightsFile}"));
        Assert.All(server.Requests, r => Assert.Equal("Bearer hf_test_token", r.Authorization)); // HF_TOKEN reaches the hub

        // A registered configuration resolves without any request.
        Assert.Equal("tv_in1k", Architectures.Resolve("resnet50.tv_in1k").Weights!.Tag);
    }

    [Fact]
    public void AHubFileThatDiffersFromItsAnnouncedDigestOrAConfigOfAnotherArchitectureIsRefused()
    {
        using var dir = new TempDir();
        using var server = new LoopbackServer();
        ServeHubResNet18(server, "timm/resnet18.bad_in1k", dir, [0.5f, 0.5f, 0.5f], announcedSha256: new string('a', 64));
        var store = Store(dir, server);
        var config = Architectures.Resolve("resnet18.bad_in1k", store).Weights!;
        var e = Assert.Throws<WeightsUnavailableException>(() => config.Weights.Fetch(store));
        Assert.Contains("does not match the hub's aaaa", e.Message);
        Assert.False(File.Exists(Path.Combine(((HubWeights)config.Weights).CacheFolder(store), HubWeights.WeightsFile)));

        ServeHubResNet18(server, "timm/resnet34.other_in1k", dir, [0.5f, 0.5f, 0.5f]); // its config.json says resnet18
        var other = Assert.Throws<InvalidDataException>(() => Architectures.Resolve("resnet34.other_in1k", store));
        Assert.Contains("is a 'resnet18', not a 'resnet34'", other.Message);
    }

    private static (int ExitCode, string Output) RunCli(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "FastVision.Cli.dll"));
        foreach (var a in args) start.ArgumentList.Add(a);
        foreach (var (name, value) in environment) start.Environment[name] = value;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5))) process.Kill(entireProcessTree: true);
        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    [Fact]
    public async Task TwoProcessesDownloadingTheSameWeightsLeaveOneGoodFile()
    {
        using var dir = new TempDir();
        using var server = new LoopbackServer();
        var (weights, _) = ServeHubResNet18(server, "timm/resnet18.two_in1k", dir, [0.5f, 0.5f, 0.5f], bytesPerSecond: 20_000_000);
        var environment = new Dictionary<string, string> { ["HF_ENDPOINT"] = server.BaseUrl, ["FASTVISION_CACHE"] = dir.Combine("cache"), ["HF_HOME"] = dir.Combine("hf") };
        var runs = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => Task.Run(() => RunCli(environment, "weights", "download", "resnet18.two_in1k"))));
        foreach (var (code, output) in runs) Assert.True(code == 0, output);
        var folder = new HubWeights("timm/resnet18.two_in1k").CacheFolder(new WeightStore { Directory = dir.Combine("cache", "weights") });
        Assert.Equal(weights, File.ReadAllBytes(Path.Combine(folder, HubWeights.WeightsFile)));
        Assert.Equal([HubWeights.ConfigFile, HubWeights.WeightsFile, HubWeights.WeightsFile + HubWeights.DigestSuffix],
            Directory.GetFiles(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(1, server.Count("GET", $"/timm/resnet18.two_in1k/resolve/main/{HubWeights.WeightsFile}"));
    }

    /// <summary>The issue's end-to-end path: `train --arch NAME.TAG` downloads, verifies, caches and fine-tunes from the hub's weights.</summary>
    [Fact]
    public void TrainFineTunesFromHubWeightsNamedByTheirTag()
    {
        using var dir = new TempDir();
        using var server = new LoopbackServer();
        ServeHubResNet18(server, "timm/resnet18.e2e_in1k", dir, [0.45f, 0.45f, 0.45f]);
        var data = DemoDataset.Generate(dir.Combine("data"), perClass: 6, seed: 3, width: 48, height: 36);
        var environment = new Dictionary<string, string> { ["HF_ENDPOINT"] = server.BaseUrl, ["FASTVISION_CACHE"] = dir.Combine("cache"), ["HF_HOME"] = dir.Combine("hf") };
        var (code, output) = RunCli(environment, "train", "--data", data, "--arch", "resnet18.e2e_in1k", "--epochs", "1", "--batch-size", "8",
            "--presize", "72", "--out", dir.Combine("model"), "--no-calibrate");
        Assert.True(code == 0, output);
        Assert.Contains("model: resnet18 (e2e_in1k weights, body frozen) on cpu, 64px", output); // the config's input size is the default --size
        var pipeline = JsonNode.Parse(File.ReadAllText(dir.Combine("model", "model.json")))!["Pipeline"]!;
        Assert.Equal([0.45f, 0.45f, 0.45f], pipeline["Normalization"]!["Mean"]!.AsArray().Select(v => (float)v!));
        Assert.Equal(64, (int)pipeline["Size"]!);

        // The frozen body kept the served weights exactly.
        var trained = WeightFiles.Read(dir.Combine("model", "model.safetensors"));
        var served = WeightFiles.Read(dir.Combine("served.safetensors"));
        Assert.True(trained["body.layer3.1.conv2.weight"].allclose(served["layer3.1.conv2.weight"], rtol: 0, atol: 0));
    }
}
