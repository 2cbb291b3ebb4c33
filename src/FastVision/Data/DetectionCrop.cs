using SkiaSharp;

namespace FastVision.Data;

/// <summary>How the kept boxes of one image become the one region that is cropped.</summary>
public enum CropMode
{
    /// <summary>The box with the highest confidence (the first in file order on a tie): the most certain animal, fully framed.</summary>
    TopBox,

    /// <summary>The smallest rectangle holding every kept box: a group of animals stays together, at the cost of more background.</summary>
    UnionOfKeptBoxes,
}

/// <summary>What the crop policy did with one image and why; a report counts images per outcome.</summary>
public enum CropOutcome
{
    /// <summary>Cropped to its kept box(es).</summary>
    Crop,

    /// <summary>Full image: the detector ran but no box of the category reached the threshold (blank frames, faint animals).</summary>
    NoBoxAboveThreshold,

    /// <summary>Full image: the results file has no entry for the image (run on another folder, or a newer image).</summary>
    NotInResults,

    /// <summary>Full image: the detector failed on the image (<c>failure</c> set or <c>detections: null</c>).</summary>
    DetectorFailure,
}

/// <summary>The policy's answer for one image: the pixel region to crop, or null for the full image, and why.</summary>
public sealed record CropDecision(CropOutcome Outcome, SKRectI? Region);

/// <summary>
/// The detector-crop policy: which boxes count, how they become a region, and how much context is kept around them.
/// A camera-trap animal is often small and anywhere in the frame; cropping to it before presizing gives the model
/// the animal's pixels instead of the forest floor. Kept boxes are those of <see cref="Category"/> with confidence
/// ≥ <see cref="Threshold"/>; <see cref="Mode"/> makes one box of them; the box is squared on its longer side
/// (centred on the box, so presizing's square crop cuts nothing off), widened by <see cref="Margin"/>, and kept
/// inside the image. Images without a kept box keep the full image, with the reason as <see cref="CropOutcome"/>.
/// Boxes are shares of the upright image (MegaDetector applies EXIF orientation before detecting), so
/// <see cref="Decide"/> takes the upright width and height.
/// </summary>
/// <param name="Threshold">The lowest confidence kept: 0.2 is MegaDetector v5's "typical detection threshold" for animals.</param>
/// <param name="Mode">Top box (default: one animal, tightest crop) or union of the kept boxes.</param>
/// <param name="Margin">
/// Context added on each side, as a share of the squared box side: 0.1 makes the crop 1.2 times the box's longer side,
/// enough to take back legs, tails and ears a detector's tight box clips, and a little background the model can use,
/// while the animal stays most of the crop.
/// </param>
/// <param name="Category">The detection category kept: MegaDetector's "1" (animal); "2" (person) and "3" (vehicle) are not cropped to.</param>
public sealed record DetectionCrop(double Threshold = 0.2, CropMode Mode = CropMode.TopBox, double Margin = 0.1, string Category = Detection.AnimalCategory)
{
    /// <summary>What to do with the image of <paramref name="entry"/> (null: not in the results file); the region is in upright pixels.</summary>
    public CropDecision Decide(int width, int height, ImageDetections? entry)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        var outcome = Classify(entry, out var kept);
        return outcome == CropOutcome.Crop ? new CropDecision(outcome, Region(width, height, kept)) : new CropDecision(outcome, null);
    }

    /// <summary>The outcome without the region (it does not depend on the image size): what a report counts without decoding images.</summary>
    public CropOutcome Classify(ImageDetections? entry) => Classify(entry, out _);

    private CropOutcome Classify(ImageDetections? entry, out List<Detection> kept)
    {
        if (Threshold is < 0 or > 1 || !double.IsFinite(Threshold)) throw new ArgumentOutOfRangeException(nameof(Threshold), Threshold, "a confidence threshold is in [0, 1]");
        if (Margin < 0 || !double.IsFinite(Margin)) throw new ArgumentOutOfRangeException(nameof(Margin), Margin, "the margin is a share ≥ 0 of the box side");
        kept = [];
        if (entry is null) return CropOutcome.NotInResults;
        if (entry.Failed) return CropOutcome.DetectorFailure;
        kept = entry.Detections.Where(d => d.Category == Category && d.Confidence >= Threshold).ToList();
        return kept.Count == 0 ? CropOutcome.NoBoxAboveThreshold : CropOutcome.Crop;
    }

    /// <summary>
    /// The box the policy crops to (before squaring and margin), in the detector's terms: the top box, or for
    /// <see cref="CropMode.UnionOfKeptBoxes"/> the union of the kept boxes with the highest confidence among them; null when
    /// the image is not cropped. Outputs name it as the box a prediction was made from.
    /// </summary>
    public Detection? BoxUsed(ImageDetections? entry) => Classify(entry, out var kept) == CropOutcome.Crop ? Box(kept) : null;

    private Detection Box(List<Detection> kept)
    {
        var top1 = kept.MaxBy(d => d.Confidence)!;
        if (Mode == CropMode.TopBox) return top1;
        double left = kept.Min(d => d.X), top = kept.Min(d => d.Y);
        return top1 with { X = left, Y = top, Width = kept.Max(d => d.Right) - left, Height = kept.Max(d => d.Bottom) - top };
    }

    private SKRectI Region(int width, int height, List<Detection> kept)
    {
        var box = Box(kept);
        var (left, top, right, bottom) = (box.X, box.Y, box.Right, box.Bottom);
        double side = Math.Max((right - left) * width, (bottom - top) * height) * (1 + 2 * Margin);
        var (x, w) = Span((left + right) / 2 * width, side, width);
        var (y, h) = Span((top + bottom) / 2 * height, side, height);
        return SKRectI.Create(x, y, w, h);
    }

    /// <summary>
    /// One axis of the region: <paramref name="length"/> pixels centred on <paramref name="centre"/>, shifted back inside
    /// [0, <paramref name="extent"/>) when it pokes out (the box stays whole), and shortened only when it is longer than the
    /// image side itself — then the region is not square, and presizing's square crop decides the rest.
    /// </summary>
    private static (int Start, int Length) Span(double centre, double length, int extent)
    {
        int pixels = Math.Clamp((int)Math.Round(length), 1, extent);
        int start = (int)Math.Round(centre - pixels / 2.0);
        return (Math.Clamp(start, 0, extent - pixels), pixels);
    }
}
