namespace FastVision.Models;

/// <summary>
/// One pretrained configuration of an architecture (timm's pretrained_cfg): a tag, where its weights come from, and the
/// inputs they were trained on, which become the image pipeline's normalization and default size.
/// </summary>
public sealed record PretrainedConfig(string Tag, IWeightSource Weights, Normalization Normalization, int InputSize = 224);

/// <summary>Where one set of pretrained body weights comes from, and how they get into a body.</summary>
public interface IWeightSource
{
    /// <summary>Where the weights come from, for reports.</summary>
    string Source { get; }

    void LoadInto(VisionBody body);
}
