using System.CommandLine;
using FastVision.Models;

namespace FastVision.Cli;

/// <summary>The options that say where pretrained weights are found (shared by training and the weights command); the rest comes from the environment.</summary>
internal sealed class WeightStoreArguments
{
    private readonly Option<string[]> weightsDir = new("--weights-dir")
    {
        Description = "A folder of weight files copied by hand (air-gapped machines): torchvision files by name, hub weights as ARCH.TAG/model.safetensors + config.json; " +
                      "looked in first. Also: FASTVISION_OFFLINE=1, TORCH_HOME, HF_HOME, HF_HUB_CACHE, HF_ENDPOINT, HF_TOKEN, FASTVISION_TORCHVISION_URL",
        AllowMultipleArgumentsPerToken = false,
    };

    public IEnumerable<Option> Options => [weightsDir];

    public WeightStore Read(ParseResult parse) => WeightStore.FromEnvironment() with
    {
        LocalDirectories = [.. (parse.GetValue(weightsDir) ?? []).Select(Path.GetFullPath)],
    };
}

/// <summary>What --arch chose: the architecture, the pretrained configuration to start from (null: random init or --weights), and where weights are fetched.</summary>
internal sealed record ModelChoice(Architecture Architecture, PretrainedConfig? Weights, WeightStore Store)
{
    /// <summary>The weights' training size, else the architecture's: the default --size.</summary>
    public int InputSize => Weights?.InputSize ?? Architecture.InputSize;
}
