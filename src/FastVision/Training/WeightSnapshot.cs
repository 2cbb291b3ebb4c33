using TorchSharp;
using static TorchSharp.torch;

namespace FastVision.Training;

/// <summary>
/// A copy of a module's parameters and buffers, taken now and restorable later (SaveModel's best epoch,
/// TerminateOnNaN's last good epoch, the LR finder's starting point). Owns its tensors until disposed.
/// </summary>
public sealed class WeightSnapshot : IDisposable
{
    private readonly Dictionary<string, Tensor> tensors;

    private WeightSnapshot(Dictionary<string, Tensor> tensors) => this.tensors = tensors;

    /// <summary>Copies every entry of <paramref name="module"/>'s state dict, on the CPU when <paramref name="onCpu"/> (to spare GPU memory).</summary>
    public static WeightSnapshot Take(nn.Module module, bool onCpu = false)
    {
        using var scope = NewDisposeScope();
        var copies = module.state_dict().ToDictionary(kv => kv.Key,
            kv => (onCpu ? kv.Value.detach().cpu().clone() : kv.Value.detach().clone()).DetachFromDisposeScope());
        return new WeightSnapshot(copies);
    }

    /// <summary>Writes the copied values back into <paramref name="module"/> (same keys and shapes).</summary>
    public void RestoreInto(nn.Module module)
    {
        using var noGrad = no_grad();
        var target = module.state_dict();
        foreach (var (key, value) in tensors) target[key].copy_(value);
    }

    public void Dispose()
    {
        foreach (var t in tensors.Values) t.Dispose();
        tensors.Clear();
    }
}
