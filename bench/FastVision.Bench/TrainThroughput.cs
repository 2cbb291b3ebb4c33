using FastVision.Data;
using FastVision.Models;
using FastVision.Native;
using FastVision.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace FastVision.Bench;

/// <summary>
/// Training images/s at 128 px, batch 32, AdamW: FastVision's Learner (decoding JPEGs as it goes) against a
/// bare TorchSharp loop over pre-built tensors with the same model — the engine's floor — frozen and not.
/// </summary>
public static class TrainThroughput
{
    private const int Size = 128, BatchSize = 32, Steps = 24, WarmupSteps = 6;

    public static BenchmarkReport Run(string[] args)
    {
        TorchRuntime.EnsureInitialized();
        var dataDir = Path.Combine(Path.GetTempPath(), "fastvision-bench-train");
        if (!Directory.Exists(dataDir)) DemoDataset.Generate(dataDir, perClass: 120, seed: 0, width: 160, height: 120);
        var dls = ImageDataLoaders.FromFolder(dataDir, new DataLoaderOptions { Size = Size, BatchSize = BatchSize, ValidPct = 0.2 });

        var report = new BenchmarkReport($"Training throughput, {Architectures.CntkResNet.Name}, {Size} px, batch {BatchSize}, fp32",
            ["body", "input", "bare TorchSharp loop (img/s)", "FastVision Learner (img/s)", "Learner / bare"]);
        using var prebuilt = new PrebuiltBatches(dls.Train, CPU);
        foreach (var frozen in new[] { false, true })
        {
            // Each figure is the better of two runs taken in alternating order, so neither side pays for warm-up.
            double bare = 0, learner = 0;
            for (int round = 0; round < 2; round++)
            {
                bare = Math.Max(bare, BareLoop(dls, frozen, prebuilt));
                learner = Math.Max(learner, LearnerLoop(dls, frozen, prebuilt));
            }
            report.Add(frozen ? "frozen (head + BatchNorm)" : "full network", "same pre-built batches", bare, learner, learner / bare);
            double bareOne = BareLoop(dls, frozen, null), endToEnd = LearnerLoop(dls, frozen, null);
            report.Add(frozen ? "frozen (head + BatchNorm)" : "full network", "Learner decodes + augments JPEGs", bareOne, endToEnd, endToEnd / bareOne);
        }
        report.Note($"Pre-built: {prebuilt.BatchCount} batches of {dls.Train.Count} generated 160x120 JPEGs, decoded, augmented and normalized once; " +
            "both loops train one untimed and one timed pass over them (the Learner with its callbacks: recorder, scheduler, metrics on validation excluded). " +
            $"End-to-end: the Learner's second epoch, decoding and augmenting as it goes, against {Steps} bare steps on one batch. " +
            "platform.md floor for this network, full, 128 px fp32, THP on: 44-47 img/s.");
        return report;
    }

    private static VisionModel NewModel(int classes) =>
        VisionModel.Create(Architectures.CntkResNet, classes, pretrained: true);

    private static double BareLoop(DataLoaders dls, bool frozen, PrebuiltBatches? prebuilt)
    {
        torch.random.manual_seed(0);
        using var model = NewModel(dls.Classes.Count);
        if (frozen)
            foreach (var module in model.Body.modules())
                foreach (var p in module.parameters(recurse: false))
                    p.requires_grad = module is TorchSharp.Modules.BatchNorm2d;
        return prebuilt is null
            ? BareTrainingLoop.ImagesPerSecond(model, dls.Classes.Count, Size, BatchSize, Steps, WarmupSteps)
            : BareTrainingLoop.ImagesPerSecond(model, prebuilt);
    }

    private static double LearnerLoop(DataLoaders dls, bool frozen, PrebuiltBatches? prebuilt)
    {
        using var learn = VisionLearner.Create(dls, Architectures.CntkResNet, new LearnerOptions { Log = null, Seed = 0 });
        if (!frozen) learn.Unfreeze();
        if (prebuilt is not null) learn.TrainSource = prebuilt;
        learn.Fit(2, 1e-4);
        return learn.History[^1].TrainImagesPerSecond;
    }
}
