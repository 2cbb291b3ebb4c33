using FastVision.Training;
using System.CommandLine;
using FastVision.Models;

namespace FastVision.Cli;

/// <summary>Options that several commands share, with the same names and defaults everywhere.</summary>
internal static class CommonOptions
{
    public static Option<int> Epochs(int defaultEpochs) => new("--epochs") { Description = "Epochs (one-cycle schedule, body frozen)", DefaultValueFactory = _ => defaultEpochs };
    /// <summary>--lr 1e-3, or LO:HI spread over the layer groups (fastai's slice); absent: the command's default.</summary>
    public static Option<LearningRates?> LearningRate(string defaultText) => new("--lr")
    {
        Description = $"Learning rate: 1e-3, or LO:HI spread over the layer groups (default {defaultText})",
        CustomParser = result =>
        {
            try { return LearningRates.Parse(result.Tokens.Single().Value); }
            catch (ArgumentException e) { result.AddError(e.Message); return null; }
        },
    };
    /// <summary>fastai's plot_confusion_matrix(normalize=True), for the printed matrix and the picture.</summary>
    public static Option<bool> NormalizeConfusionMatrix() => new("--normalize")
    {
        Description = "Show the confusion matrix as each actual class's shares (rows sum to 1) instead of counts",
    };

    public static Option<int> BatchSize() => new("--batch-size") { Description = "Batch size", DefaultValueFactory = _ => 32 };
    public static Option<string> Device() => new("--device") { Description = "cpu, cuda, cuda:N or auto", DefaultValueFactory = _ => "auto" };

    public static Option<string> Precision()
    {
        var option = new Option<string>("--precision")
        {
            Description = "fp32, bf16 (autocast; the CPU's fast path) or fp16 (CUDA; training adds dynamic loss scaling)",
            DefaultValueFactory = _ => "fp32",
        };
        option.AcceptOnlyFromAmong("fp32", "bf16", "fp16");
        return option;
    }

    /// <summary>
    /// Warns (on standard error) when bf16 autocast is asked for on a CPU whose oneDNN is capped at AVX2 (no cache info, see
    /// TorchRuntime): that ISA has no bf16 convolutions, so bf16 is many times slower than fp32 there.
    /// </summary>
    public static void WarnIfBf16IsSlowHere(TorchSharp.torch.ScalarType? autocast, TorchSharp.torch.Device device, string fastPath)
    {
        if (autocast == TorchSharp.torch.ScalarType.BFloat16 && device.type == TorchSharp.DeviceType.CPU && Native.OneDnnHazard.CpuCacheInfoMissing)
            Console.Error.WriteLine($"warning: this CPU reports no caches, so oneDNN is capped at AVX2, which has no bf16 convolutions: bf16 runs many times slower than fp32 here (bench/results/inference.md, train-pipeline.md); {fastPath} is the fast path.");
    }

    /// <summary>The autocast type a --precision value asks for (null: fp32).</summary>
    public static TorchSharp.torch.ScalarType? AutocastType(string precision) => precision switch
    {
        "bf16" => TorchSharp.torch.ScalarType.BFloat16,
        "fp16" => TorchSharp.torch.ScalarType.Float16,
        _ => null,
    };
}
