using System.Globalization;
using System.Text;
using FastVision.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace FastVision.Reporting;

/// <summary>fastai's DataBlock.summary: every pipeline step applied to one training item, with shapes and types.</summary>
public static class PipelineSummary
{
    public static string Build(DataLoaders dls)
    {
        var loader = dls.Train;
        var item = loader.Items[0];
        var settings = loader.Settings;
        var pipeline = loader.Pipeline;
        var sb = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        sb.AppendLine($"item 0 of {loader.Count} training items: {item.Describe()}");
        sb.AppendLine($"  label                 {dls.Data.Labels} → '{item.Label}' → class index {loader.LabelOf(0)} of {dls.Classes.Count}");
        var header = ImageDecoder.ReadHeader(item.Path, settings.MaxPixels);
        sb.AppendLine($"  header                {header.Format} {header.Width}x{header.Height} (upright), EXIF orientation {header.Origin}");
        var region = Presize.SquareRegion(header.Width, header.Height, 0.5);
        int p = pipeline.Presize.Size;
        sb.AppendLine(inv, $"  presize (item)        square crop {region.Width}x{region.Height} (random position on train, centered on valid) → resize {p}x{p} → uint8 RGBA [{p},{p},4]{(settings.Cache is null ? "" : $", cached in {settings.Cache.Directory}")}");

        if (pipeline.Views.Count > 1)
            sb.AppendLine(inv, $"  views                 {string.Join(" + ", pipeline.Views).ToLowerInvariant()}: {loader.Count} training items from {dls.Data.Train.Length} images (each cropped image also whole); prediction averages the views");

        var rgba = new byte[p * p * 4];
        pipeline.Presize.Apply(item.Path, 0.5, rgba, settings.Cache, settings.MaxPixels);
        using var scope = NewDisposeScope();
        var raw = tensor(rgba, [1, p, p, 4], ScalarType.Byte);
        sb.AppendLine($"  collate               {Describe(raw)}");
        var x = raw.permute(0, 3, 1, 2).to(ScalarType.Float32).narrow(1, 0, 3).div(255f);
        sb.AppendLine($"  to float (RGB)        {Describe(x)}");
        var augmented = pipeline.Augment.Apply(x, pipeline.Size, 0);
        sb.AppendLine($"  augment (batch)       {pipeline.Augment.Describe(pipeline.Size)} → {Describe(augmented)}");
        sb.AppendLine($"  valid path            {AugTransforms.None.Describe(pipeline.Size)} (no augmentation)");
        if (pipeline.Normalization is { } norm)
        {
            var n = augmented.sub(tensor(norm.Mean, [1, 3, 1, 1])).div(tensor(norm.Std, [1, 3, 1, 1]));
            sb.AppendLine(inv, $"  normalize             mean ({string.Join(", ", norm.Mean.Select(m => m.ToString("F4", inv)))}), std ({string.Join(", ", norm.Std.Select(s => s.ToString("F4", inv)))}) → {Describe(n)}");
        }
        else sb.AppendLine("  normalize             set by the learner from the model's statistics");
        var batches = dls.BatchSizing;
        var perBatch = batches.Lowered
            ? $"{batches.Requested} per batch requested, only {batches.TrainImages} training images, so {batches.Effective} per batch"
            : $"{batches.Effective} per batch";
        sb.AppendLine(inv, $"  batches               {perBatch}: {loader.BatchCount} training (shuffled, last partial dropped), {dls.Valid.BatchCount} validation (in order)");
        return sb.ToString();
    }

    private static string Describe(Tensor t)
    {
        var inv = CultureInfo.InvariantCulture;
        using var f = t.to(ScalarType.Float32);
        return string.Create(inv, $"{t.dtype.ToString().ToLowerInvariant()} [{string.Join(",", t.shape)}] range {f.min().item<float>():F3}..{f.max().item<float>():F3}");
    }
}
