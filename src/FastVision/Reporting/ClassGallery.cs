using FastVision.Data;
using static TorchSharp.torch;

namespace FastVision.Reporting;

/// <summary>
/// A look at each class beside the random batch: a row per class with a few of its training images, drawn through the
/// validation transform (centred, not augmented), the first captioned with the class and its number of training images.
/// The images are chosen with the loaders' seed, so the same seed shows the same gallery.
/// </summary>
public static class ClassGallery
{
    public static void Save(DataLoaders dls, string pngPath, int perClass = 4)
    {
        var data = dls.Data;
        var random = new Random(Seeds.Derive(dls.Train.Settings.Seed, 4));
        var picked = new List<ImageItem>();
        var slots = new List<int>(); // where each picked image goes: row (class) × perClass + column
        var captions = new string[dls.Classes.Count * perClass];
        Array.Fill(captions, "");
        for (int c = 0; c < dls.Classes.Count; c++)
        {
            var ofClass = data.Train.Select(i => data.Items[i]).Where(item => item.Label == dls.Classes[c]).ToArray();
            random.Shuffle(ofClass);
            foreach (var (item, column) in ofClass.Take(perClass).Select((item, column) => (item, column)))
            {
                picked.Add(item);
                slots.Add(c * perClass + column);
            }
            captions[c * perClass] = $"{dls.Classes[c]}\n{ofClass.Length} train";
        }

        int size = dls.Size, stride = size * size * 3;
        var rgb = new byte[captions.Length * stride];
        Array.Fill(rgb, (byte)255); // a class with fewer images leaves white cells
        var loader = dls.Valid.WithItems(picked);
        foreach (var batch in loader.GetBatches(0))
        {
            using (batch)
            using (NewDisposeScope())
            {
                var images = loader.Prepare(batch, CPU, normalize: false); // [B, 3, S, S] in [0, 1]
                var pixels = images.clamp(0, 1).mul(255).round().to(ScalarType.Byte).permute(0, 2, 3, 1).contiguous().data<byte>().ToArray();
                for (int j = 0; j < batch.Items.Length; j++) Array.Copy(pixels, j * stride, rgb, slots[batch.Items[j]] * stride, stride);
            }
        }
        BatchGrid.Write(pngPath, rgb, captions.Length, size, captions, columns: perClass);
    }
}
