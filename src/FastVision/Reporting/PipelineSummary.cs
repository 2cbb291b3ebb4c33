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

        if (pipeline.Views.Count > 1)
            sb.AppendLine(inv, $"  views                 {string.Join(" + ", pipeline.Views).ToLowerInvariant()}: {loader.Count} training items from {dls.Data.Train.Length} images (each cropped image also whole); prediction averages the views");

        using var scope = NewDisposeScope();
        int size = pipeline.Size;
        Tensor augmented;
        if (loader.RendersOnCpu)
        {
            // What the decoder threads do: the whole geometry in one draw from the decoded pixels (Presize.Render).
            int covering = AugTransforms.CoveringSide(size, pipeline.Augment.MaxMagnification);
            using (var decoded = ImageDecoder.DecodeUpright(item.Path, covering, settings.MaxPixels))
                sb.AppendLine(inv, $"  decode (item)         {header.Width}x{header.Height} → {decoded.Width}x{decoded.Height} (smallest JPEG DCT scale whose square keeps {covering} px: {size} x {pipeline.Augment.MaxMagnification:0.##}, the most zoom on the smallest crop)");
            var rgba = new byte[size * size * 4];
            var draw = pipeline.Augment.Draw(0, 1)[0];
            Presize.Render(item.Path, 0.5, size, pipeline.Augment.IsResizeOnly ? null : draw, rgba, settings.MaxPixels);
            sb.AppendLine(inv, $"  render (item)         square {region.Width}x{region.Height} (random position on train, centred on valid) + {pipeline.Augment.Describe(size)} → uint8 RGBA [{size},{size},4] in the decoder threads{(settings.Cache is null ? "" : $", from the cache in {settings.Cache.Directory}")}");
            var raw = tensor(rgba, [1, size, size, 4], ScalarType.Byte);
            sb.AppendLine($"  collate               {Describe(raw)}");
            var x = raw.permute(0, 3, 1, 2).to(ScalarType.Float32).narrow(1, 0, 3).div(255f);
            sb.AppendLine($"  to float (RGB)        {Describe(x)}");
            augmented = AugTransforms.ApplyLighting(x, [draw]);
            if (pipeline.Augment.MaxLighting > 0) sb.AppendLine($"  lighting (batch)      brightness/contrast {pipeline.Augment.MaxLighting} p={pipeline.Augment.PLighting} → {Describe(augmented)}");
            sb.AppendLine($"  valid path            centred square, one bilinear resize to {size} (no augmentation)");
        }
        else
        {
            int p = pipeline.Presize.Size;
            sb.AppendLine(inv, $"  presize (item)        square crop {region.Width}x{region.Height} (random position on train, centered on valid) → resize {p}x{p} → uint8 RGBA [{p},{p},4]{(settings.Cache is null ? "" : $", cached in {settings.Cache.Directory}")}");
            var rgba = new byte[p * p * 4];
            pipeline.Presize.Apply(item.Path, 0.5, rgba, settings.Cache, settings.MaxPixels);
            var raw = tensor(rgba, [1, p, p, 4], ScalarType.Byte);
            sb.AppendLine($"  collate               {Describe(raw)}");
            var x = raw.permute(0, 3, 1, 2).to(ScalarType.Float32).narrow(1, 0, 3).div(255f);
            sb.AppendLine($"  to float (RGB)        {Describe(x)}");
            augmented = pipeline.Augment.Apply(x, size, 0);
            sb.AppendLine($"  augment (batch)       {pipeline.Augment.Describe(size)} on {loader.Device.type.ToString().ToLowerInvariant()} → {Describe(augmented)}");
            sb.AppendLine($"  valid path            {AugTransforms.None.Describe(size)} (no augmentation)");
        }
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
