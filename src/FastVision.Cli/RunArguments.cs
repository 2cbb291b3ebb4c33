using System.CommandLine;
using FastVision.Data;

namespace FastVision.Cli;

/// <summary>
/// The options of every command that reads images, shared by its data and prediction groups so that a command
/// offering both has one <c>--seed</c> and one <c>--on-bad-image</c>.
/// </summary>
internal sealed class RunArguments(int defaultSeed = 42)
{
    public Option<int> Seed { get; } = new("--seed")
    {
        Description = "Seed for the split, initialization, shuffling and augmentation", DefaultValueFactory = _ => defaultSeed,
    };

    public Option<BadImagePolicy> OnBadImage { get; } = new("--on-bad-image")
    {
        Description = "skip (leave unreadable images out and list them) or fail (stop at the first)",
        DefaultValueFactory = _ => BadImagePolicy.Skip,
    };

    public IEnumerable<Option> Options => [Seed, OnBadImage];
}
