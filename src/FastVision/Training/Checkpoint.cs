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

    /// <summary>The folder of a run's checkpoints inside its output folder (train's OUT/checkpoints, each fold's fold-k/checkpoints).</summary>
    public static string FolderOf(string runDirectory) => Path.Combine(runDirectory, "checkpoints");

    /// <summary>True when <paramref name="root"/> holds a checkpoint to resume from.</summary>
    public static bool Exists(string root) => File.Exists(Path.Combine(root, Pointer));

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

    /// <summary>
    /// Loads the last checkpoint of <paramref name="root"/> into <paramref name="learn"/>. A checkpoint is a user's file: every
    /// part is checked (the pointer names a checkpoint folder of this root, the state is complete, weights fit the model by key
    /// and shape, the optimizer state and the RNG state fit), and a part that does not is a message naming it.
    /// </summary>
    public static Checkpoint Load(string root, Learner learn)
    {
        var pointer = Path.Combine(root, Pointer);
        if (!File.Exists(pointer)) throw new FileNotFoundException($"{root}: no checkpoint to resume from ({Pointer} not found).");
        var name = JsonFiles.Read<LastCheckpoint>(pointer).Last;
        if (name is null || !System.Text.RegularExpressions.Regex.IsMatch(name, @"^checkpoint-\d{4,}$"))
            throw new InvalidDataException($"{pointer}: 'last' must name a checkpoint-NNNN folder of {root}, not '{name}'.");
        var dir = Path.Combine(root, name);
        if (!Directory.Exists(dir)) throw new InvalidDataException($"{pointer}: names {name}, which is not in {root}.");
        var statePath = Path.Combine(dir, "state.json");
        if (!File.Exists(statePath)) throw new InvalidDataException($"{statePath}: missing; the checkpoint is incomplete.");
        var state = JsonFiles.Read<Checkpoint>(statePath);
        if (state.History is null || state.History.Any(h => h is null) || state.FitIndex < 0 || state.EpochsDoneInFit < 0
            || state.FrozenGroups < 0 || state.FrozenGroups >= Math.Max(1, learn.LayerGroups.Count))
            throw new InvalidDataException($"{statePath}: not the state of this learner (fit {state.FitIndex}, epoch {state.EpochsDoneInFit}, " +
                $"{state.FrozenGroups} frozen of {learn.LayerGroups.Count} groups, {(state.History is null ? "no" : "a")} history).");
        var rngPath = Path.Combine(dir, "rng.bin");
        var rngState = File.Exists(rngPath) ? File.ReadAllBytes(rngPath) : throw new InvalidDataException($"{rngPath}: missing; the checkpoint is incomplete.");
        using (var current = torch.random.get_rng_state())
            if (rngState.Length != current.NumberOfElements) throw new InvalidDataException($"{rngPath}: {rngState.Length} bytes, not a generator state ({current.NumberOfElements}).");

        Models.StateDicts.CopyFromFile(learn.Model, Path.Combine(dir, "model.safetensors")); // every key and shape checked before a copy
        learn.FreezeTo(state.FrozenGroups);
        var optimizerPath = Path.Combine(dir, "optimizer.bin");
        try
        {
            learn.Optimizer.load_state_dict(optimizerPath);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new InvalidDataException($"{optimizerPath}: not this optimizer's state ({e.Message}).", e);
        }
        using (var rng = tensor(rngState, ScalarType.Byte)) torch.random.set_rng_state(rng);
        return state;
    }

    /// <summary>last.json: the folder of the last complete checkpoint.</summary>
    private sealed record LastCheckpoint([property: System.Text.Json.Serialization.JsonPropertyName("last")] string? Last);
}
