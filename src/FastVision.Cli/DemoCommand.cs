using System.CommandLine;
using FastVision.Data;
using FastVision.Models;

namespace FastVision.Cli;

internal static class DemoCommand
{
    public static Command Create()
    {
        var output = new Option<string>("--out") { Description = "Folder for the generated images and the trained model", DefaultValueFactory = _ => "demo-run" };
        var perClass = new Option<int>("--per-class") { Description = "Generated images per class", DefaultValueFactory = _ => 150 };
        var size = CommonOptions.Size(128);
        var epochs = CommonOptions.Epochs(4);
        var lr = CommonOptions.LearningRate();
        var seed = CommonOptions.Seed(0);
        var device = CommonOptions.Device();
        var command = new Command("demo", "Generate a small camera-trap-like image set and fine-tune the built-in pretrained ResNet on it (no data needed).\n" +
            "Example: fastvision demo --out ./demo-run")
        {
            output, perClass, size, epochs, lr, seed, device,
        };
        command.SetAction(parse =>
        {
            var outDir = parse.GetValue(output)!;
            var dataDir = Path.Combine(outDir, "data");
            Console.WriteLine($"generating {parse.GetValue(perClass)} images per class in {dataDir} ...");
            DemoDataset.Generate(dataDir, parse.GetValue(perClass), parse.GetValue(seed));
            var dls = ImageDataLoaders.FromFolder(dataDir, new DataLoaderOptions { Size = parse.GetValue(size), Seed = parse.GetValue(seed) });
            return TrainCommand.Train(dls, Architectures.Default, parse.GetValue(epochs), parse.GetValue(lr), parse.GetValue(seed),
                parse.GetValue(device)!, Path.Combine(outDir, "model"), "demo");
        });
        return command;
    }
}
