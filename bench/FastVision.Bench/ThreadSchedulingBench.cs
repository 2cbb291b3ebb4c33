using System.Globalization;
using FastVision.Data;
using FastVision.Models;
using FastVision.Native;
using FastVision.Training;

namespace FastVision.Bench;

/// <summary>
/// How the decoder threads and libtorch's OpenMP threads share the cores: frozen-body and full-network training on the CPU
/// path, each setting in a fresh child process (OpenMP reads its environment once, when libtorch starts).
/// </summary>
public static class ThreadSchedulingBench
{
    private const string Probe = "train-pipeline-threads-probe";

    public static BenchmarkReport Run(string[] args)
    {
        bool quick = args.Contains("--quick");
        int images = quick ? 320 : 1280;
        var folder = StandInImages.Folder(quick ? 2000 : 16488);
        var report = new BenchmarkReport($"Thread scheduling on the CPU path: cntk-resnet + fastai head, 224 px, batch 32, fp32, {images:N0} stand-ins per epoch, {Environment.ProcessorCount} cores",
            ["setting", "frozen img/s", "full img/s", "frozen vs default", "full vs default"]);
        (string Name, Dictionary<string, string> Env, int Workers)[] settings =
        [
            ("default: 2 decoder threads, libgomp's default waiting", [], Environment.ProcessorCount),
            ("OMP_WAIT_POLICY=PASSIVE", new() { ["OMP_WAIT_POLICY"] = "PASSIVE" }, Environment.ProcessorCount),
            ("OMP_PROC_BIND=true (libtorch threads pinned)", new() { ["OMP_PROC_BIND"] = "true" }, Environment.ProcessorCount),
            ("1 decoder thread", [], 1),
            ("OMP_NUM_THREADS=1 (one libtorch thread)", new() { ["OMP_NUM_THREADS"] = "1" }, Environment.ProcessorCount),
        ];
        (double Frozen, double Full)? baseline = null;
        foreach (var (name, env, workers) in settings)
        {
            var arguments = new List<string>();
            if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet") arguments.Add(typeof(ThreadSchedulingBench).Assembly.Location);
            arguments.AddRange([Probe, folder, images.ToString(CultureInfo.InvariantCulture), workers.ToString(CultureInfo.InvariantCulture)]);
            var run = MeasuredChild.Run(Environment.ProcessPath!, arguments, environment: env);
            var line = run.Output.Split('\n').FirstOrDefault(l => l.StartsWith("rates ", StringComparison.Ordinal))
                ?? throw new InvalidOperationException($"{name}: probe failed (exit {run.ExitCode}): {run.Output}{run.Errors}");
            var parts = line.Split(' ');
            var rates = (double.Parse(parts[1], CultureInfo.InvariantCulture), double.Parse(parts[2], CultureInfo.InvariantCulture));
            baseline ??= rates;
            report.Add(name, rates.Item1, rates.Item2, rates.Item1 / baseline.Value.Frozen, rates.Item2 / baseline.Value.Full);
        }
        report.Note("Each row is a fresh process: one frozen epoch, then one full-network epoch over the same images (CPU path, no cache).");
        return report;
    }

    /// <summary>The child: FOLDER IMAGES WORKERS → "rates FROZEN FULL".</summary>
    public static BenchmarkReport? RunProbe(string[] args)
    {
        TorchRuntime.EnsureInitialized();
        var dls = ImageDataLoaders.FromFolder(args[0], new DataLoaderOptions { Size = 224, BatchSize = 32, Seed = 42, Split = SplitKind.Random, ValidPct = 0.2 });
        int images = int.Parse(args[1], CultureInfo.InvariantCulture);
        var settings = dls.Train.Settings with { Workers = int.Parse(args[2], CultureInfo.InvariantCulture) };
        var train = dls.Train.WithSettings(settings).WithItems([.. dls.Train.Items.Take(images)]);
        var valid = dls.Valid.WithSettings(settings).WithItems([.. dls.Valid.Items.Take(32)]);
        using var learn = VisionLearner.Create(new DataLoaders(train, valid, dls.Data, dls.BatchSizing), Architectures.CntkResNet, new LearnerOptions { Log = null, Seed = 42 });
        learn.Fit(1, 1e-3);
        double frozen = learn.History[^1].TrainImagesPerSecond;
        learn.Unfreeze();
        learn.Fit(1, 1e-4);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"rates {frozen} {learn.History[^1].TrainImagesPerSecond}"));
        return null;
    }
}
