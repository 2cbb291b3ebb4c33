using System.Text.Json.Serialization;
using FastVision.Models;

namespace FastVision.Data;

/// <summary>
/// The one owner of how an image becomes a model input: the presize item transform, the model's input
/// <see cref="Size"/>, the training augmentation and the normalization. The data block builds it, the loaders
/// apply it, <c>model.json</c> stores it once, and the predictor reads it back, so training, validation,
/// test-time augmentation and prediction cannot disagree about it.
/// </summary>
/// <param name="Size">The model's input side in pixels (the final resize or random-resized crop).</param>
/// <param name="Presize">The square every image is decoded to first (fastai's item transform).</param>
/// <param name="Augment">Training (and test-time) augmentation; <see cref="AugTransforms.None"/> for none.</param>
/// <param name="Normalization">The statistics inputs are normalized with; null until a learner sets its model's.</param>
public sealed record ImagePipeline(int Size, Presize Presize, AugTransforms Augment, Normalization? Normalization = null)
{
    /// <summary>
    /// Crop each image to its detector box before presizing (<see cref="DetectionCrop"/>: threshold, top box or union, margin);
    /// null: whole images. Images without a kept box keep the whole image.
    /// </summary>
    public DetectionCrop? Crop { get; init; }

    /// <summary>
    /// With <see cref="Crop"/>: every cropped image is also seen whole, as a second view — trained on both (a crop loses the
    /// habitat, the whole image loses the animal's detail) and averaged at prediction. False: the crop alone.
    /// </summary>
    public bool FullView { get; init; }

    /// <summary>The pictures of an image the model is trained on and predicts from: the crop (the primary view), then the whole image when <see cref="FullView"/> applies.</summary>
    [JsonIgnore] // derived from Crop and FullView
    public IReadOnlyList<ImageView> Views => Crop is not null && FullView ? [ImageView.Crop, ImageView.Full] : [ImageView.Crop];

    /// <summary>The region of <paramref name="item"/> the presize square is taken from: its detector crop, or null for the whole image (and for the full view).</summary>
    public SkiaSharp.SKRectI? SourceRegion(ImageItem item, long maxPixels)
    {
        if (Crop is null || item.View == ImageView.Full) return null;
        var header = ImageDecoder.ReadHeader(item.Path, maxPixels);
        return Crop.Decide(header.Width, header.Height, item.Detections).Region;
    }

    /// <summary>
    /// The same recipe at input size <paramref name="size"/>, the presize scaled with it (fastai's progressive resizing: train
    /// small, then continue at the full size on loaders of the larger images).
    /// </summary>
    public ImagePipeline Resized(int size)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        return this with { Size = size, Presize = new Presize((int)Math.Round((double)Presize.Size * size / Size)) };
    }

    /// <summary>
    /// Positions of the crop-view items of <paramref name="items"/> that <paramref name="view"/> gives a picture of their own: all of
    /// them for the crop view; for the full view, the images the policy crops (for the others the crop already is the whole image).
    /// Reads no pixels: whether the policy crops depends on the detections only.
    /// </summary>
    public int[] ItemsWithView(IReadOnlyList<ImageItem> items, ImageView view) =>
        [.. Enumerable.Range(0, items.Count).Where(i => items[i].View == ImageView.Crop
            && (view == ImageView.Crop || Crop?.Classify(items[i].Detections) == CropOutcome.Crop))];

    /// <summary>The items of <paramref name="items"/> as <paramref name="view"/>, the view's positions alongside (see <see cref="ItemsWithView"/>).</summary>
    public (int[] Positions, IReadOnlyList<ImageItem> Items) ViewOf(IReadOnlyList<ImageItem> items, ImageView view)
    {
        var positions = ItemsWithView(items, view);
        return (positions, [.. positions.Select(i => items[i] with { View = view })]);
    }

    /// <summary>What a training loader iterates: every image once per view it has (a cropped image twice with <see cref="FullView"/>).</summary>
    public IReadOnlyList<ImageItem> TrainingItems(IReadOnlyList<ImageItem> items) => [.. Views.SelectMany(view => ViewOf(items, view).Items)];

    /// <summary>fastai's presize ratio: 460 px presize for a 224 px model.</summary>
    public static int DefaultPresize(int size) => (int)Math.Round(size * 460.0 / 224.0);

    /// <summary>fastai's recipe at <paramref name="size"/>: presize at 460/224 of it and, when <paramref name="augment"/>, aug_transforms with <paramref name="minScale"/>.</summary>
    public static ImagePipeline Default(int size, int presize = 0, bool augment = true, double minScale = 0.75) =>
        new(size, new Presize(presize > 0 ? presize : DefaultPresize(size)), augment ? new AugTransforms { MinScale = minScale } : AugTransforms.None);
}
