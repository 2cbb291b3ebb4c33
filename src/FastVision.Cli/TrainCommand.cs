using System.CommandLine;
using FastVision.Data;
using FastVision.Models;
using FastVision.Training;
using FastVision.Vision;

namespace FastVision.Cli;

internal static class TrainCommand
{
    public static Command Create()
    {
        var data = new Option<string>("--data") { Description = "Data folder", Required = true };
        var format = new Option<string>("--format") { Description = "folder (a folder per class) or conservision (train_features.csv + train_labels.csv); default: detected" };
        format.AcceptOnlyFromAmong("folder", "conservision");
        var arch = CommonOptions.Architecture();
        var size = CommonOptions.Size(224);
        var epochs = CommonOptions.Epochs(3);
        var lr = CommonOptions.LearningRate();
        var batchSize = CommonOptions.BatchSize();
        var validPct = new Option<double>("--valid-pct") { Description = "Share of images held out for validation", DefaultValueFactory = _ => 0.2 };
        var seed = CommonOptions.Seed();
        var device = CommonOptions.Device();
        var output = new Option<string>("--out") { Description = "Folder the trained model is written to", DefaultValueFactory = _ => "model" };

        var command = new Command("train", "Fine-tune a pretrained CNN's head on a labelled image folder or the competition CSVs.\n" +
            "Example: fastvision train --data ./camtrap --format conservision --size 224 --epochs 3 --out ./model")
        {
            data, format, arch, size, epochs, lr, batchSize, validPct, seed, device, output,
        };
        command.SetAction(parse =>
        {
            var path = parse.GetValue(data)!;
            var options = new DataLoaderOptions
            {
                Size = parse.GetValue(size), BatchSize = parse.GetValue(batchSize),
                ValidPct = parse.GetValue(validPct), Seed = parse.GetValue(seed),
            };
            var layout = parse.GetValue(format) ?? (File.Exists(Path.Combine(path, ConservisionCsv.FeaturesFile)) ? "conservision" : "folder");
            Console.WriteLine($"data: {path} ({layout} layout)");
            var dls = layout == "conservision" ? ImageDataLoaders.FromConservision(path, options) : ImageDataLoaders.FromFolder(path, options);
            return Train(dls, Architectures.Get(parse.GetValue(arch)!), parse.GetValue(epochs), parse.GetValue(lr),
                parse.GetValue(seed), parse.GetValue(device)!, parse.GetValue(output)!, "train");
        });
        return command;
    }

    /// <summary>The shared path of train and demo: create the learner, fit, export, summarize.</summary>
    public static int Train(DataLoaders dls, Architecture architecture, int epochs, double lr, int seed, string device, string output, string tag)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        Console.WriteLine($"{dls.Train.Count} train / {dls.Valid.Count} valid images, {dls.Classes.Count} classes: {string.Join(", ", dls.Classes)}");
        using var learn = VisionLearner.Create(dls, architecture, new LearnerOptions { Seed = seed, Device = device });
        Console.WriteLine($"model: {architecture.Name}{(learn.IsFrozen ? " (pretrained, body frozen)" : " (random init)")} on {learn.Device}, {dls.Size}px");
        learn.FitOneCycle(epochs, lr);
        learn.Export(output);
        var last = learn.History[^1];
        Console.WriteLine(FormattableString.Invariant(
            $"{tag}: accuracy={last.Accuracy:F4} error_rate={last.ErrorRate:F4} valid_loss={last.ValidLoss:F4} train_img_per_s={learn.History.Average(h => h.TrainImagesPerSecond):F1} time={watch.Elapsed.TotalSeconds:F0}s model={Path.GetFullPath(output)}"));
        return 0;
    }
}
