using TorchSharp;
using FastVision.Training;
using static TorchSharp.torch;

namespace FastVision.Inference;

/// <summary>How an ensemble combines its models' probabilities.</summary>
public enum EnsembleCombination
{
    /// <summary>The arithmetic mean of the probabilities (the usual choice for cross-validated fold models).</summary>
    Mean,

    /// <summary>The normalized geometric mean: a class one model rules out stays unlikely.</summary>
    GeoMean,
}

/// <summary>
/// A folder of model bundles predicted as one (cross-validation's fold models): <c>ensemble.json</c> names the member folders
/// and the temperature fitted on their out-of-fold predictions; <see cref="Predictor.Load"/> takes the folder like a bundle.
/// </summary>
/// <param name="Members">The member bundles' folders, relative to the ensemble's folder.</param>
/// <param name="Temperature">Applied to every member's logits before combining (one temperature fitted on the out-of-fold logits).</param>
public sealed record EnsembleBundle(string[] Members, double Temperature)
{
    public const string File = "ensemble.json";

    public static bool IsEnsemble(string directory) => System.IO.File.Exists(Path.Combine(directory, File));

    public void Save(string directory) => JsonFiles.Write(Path.Combine(directory, File), this);

    /// <summary>Reads and checks <c>ensemble.json</c>: members present and bundles of the same classes and pipeline.</summary>
    public static (EnsembleBundle Ensemble, ModelMetadata[] Members) Read(string directory)
    {
        var path = Path.Combine(directory, File);
        var ensemble = JsonFiles.Read<EnsembleBundle>(path);
        if (ensemble.Members is not { Length: > 0 } || ensemble.Members.Any(string.IsNullOrWhiteSpace))
            throw new InvalidDataException($"{path}: no member bundles listed.");
        if (!(ensemble.Temperature > 0)) throw new InvalidDataException($"{path}: temperature {ensemble.Temperature}.");
        var members = ensemble.Members.Select(m => ModelBundle.ReadMetadata(Path.Combine(directory, m))).ToArray();
        foreach (var (m, i) in members.Select((m, i) => (m, i)).Skip(1))
            if (!m.Classes.SequenceEqual(members[0].Classes) || m.Pipeline != members[0].Pipeline)
                throw new InvalidDataException($"{path}: member {ensemble.Members[i]} has other classes or another image pipeline than {ensemble.Members[0]}.");
        return (ensemble, members);
    }
}

/// <summary>
/// Runs every member engine on a batch and returns the log of the combined probabilities as logits (a softmax of them gives
/// the combined probabilities back), each member's logits divided by the ensemble's temperature first.
/// </summary>
public sealed class EnsembleEngine(IReadOnlyList<IInferenceEngine> members, double temperature, EnsembleCombination combination) : IInferenceEngine
{
    public string Name => $"ensemble of {members.Count} ({combination.ToString().ToLowerInvariant()}, {members[0].Name})";
    public Device Device => members[0].Device;

    public Tensor Forward(Tensor images)
    {
        using var scope = NewDisposeScope();
        return Combine([.. members.Select(m => m.Forward(images))], temperature, combination).MoveToOuterDisposeScope();
    }

    /// <summary>The log of the combined probabilities of the members' logits [N, C] (each divided by <paramref name="temperature"/> first).</summary>
    public static Tensor Combine(IReadOnlyList<Tensor> memberLogits, double temperature, EnsembleCombination combination)
    {
        using var scope = NewDisposeScope();
        using var t = temperature.ToScalar();
        using var logCount = Math.Log(memberLogits.Count).ToScalar(); // explicit Scalars stay alive across the native calls
        var logProbabilities = stack(memberLogits.Select(m => m.to(ScalarType.Float32).div(t).log_softmax(1)).ToArray());
        var combined = combination == EnsembleCombination.Mean
            ? logProbabilities.logsumexp(0).sub(logCount)
            : logProbabilities.mean([0]);
        return combined.log_softmax(1).MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        foreach (var m in members) m.Dispose();
    }
}
