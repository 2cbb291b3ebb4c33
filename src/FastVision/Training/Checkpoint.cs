using System.Text.Json;
using System.Text.Json.Nodes;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace FastVision.Training;

/// <summary>
/// What resuming a run needs, written after every epoch: model weights, optimizer state, the torch RNG
/// state, the history, where in which fit the run was, and the state of every <see cref="IResumable"/> callback of
/// the fit (by <see cref="Learner.ResumableCallbacks"/> key). Each checkpoint is a folder
/// written completely before <c>last.json</c> is atomically switched to it, so a run killed at any moment
/// leaves a consistent last checkpoint.
/// </summary>
public sealed record Checkpoint(int FitIndex, int EpochsDoneInFit, int FrozenGroups, EpochResult[] History,
    Dictionary<string, JsonNode>? Callbacks)
{
    private const string Pointer = "last.json";

    public static void Save(Learner learn, string root)
    {
        Directory.CreateDirectory(root);
        var name = $"checkpoint-{learn.History.Count:D4}";
        var dir = Path.Combine(root, name);
        var temp = dir + ".tmp";
        if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
        Directory.CreateDirectory(temp);
        learn.Model.save_safetensors(Path.Combine(temp, "model.safetensors"));
        learn.Optimizer.save_state_dict(Path.Combine(temp, "optimizer.bin"));
        using (var rng = torch.random.get_rng_state()) File.WriteAllBytes(Path.Combine(temp, "rng.bin"), rng.data<byte>().ToArray());
        var state = new Checkpoint(learn.FitIndex, learn.Epoch + 1, learn.FrozenGroups, [.. learn.History],
            learn.ResumableCallbacks().ToDictionary(c => c.Key, c => c.Callback.SaveState()));
        JsonFiles.Write(Path.Combine(temp, "state.json"), state);
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        Directory.Move(temp, dir);
        JsonFiles.Write(Path.Combine(root, Pointer), new { last = name });
        foreach (var old in Directory.EnumerateDirectories(root, "checkpoint-*").Where(d => Path.GetFileName(d) != name))
            Directory.Delete(old, recursive: true); // keep only the last (the best is SaveModelCallback's job)
    }

    /// <summary>Loads the last checkpoint of <paramref name="root"/> into <paramref name="learn"/>.</summary>
    public static Checkpoint Load(string root, Learner learn)
    {
        var pointer = Path.Combine(root, Pointer);
        if (!File.Exists(pointer)) throw new FileNotFoundException($"{root}: no checkpoint to resume from ({Pointer} not found).");
        var name = JsonDocument.Parse(File.ReadAllText(pointer)).RootElement.GetProperty("last").GetString()!;
        var dir = Path.Combine(root, name);
        var state = JsonFiles.Read<Checkpoint>(Path.Combine(dir, "state.json"));
        learn.Model.load_safetensors(Path.Combine(dir, "model.safetensors"));
        learn.FreezeTo(state.FrozenGroups);
        learn.Optimizer.load_state_dict(Path.Combine(dir, "optimizer.bin"));
        using (var rng = tensor(File.ReadAllBytes(Path.Combine(dir, "rng.bin")), ScalarType.Byte)) torch.random.set_rng_state(rng);
        return state;
    }
}
