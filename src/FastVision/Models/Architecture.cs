namespace FastVision.Models;

/// <summary>
/// A registered CNN body (timm's registry entry): how to build it, its pretrained configurations, and the names its
/// upstream checkpoints give the classifier. One registry file per family adds its entries to <see cref="Architectures"/>.
/// </summary>
/// <param name="pretrained">Its pretrained configurations, the default first; none: random init or the user's own file.</param>
/// <param name="classifierKeys">Key prefixes of the classifier in upstream checkpoints (torchvision's ResNet <c>fc</c>), dropped when a body loads one.</param>
/// <param name="timmKeys">Maps a key of timm's checkpoints to the body's (torchvision) key, null to drop it; null when timm's names are torchvision's.</param>
/// <param name="inputSize">The input size when no pretrained configuration says otherwise.</param>
public sealed class Architecture(string name, string description, Func<VisionBody> createBody,
    IReadOnlyList<PretrainedConfig>? pretrained = null, IReadOnlyList<string>? classifierKeys = null, Func<string, string?>? timmKeys = null,
    int inputSize = 224)
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

    /// <summary>The body key a timm checkpoint's <paramref name="key"/> goes to; null: not part of the body.</summary>
    public string? FromTimmKey(string key) => timmKeys is null ? key : timmKeys(key);

    /// <summary>The configuration a tag names (<c>tv2_in1k</c>); null when the registry has none by that tag.</summary>
    public PretrainedConfig? Config(string tag) => PretrainedConfigs.FirstOrDefault(c => string.Equals(c.Tag, tag, StringComparison.OrdinalIgnoreCase));

    /// <summary>A new body; with <paramref name="pretrained"/> the default weights are loaded into it.</summary>
    public VisionBody CreateBody(bool pretrained) => CreateBody(pretrained ? RequireDefaultWeights() : null);

    /// <summary>The default weights, or a message that there are none.</summary>
    public PretrainedConfig RequireDefaultWeights() => DefaultWeights ?? throw new InvalidOperationException(
        $"Architecture '{Name}' has no pretrained weights; use one that has (see 'fastvision models') or train from scratch.");

    /// <summary>A new body with <paramref name="weights"/> loaded (fetched through <paramref name="store"/>, the environment's by default); null: random init.</summary>
    public VisionBody CreateBody(PretrainedConfig? weights, WeightStore? store = null)
    {
        Native.TorchRuntime.EnsureInitialized();
        var body = createBody();
        if (weights is not null)
        {
            try { BodyWeights.LoadBody(body, this, weights.Weights.Fetch(store ?? WeightStore.FromEnvironment()), weights.Weights.Keys); }
            catch { body.Dispose(); throw; }
        }
        return body;
    }

    public override string ToString() => Name;
}
