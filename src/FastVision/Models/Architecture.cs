namespace FastVision.Models;

/// <summary>
/// A registered CNN body (timm's registry entry): how to build it, its pretrained configurations, and the names its
/// upstream checkpoints give the classifier. One registry file per family adds its entries to <see cref="Architectures"/>.
/// </summary>
/// <param name="pretrained">Its pretrained configurations, the default first; none: random init or the user's own file.</param>
/// <param name="classifierKeys">Key prefixes of the classifier in upstream checkpoints (torchvision's ResNet <c>fc</c>), dropped when a body loads one.</param>
/// <param name="inputSize">The input size when no pretrained configuration says otherwise.</param>
public sealed class Architecture(string name, string description, Func<VisionBody> createBody,
    IReadOnlyList<PretrainedConfig>? pretrained = null, IReadOnlyList<string>? classifierKeys = null, int inputSize = 224)
{
    public string Name { get; } = name;
    public string Description { get; } = description;

    /// <summary>The pretrained configurations, the default first (the weights issue adds torchvision and Hugging Face sources).</summary>
    public IReadOnlyList<PretrainedConfig> PretrainedConfigs { get; } = pretrained ?? [];

    /// <summary>What loading pretrained weights gives by default; null when none ship with FastVision.</summary>
    public PretrainedConfig? DefaultWeights => PretrainedConfigs.Count > 0 ? PretrainedConfigs[0] : null;

    /// <summary>The input size the default weights were trained at: what --size starts from.</summary>
    public int InputSize => DefaultWeights?.InputSize ?? inputSize;

    /// <summary>Statistics the default weights were trained with (ImageNet's without weights).</summary>
    public Normalization Normalization => DefaultWeights?.Normalization ?? Normalization.ImageNet;

    public IReadOnlyList<string> ClassifierKeys { get; } = classifierKeys ?? ["fc", "classifier"];

    /// <summary>A new body; with <paramref name="pretrained"/> the default weights are loaded into it.</summary>
    public VisionBody CreateBody(bool pretrained)
    {
        Native.TorchRuntime.EnsureInitialized();
        var body = createBody();
        if (pretrained)
        {
            if (DefaultWeights is null)
                throw new InvalidOperationException($"Architecture '{Name}' has no pretrained weights available offline; use one that has (see 'fastvision models') or train from scratch.");
            DefaultWeights.Weights.LoadInto(body);
        }
        return body;
    }

    public override string ToString() => Name;
}
