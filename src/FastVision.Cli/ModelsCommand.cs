using System.CommandLine;
using System.Globalization;
using FastVision.Models;

namespace FastVision.Cli;

internal static class ModelsCommand
{
    public static Command Create()
    {
        var store = new WeightStoreArguments();
        var command = new Command("models", "List the architectures with their default weights: source, whether they are on this machine, input size, ImageNet top-1 and GMACs.\n" +
            "Example: fastvision models   (every weight set: fastvision weights list)");
        foreach (var o in store.Options) command.Options.Add(o);
        command.SetAction(parse =>
        {
            var weightStore = store.Read(parse);
            var inv = CultureInfo.InvariantCulture;
            int width = Architectures.All.Max(a => a.Name.Length) + 2;
            Console.WriteLine($"{"name".PadRight(width)}{"weights",-22}{"cached",-9}{"size",-6}{"top-1",-8}{"GMACs",-7}source");
            foreach (var arch in Architectures.All)
            {
                var w = arch.DefaultWeights;
                var tags = string.Join(",", arch.PretrainedConfigs.Select(c => c.Tag));
                Console.WriteLine(string.Create(inv,
                    $"{arch.Name.PadRight(width)}{(tags.Length == 0 ? "-" : tags),-22}{(w is null ? "-" : w.Weights.ShipsWithFastVision ? "built in" : w.Weights.Cached(weightStore) is null ? "no" : "yes"),-9}{arch.InputSize,-6}{w?.Top1?.ToString("F2", inv) ?? "-",-8}{w?.GMacs?.ToString("G3", inv) ?? "-",-7}{w?.Weights.Source ?? "random init"}"));
            }
            return CliOutput.Result("Weights by name: --arch NAME.TAG (e.g. resnet50.tv_in1k, convnext_tiny.fb_in22k_ft_in1k); any state dict: --weights FILE.",
                new
                {
                    Command = "models",
                    Models = Architectures.All.Select(a => new
                    {
                        a.Name, a.InputSize, a.Description, WeightsOffline = a.DefaultWeights?.Weights.AvailableOffline(weightStore) ?? false,
                        Weights = a.PretrainedConfigs.Select(c => new { c.Tag, c.Weights.Source, c.InputSize, c.Top1, c.GMacs, Offline = c.Weights.AvailableOffline(weightStore) }),
                    }),
                });
        });
        return command;
    }
}
