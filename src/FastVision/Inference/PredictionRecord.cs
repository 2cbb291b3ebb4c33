using FastVision.Data;

namespace FastVision.Inference;

/// <summary>
/// One image's line of a prediction output: its key (path relative to its input), its id when a features CSV gave one, and
/// either its class probabilities (in the model's class order) or why it could not be predicted.
/// </summary>
/// <param name="Box">The detector box the model cropped to; null when the image was predicted whole.</param>
/// <param name="Detections">The detector's results for the image, when a detections file listed it (MegaDetector output copies them).</param>
public sealed record PredictionRecord(string File, string? Id, float[]? Probabilities, Detection? Box, ImageDetections? Detections, string? Failure)
{
    public bool Failed => Failure is not null;

    /// <summary>The index of the most probable class; -1 for a failure.</summary>
    public int Predicted => Probabilities is null ? -1 : Array.IndexOf(Probabilities, Probabilities.Max());

    /// <summary>A predicted image; the box is the one <paramref name="crop"/> (the model's policy) used, if any.</summary>
    public static PredictionRecord Of(ListedImage image, float[] probabilities, DetectionCrop? crop) =>
        new(image.Key, image.Item.Id, probabilities, image.Item.View == ImageView.Crop ? crop?.BoxUsed(image.Item.Detections) : null, image.Item.Detections, null);

    /// <summary>An image that could not be read or predicted.</summary>
    public static PredictionRecord FailureOf(ListedImage image, string reason) => new(image.Key, image.Item.Id, null, null, image.Item.Detections, reason);
}
