using FastVision.Data;
using FastVision.Models;
using FastVision.Native;
using FastVision.Training;
using FastVision.Vision;
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
            ["body", "bare TorchSharp loop (img/s)", "FastVision Learner (img/s)", "Learner / bare"]);
        foreach (var frozen in new[] { false, true })
        {
            // Each figure is the better of two runs taken in alternating order, so neither side pays for warm-up.
            double bare = BareLoop(dls, frozen), learner = LearnerLoop(dls, frozen);
            learner = Math.Max(learner, LearnerLoop(dls, frozen));
            bare = Math.Max(bare, BareLoop(dls, frozen));
            report.Add(frozen ? "frozen (head + BatchNorm)" : "full network", bare, learner, learner / bare);
        }
        report.Note($"Learner figure: second epoch of Learner.Fit on {dls.Train.Count} generated 160x120 JPEGs (decode + resize included); " +
            $"bare loop: {Steps} timed steps after {WarmupSteps} warm-up steps on one pre-built normalized batch. " +
            "platform.md floor for this network, full, 128 px fp32, THP on: 44-47 img/s.");
        return report;
    }

    private static VisionModel NewModel(int classes) =>
        new(Architectures.CntkResNet.CreateBody(pretrained: true), ClassifierHead.Create(512, classes));

    private static double BareLoop(DataLoaders dls, bool frozen)
    {
        torch.random.manual_seed(0);
        using var model = NewModel(dls.Classes.Count);
        if (frozen)
            foreach (var module in model.Body.modules())
                foreach (var p in module.parameters(recurse: false))
                    p.requires_grad = module is TorchSharp.Modules.BatchNorm2d;
        return BareTrainingLoop.ImagesPerSecond(model, dls.Classes.Count, Size, BatchSize, Steps, WarmupSteps);
    }

    private static double LearnerLoop(DataLoaders dls, bool frozen)
    {
        using var learn = VisionLearner.Create(dls, Architectures.CntkResNet, new LearnerOptions { Log = null, Seed = 0 });
        if (!frozen) learn.Unfreeze();
        learn.Fit(2, 1e-4);
        return learn.History[^1].TrainImagesPerSecond;
    }
}
