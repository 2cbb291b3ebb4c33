using System.CommandLine;
using FastVision.Data;
using FastVision.Models;
using FastVision.Reporting;
using FastVision.Training;
using FastVision.Vision;

namespace FastVision.Cli;

internal static class TrainCommand
{
    public static Command Create()
    {
        var dataArgs = new DataArguments(defaultSize: 224);
        var arch = CommonOptions.Architecture();
        var epochs = CommonOptions.Epochs(3);
        var lr = CommonOptions.LearningRate();
        var device = CommonOptions.Device();
        var output = new Option<string>("--out") { Description = "Folder the trained model is written to", DefaultValueFactory = _ => "model" };

        var command = new Command("train", "Fine-tune a pretrained CNN's head on a labelled image folder or the competition CSVs.\n" +
            "Example: fastvision train --data ./camtrap --format conservision --size 224 --epochs 3 --out ./model");
        foreach (var o in dataArgs.Options) command.Options.Add(o);
        foreach (var o in new Option[] { arch, epochs, lr, device, output }) command.Options.Add(o);
        command.SetAction(parse =>
        {
            var dls = dataArgs.Load(parse);
            Console.WriteLine(DataSetReport.Build(dls.Data));
            return Train(dls, Architectures.Get(parse.GetValue(arch)!), parse.GetValue(epochs), parse.GetValue(lr),
                parse.GetValue(dataArgs.Seed), parse.GetValue(device)!, parse.GetValue(output)!, "train");
        });
        return command;
    }

    /// <summary>The shared path of train and demo: create the learner, fit, export, summarize.</summary>
    public static int Train(DataLoaders dls, Architecture architecture, int epochs, double lr, int seed, string device, string output, string tag)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
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
