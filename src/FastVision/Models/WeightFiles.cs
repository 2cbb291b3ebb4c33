using System.Collections;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace FastVision.Models;

/// <summary>
/// State dicts on disk: <c>.safetensors</c>, and PyTorch's pickled <c>.pth</c>/<c>.pt</c>/<c>.bin</c> through TorchSharp.PyBridge,
/// whose unpickler rebuilds only tensors and dictionaries (no Python code runs, other objects are not constructed).
/// Checkpoints that wrap the weights (<c>{"state_dict": ...}</c>, <c>{"model": ...}</c>) are unwrapped.
/// </summary>
public static class WeightFiles
{
    public static Dictionary<string, Tensor> Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: weights file not found.");
        try
        {
            return Path.GetExtension(path).ToLowerInvariant() switch
            {
                ".safetensors" => Safetensors.LoadStateDict(path),
                ".pth" or ".pt" or ".bin" => ReadPickled(path),
                var other => throw new InvalidDataException($"{path}: unknown weights format '{other}' (expected .safetensors, .pth, .pt or .bin)."),
            };
        }
        catch (Exception e) when (e is not FileNotFoundException && !e.Message.StartsWith(path, StringComparison.Ordinal))
        {
            // Anything the readers throw (the zip reader's own InvalidDataException included) becomes a message naming the file.
            throw new InvalidDataException($"{path}: cannot read as a state dict ({e.Message}).", e);
        }
    }

    public static void Write(string path, Dictionary<string, Tensor> weights) =>
        FastVision.AtomicFile.Write(path, temp =>
        {
            switch (Path.GetExtension(path).ToLowerInvariant())
            {
                case ".safetensors": Safetensors.SaveStateDict(temp, weights); break;
                case ".pth" or ".pt": PyTorchPickler.PickleStateDict(temp, weights); break;
                default: throw new ArgumentException($"{path}: write weights as .safetensors or .pth.");
            }
        });

    private static Dictionary<string, Tensor> ReadPickled(string path)
    {
        using var stream = File.OpenRead(path);
        var table = PyTorchUnpickler.UnpickleStateDict(stream);
        foreach (var wrapper in new[] { "state_dict", "model", "model_state_dict" })
            if (table[wrapper] is Hashtable inner) table = inner;
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in table)
        {
            if (entry.Value is Tensor t) result[(string)entry.Key] = t;
            else throw new InvalidDataException($"{path}: entry '{entry.Key}' is a {entry.Value?.GetType().Name ?? "null"}, not a tensor; only state dicts are read.");
        }
        return result;
    }
}
