namespace FastVision.Models;

/// <summary>
/// One pretrained configuration of an architecture (timm's pretrained_cfg): a tag (<c>resnet50.tv2_in1k</c> names the
/// config <c>tv2_in1k</c> of <c>resnet50</c>), where its weights come from, and the inputs they were trained on, which
/// become the image pipeline's normalization and default size.
/// </summary>
/// <param name="InputSize">The training (and default) input side in pixels.</param>
public sealed record PretrainedConfig(string Tag, IWeightSource Weights, Normalization Normalization, int InputSize = 224)
{
    /// <summary>The share of the image a centred evaluation crop keeps (timm's crop_pct); reported, and used by prediction recipes.</summary>
    public double CropPct { get; init; } = 0.875;

    /// <summary>The resampling the weights were evaluated with (timm's interpolation: bilinear, bicubic).</summary>
    public string Interpolation { get; init; } = "bilinear";

    /// <summary>ImageNet-1k top-1 accuracy in percent the source reports; null when unknown.</summary>
    public double? Top1 { get; init; }

    /// <summary>Multiply-accumulates per image at <see cref="InputSize"/>, in billions, as the source reports; null when unknown.</summary>
    public double? GMacs { get; init; }
}

/// <summary>torchvision's published weights as configurations: V1 (<c>tv_in1k</c>, evaluated at 256 → 224) and V2 (<c>tv2_in1k</c>, 232 → 224).</summary>
public static class TorchvisionConfigs
{
    /// <summary>The V1 weights in <paramref name="fileName"/>, with the top-1 and GMACs torchvision reports.</summary>
    public static PretrainedConfig V1(string fileName, double top1, double gmacs) =>
        new("tv_in1k", new TorchvisionWeights(fileName), Normalization.ImageNet) { CropPct = 224.0 / 256, Top1 = top1, GMacs = gmacs };

    /// <summary>The V2 weights (torchvision's newer training recipe) in <paramref name="fileName"/>.</summary>
    public static PretrainedConfig V2(string fileName, double top1, double gmacs) =>
        new("tv2_in1k", new TorchvisionWeights(fileName), Normalization.ImageNet) { CropPct = 224.0 / 232, Top1 = top1, GMacs = gmacs };
}

/// <summary>The key names a weight file uses: torchvision's (FastVision's bodies use them) or timm's (mapped per architecture).</summary>
public enum WeightKeys { Torchvision, Timm }

/// <summary>Where one set of pretrained body weights comes from: the file's name and origin, and how to get it onto this machine.</summary>
public interface IWeightSource
{
    /// <summary>Where the weights come from (a URL, a hub repository, a file), for reports and messages.</summary>
    string Source { get; }

    /// <summary>The file's name in caches (torchvision: <c>resnet50-11ad3fa6.pth</c>).</summary>
    string FileName { get; }

    WeightKeys Keys { get; }

    /// <summary>The first copy already on this machine (a --weights-dir folder, FastVision's cache, PyTorch's or Hugging Face's); null when none. Makes no request.</summary>
    string? Cached(WeightStore store);

    /// <summary>The weights as a local file: from a cache when one holds them, else fetched into <paramref name="store"/>'s cache.</summary>
    string Fetch(WeightStore store);

    /// <summary>Null when the file at <paramref name="path"/> is intact as far as can be told without the network, else the problem.</summary>
    string? Verify(string path);

    /// <summary>True for weights that come with FastVision itself (usable offline on any machine, cached or not).</summary>
    bool ShipsWithFastVision => false;

    /// <summary>Usable without the network: shipped, or already on this machine.</summary>
    bool AvailableOffline(WeightStore store) => ShipsWithFastVision || Cached(store) is not null;
}
