using System.Diagnostics;
using System.Globalization;
using FastVision.Data;
using FastVision.Metrics;
using FastVision.Models;
using FastVision.Native;
using FastVision.Training;
using static TorchSharp.torch;

namespace FastVision.Bench;

/// <summary>
/// Issue 17's figures, side by side for the tensor path (presize squares → grid_sample on the CPU, before) and the CPU path
/// (each image rendered to the model size in the decoder threads, after): the input pipeline alone, frozen-body and
/// full-network training end to end against the same model on pre-built batches, validation, a fine_tune(2) at competition
/// size extrapolated from those rates, the cache's second epoch, and accuracy on mct-20 with each path.
/// </summary>
public static class TrainingPipelineBench
{
    private const int CompetitionTrain = 13_191, CompetitionValid = 3_297; // 16,488 training images, 20% held out

    public static BenchmarkReport Run(string[] args)
    {
        TorchRuntime.EnsureInitialized();
        bool quick = args.Contains("--quick");
        int size = quick ? 128 : 224, images = quick ? 256 : 1600;
        // bf16 is the issue's precision; where oneDNN is capped at AVX2 (no cache info) it has no bf16 convolutions and fp32 is the fast one.
        ScalarType? precision = args.Contains("--fp32") ? null : args.Contains("--bf16") || !OneDnnHazard.CpuCacheInfoMissing ? ScalarType.BFloat16 : null;
        string precisionName = precision is null ? "fp32" : "bf16";
        var report = new BenchmarkReport(
            $"Training input pipeline: tensor path (before) vs CPU path (after), cntk-resnet + fastai head, {size} px, batch 32, {precisionName}, {Environment.ProcessorCount} cores{(quick ? ", --quick" : "")}",
            ["data", "measure", "tensor path", "CPU path", "CPU / tensor", "goal"]);
        var mct = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "..", "shared", "data", "mct-20"));
        var sets = new List<(string Name, DataLoaders Dls)>
        {
            ($"{(quick ? 2000 : 16488):N0} stand-ins 640x480", ImageDataLoaders.FromFolder(StandInImages.Folder(quick ? 2000 : 16488), Options(size))),
        };
        if (File.Exists(Path.Combine(mct, "train_labels.csv"))) sets.Add(("mct-20 real 640x640", ImageDataLoaders.FromConservision(mct, Options(size))));
        else report.Note($"mct-20 not found at {mct}: its rows are left out.");

        foreach (var (name, dls) in sets)
        {
            var rates = new Dictionary<bool, Rates>();
            foreach (bool cpu in new[] { false, true }) rates[cpu] = Measure(Subset(dls, cpu, images), precision);
            var model = ModelOnly(Subset(dls, true, 320), precision);
            void Row(string measure, Func<Rates, double> of, string goal = "")
            {
                double before = of(rates[false]), after = of(rates[true]);
                report.Add(name, measure, before, after, after / before, goal);
            }
            Row("pipeline alone img/s (decode, augment, collate, to float)", r => r.Pipeline);
            Row("frozen body: training img/s end to end", r => r.Frozen);
            report.Add(name, "frozen body: same model on pre-built batches img/s", model.Frozen, model.Frozen, 1.0, "");
            report.Add(name, "frozen body: end to end / pre-built", rates[false].Frozen / model.Frozen, rates[true].Frozen / model.Frozen, rates[true].Frozen / rates[false].Frozen, ">= 0.8");
            Row("full network: training img/s end to end", r => r.Full);
            report.Add(name, "full network: same model on pre-built batches img/s", model.Full, model.Full, 1.0, "");
            report.Add(name, "full network: end to end / pre-built", rates[false].Full / model.Full, rates[true].Full / model.Full, rates[true].Full / rates[false].Full, ">= 0.9");
            Row("validation img/s", r => r.Valid);
            Row("data stall, frozen epoch (share of step time)", r => r.FrozenStall);
            double Minutes(Rates r) => (CompetitionTrain / r.Frozen + 2 * CompetitionTrain / r.Full + 3 * CompetitionValid / r.Valid) / 60;
            Row($"fine_tune(2) at competition size, minutes (extrapolated: {CompetitionTrain:N0} train, {CompetitionValid:N0} valid)", Minutes, "<= 20");
        }

        var cache = CacheEpochs(sets[0].Dls, images);
        report.Add(sets[0].Name, "cache: epoch 2 / epoch 1 loading time (CPU path, pipeline alone)", "", cache.Ratio, "", "");
        report.Add(sets[0].Name, "cache: size per image (KB)", "", cache.KbPerImage, "", "");
        report.Add(sets[0].Name, "cache: frozen training img/s, epoch 2 from the cache", "", cache.FrozenCached, cache.FrozenCached / cache.FrozenUncached, "vs no cache");

        if (sets.Count > 1)
        {
            var (before, after) = (Accuracy(sets[1].Dls, false, precision, quick), Accuracy(sets[1].Dls, true, precision, quick));
            report.Add(sets[1].Name, "fine_tune(2) accuracy on the validation split (same seeds)", before.Accuracy, after.Accuracy, after.Accuracy - before.Accuracy, "within noise");
            report.Add(sets[1].Name, "fine_tune(2) valid loss", before.ValidLoss, after.ValidLoss, after.ValidLoss - before.ValidLoss, "");
            report.Note(string.Create(CultureInfo.InvariantCulture,
                $"mct-20 accuracy: fine_tune(2) at {size} px, seed 42, random 20% split, {sets[1].Dls.Train.Count} training images; wall time {before.Minutes:F1} vs {after.Minutes:F1} min."));
        }
        report.Note($"End-to-end rates are one epoch over {images:N0} training images drawn from each set (the per-image cost does not depend on the set's size); " +
            "pre-built = 10 batches prepared once (CPU path) and replayed, epoch 2 of 2. The tensor path is today's GPU path run on the CPU " +
            "(LoaderSettings.RenderOnCpu = false): decode → presize square (460 for 224) as bytes → float → one grid_sample to the model size. " +
            "The CPU path: decode at the smallest JPEG DCT scale covering the draw's crop and zoom, one Skia draw with the image's whole geometry " +
            "(presize square, random-resized crop, flip, rotate, zoom, warp; mirror tiling) straight to the model size, lighting on the small float batch.");
        return report;
    }

    private sealed record Rates(double Pipeline, double Frozen, double FrozenStall, double Full, double Valid);

    private static DataLoaderOptions Options(int size) => new() { Size = size, BatchSize = 32, Seed = 42, Split = SplitKind.Random, ValidPct = 0.2 };

    /// <summary>The data's loaders on one path, cut to <paramref name="images"/> training images and a fifth of that for validation.</summary>
    private static DataLoaders Subset(DataLoaders dls, bool renderOnCpu, int images, string? cache = null)
    {
        var settings = dls.Train.Settings with { RenderOnCpu = renderOnCpu, Cache = cache is null ? null : new PresizeCache(cache) };
        var train = dls.Train.WithSettings(settings).WithItems([.. dls.Train.Items.Take(images)]);
        var valid = dls.Valid.WithSettings(settings).WithItems([.. dls.Valid.Items.Take(images / 5)]);
        return new DataLoaders(train, valid, dls.Data, dls.BatchSizing);
    }

    private static VisionLearner Learner(DataLoaders dls, ScalarType? precision) =>
        VisionLearner.Create(dls, Architectures.CntkResNet, new LearnerOptions { Log = null, Seed = 42, MixedPrecision = precision });

    private static double PipelineRate(DataLoader loader, int epoch)
    {
        var watch = Stopwatch.StartNew();
        long n = 0;
        foreach (var batch in loader.GetBatches(epoch))
            using (batch)
            {
                loader.Prepare(batch, CPU).Dispose();
                n += batch.Count;
            }
        return n / watch.Elapsed.TotalSeconds;
    }

    private static Rates Measure(DataLoaders dls, ScalarType? precision)
    {
        double pipeline = PipelineRate(dls.Train, 0);
        using var learn = Learner(dls, precision);
        learn.Fit(1, 1e-3);
        var frozen = learn.History[^1];
        var watch = Stopwatch.StartNew();
        using (learn.GetPreds()) { }
        double valid = dls.Valid.Count / watch.Elapsed.TotalSeconds;
        learn.Unfreeze();
        learn.Fit(1, 1e-4);
        return new Rates(pipeline, frozen.TrainImagesPerSecond, frozen.DataWaitFraction, learn.History[^1].TrainImagesPerSecond, valid);
    }

    /// <summary>The model's own speed: 10 pre-built batches replayed (epoch 2 of 2), frozen and then whole.</summary>
    private static (double Frozen, double Full) ModelOnly(DataLoaders dls, ScalarType? precision)
    {
        using var learn = Learner(dls, precision);
        using var batches = new PrebuiltBatches(dls.Train, learn.Device);
        learn.TrainSource = batches;
        learn.Fit(2, 1e-3);
        double frozen = learn.History[^1].TrainImagesPerSecond;
        learn.Unfreeze();
        learn.Fit(2, 1e-4);
        return (frozen, learn.History[^1].TrainImagesPerSecond);
    }

    /// <summary>The cache on the CPU path: pipeline epoch 1 (fills) and 2 (reads), its size, and frozen training from it.</summary>
    private static (double Ratio, double KbPerImage, double FrozenCached, double FrozenUncached) CacheEpochs(DataLoaders dls, int images)
    {
        var dir = Path.Combine(Path.GetTempPath(), "fastvision-bench-train-pipeline-cache");
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        var cached = Subset(dls, true, images, dir);
        double first = 1 / PipelineRate(cached.Train, 0), second = 1 / PipelineRate(cached.Train, 1);
        double kb = new DirectoryInfo(dir).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length) / 1024.0 / cached.Train.Count;
        double Frozen(DataLoaders d)
        {
            using var learn = Learner(d, null);
            learn.Fit(1, 1e-3);
            return learn.History[^1].TrainImagesPerSecond;
        }
        double withCache = Frozen(cached), without = Frozen(Subset(dls, true, images));
        Directory.Delete(dir, recursive: true);
        return (second / first, kb, withCache, without);
    }

    private static (double Accuracy, double ValidLoss, double Minutes) Accuracy(DataLoaders dls, bool renderOnCpu, ScalarType? precision, bool quick)
    {
        var loaders = Subset(dls, renderOnCpu, quick ? 256 : dls.Train.Count);
        loaders = new DataLoaders(loaders.Train, dls.Valid.WithSettings(loaders.Train.Settings), dls.Data, dls.BatchSizing);
        using var learn = Learner(loaders, precision);
        var watch = Stopwatch.StartNew();
        learn.FineTune(2);
        var last = learn.History[^1];
        return (last.Accuracy, last.ValidLoss, watch.Elapsed.TotalMinutes);
    }
}
