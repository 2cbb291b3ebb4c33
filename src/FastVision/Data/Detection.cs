namespace FastVision.Data;

/// <summary>
/// One box a detector found in an image: its detection category id (MegaDetector's "1" = animal, "2" = person,
/// "3" = vehicle), its confidence in [0, 1], and the box as shares of the upright image's width and height
/// (MegaDetector's <c>[x_min, y_min, width, height]</c>, origin top left), already clamped to [0, 1].
/// </summary>
public sealed record Detection(string Category, double Confidence, double X, double Y, double Width, double Height)
{
    /// <summary>MegaDetector's category id of animals.</summary>
    public const string AnimalCategory = "1";

    public double Right => X + Width;

    public double Bottom => Y + Height;
}

/// <summary>
/// What a results file says about one image: its boxes, or why the detector produced none
/// (<see cref="Failure"/> set: the image could not be processed, so "no boxes" means nothing and the crop policy
/// falls back to the full image and reports it).
/// </summary>
public sealed record ImageDetections(string File, IReadOnlyList<Detection> Detections, string? Failure = null)
{
    public bool Failed => Failure is not null;
}
