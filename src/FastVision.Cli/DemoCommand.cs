using System.CommandLine;
using FastVision.Callbacks;
using FastVision.Data;
using FastVision.Models;
using FastVision.Reporting;
using FastVision.Training;

namespace FastVision.Cli;

internal static class DemoCommand
{
    public static Command Create()
    {
        var output = new Option<string>("--out") { Description = "Folder for the generated images and the trained model", DefaultValueFactory = _ => "demo-run" };
        var perClass = new Option<int>("--per-class") { Description = "Generated images per class", DefaultValueFactory = _ => 150 };
        var run = new RunArguments(defaultSeed: 0);
        var dataArgs = new DataArguments(run, withPath: false);
        var pipelineArgs = new PipelineArguments(defaultSize: 128);
        var epochs = CommonOptions.Epochs(4);
        var lr = CommonOptions.LearningRate(FormattableString.Invariant($"{LearningRates.DefaultFineTune}"));
        var device = CommonOptions.Device();
        var command = new Command("demo", "Generate a small camera-trap-like image set and fine-tune the built-in pretrained ResNet on it (no data needed).\n" +
            "Example: fastvision demo --out ./demo-run");
        command.Options.Add(output);
        command.Options.Add(perClass);
        foreach (var o in dataArgs.Options.Concat(pipelineArgs.Options).Concat(run.Options)) command.Options.Add(o);
        foreach (var o in new Option[] { epochs, lr, device }) command.Options.Add(o);
        command.SetAction(parse =>
        {
            var outDir = parse.GetValue(output)!;
            var dataDir = Path.Combine(outDir, "data");
            Console.WriteLine($"generating {parse.GetValue(perClass)} images per class in {dataDir} ...");
            DemoDataset.Generate(dataDir, parse.GetValue(perClass), parse.GetValue(run.Seed));
            var started = DateTimeOffset.UtcNow;
            var watch = System.Diagnostics.Stopwatch.StartNew();
            var dls = dataArgs.Plan(parse, pipelineArgs, path: dataDir).Loaders();
            var dataReport = DataSetReport.Build(dls.Data);
            Console.WriteLine(dataReport);
            using var learn = VisionLearner.Create(dls, Architectures.Default, new LearnerOptions { Seed = parse.GetValue(run.Seed), Device = parse.GetValue(device)! });
            Console.WriteLine($"model: {Architectures.Default.Name} (pretrained, body frozen) on {learn.Device}, {dls.Size}px");
            var rates = parse.GetValue(lr) ?? LearningRates.All(LearningRates.DefaultFineTune);
            var modelDir = Path.Combine(outDir, "model");
            learn.FitOneCycle(parse.GetValue(epochs), rates, callbacks: [new CsvLogger(Path.Combine(modelDir, RunFiles.Metrics))]);
            TrainingRun.Finish(learn, modelDir, calibrate: true, dataReport, started, rates.High).Dispose();
            return TrainingRun.Summarize(learn, watch.Elapsed, modelDir, "demo");
        });
        return command;
    }
}
