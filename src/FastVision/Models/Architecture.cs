using TorchSharp;
using static TorchSharp.torch;

namespace FastVision.Models;

/// <summary>
/// A registered CNN body: how to build it, what it expects as input, and where its pretrained
/// weights come from. One registry file per family adds its entries to <see cref="Architectures"/>.
/// </summary>
public sealed class Architecture
{
    private readonly Func<VisionBody> createBody;

    public Architecture(string name, string description, Func<VisionBody> createBody,
        Normalization normalization, IPretrainedWeights? pretrained = null, int inputSize = 224)
    {
        InputSize = inputSize;
        Name = name;
        Description = description;
        this.createBody = createBody;
        Normalization = normalization;
        Pretrained = pretrained;
    }

    public string Name { get; }
    public string Description { get; }

    /// <summary>The input size the weights were trained at (what --size should start from).</summary>
    public int InputSize { get; }

    /// <summary>Statistics the pretrained weights were trained with (ImageNet's for random init).</summary>
    public Normalization Normalization { get; }

    /// <summary>Null when no weights ship with FastVision (the user can still pass a weights file).</summary>
    public IPretrainedWeights? Pretrained { get; }

    /// <summary>A new body; with <paramref name="pretrained"/> its weights are loaded (and converted once, then cached).</summary>
    public VisionBody CreateBody(bool pretrained)
    {
        Native.TorchRuntime.EnsureInitialized();
        var body = createBody();
        if (pretrained)
        {
            if (Pretrained is null)
                throw new InvalidOperationException($"Architecture '{Name}' has no pretrained weights available offline; use one that has (see 'fastvision models') or train from scratch.");
            Pretrained.LoadInto(body);
        }
        return body;
    }

    public override string ToString() => Name;
}

/// <summary>Pretrained weights for one architecture.</summary>
public interface IPretrainedWeights
{
    /// <summary>Where the weights come from, for reports.</summary>
    string Source { get; }

    void LoadInto(VisionBody body);
}
