using System.CommandLine;
using FastVision.Models;

namespace FastVision.Cli;

internal static class ModelsCommand
{
    public static Command Create()
    {
        var command = new Command("models", "List the architectures, whether their weights are available offline, and what they are.\n" +
            "Example: fastvision models");
        command.SetAction(_ =>
        {
            int width = Architectures.All.Max(a => a.Name.Length) + 2;
            Console.WriteLine($"{"name".PadRight(width)}{"weights offline",-17}{"size",-6}description");
            foreach (var arch in Architectures.All)
                Console.WriteLine($"{arch.Name.PadRight(width)}{(arch.DefaultWeights is null ? "no" : "yes"),-17}{arch.InputSize,-6}{arch.Description}");
            return CliOutput.Result("Any of them also starts from a state dict file: fastvision train --arch NAME --weights FILE.",
                new { Command = "models", Models = Architectures.All.Select(a => new { a.Name, WeightsOffline = a.DefaultWeights is not null, Weights = a.PretrainedConfigs.Select(c => new { c.Tag, c.Weights.Source }), a.InputSize, a.Description }) });
        });
        return command;
    }
}
