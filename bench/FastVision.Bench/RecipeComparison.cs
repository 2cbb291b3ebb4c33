using System.Diagnostics;
using FastVision.Data;
using FastVision.Metrics;
using FastVision.Models;
using FastVision.Native;
using FastVision.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace FastVision.Bench;

/// <summary>
/// The seed's comparison on the same data and wall-clock budget: the competition's "pure PyTorch" benchmark
/// recipe (pretrained body + Linear(nf,100)→ReLU→Dropout(0.1)→Linear(100,n) on average pooling, whole network,
/// SGD lr 1e-3 momentum 0.9, no augmentation, plain resize) against fastai's fine_tune recipe (fastai head,
/// frozen epoch then discriminative one-cycle, augmentation). The budget is what fine_tune takes; the
/// benchmark recipe trains whole epochs until it has used as much.
/// </summary>
public static class RecipeComparison
{
    public static BenchmarkReport Run(string[] args)
    {
        TorchRuntime.EnsureInitialized();
        int size = 128;
        var data = DemoDataset.Generate(Path.Combine(Path.GetTempPath(), "fastvision-bench-recipes"), perClass: 150, seed: 3);
        var report = new BenchmarkReport($"Competition benchmark recipe vs fine_tune, demo data (600 images, 4 classes), {size} px, cntk-resnet",
            ["recipe", "epochs", "valid log loss", "accuracy", "time (s)"]);

        var watch = Stopwatch.StartNew();
        var fastai = ImageDataLoaders.FromFolder(data, new DataLoaderOptions { Size = size, Seed = 0 });
        using (var learn = VisionLearner.Create(fastai, options: Options(OptimizerKind.AdamW, 0.01)))
        {
            learn.FineTune(2);
            report.Add("fine_tune(2): fastai head, augmentation, AdamW one-cycle", learn.History.Count, learn.History[^1].Metrics["log_loss"],
                learn.History[^1].Accuracy, watch.Elapsed.TotalSeconds);
        }
        double budget = watch.Elapsed.TotalSeconds;

        watch.Restart();
        var plain = ImageDataLoaders.FromFolder(data, new DataLoaderOptions { Size = size, Presize = size, Seed = 0, Augment = false });
        using (var learn = CompetitionBenchmark.Create(plain, Options(OptimizerKind.Sgd, 0)))
        {
            while (watch.Elapsed.TotalSeconds < budget) learn.Fit(1, CompetitionBenchmark.LearningRate);
            report.Add("competition benchmark: Linear-ReLU-Dropout-Linear head, SGD 1e-3 m 0.9", learn.History.Count,
                learn.History[^1].Metrics["log_loss"], learn.History[^1].Accuracy, watch.Elapsed.TotalSeconds);
        }
        report.Note("Both start from the same ImageNet weights and data split (seed 0, 20% valid). The benchmark recipe's plain resize is " +
            "presize = size here (a centered square crop, resized); its body is trained from the first step, as in the competition notebook.");
        return report;
    }

    private static LearnerOptions Options(OptimizerKind optimizer, double wd) => new()
    {
        Log = null, Seed = 0, Optimizer = optimizer, WeightDecay = wd,
        Metrics = _ => [new Accuracy(), new LogLoss()],
    };
}
