namespace FastVision.Data;

/// <summary>Which picture of an image a loader item stands for, when the pipeline crops to detector boxes.</summary>
public enum ImageView
{
    /// <summary>The pipeline's detector crop: the whole image when there is no policy or the policy keeps no box.</summary>
    Crop,

    /// <summary>The whole image, whatever the detector found: the context a tight crop cuts away.</summary>
    Full,
}
