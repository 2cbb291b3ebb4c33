
namespace FastVision.Data;

/// <summary>How to split when the caller does not pass a splitter.</summary>
public enum SplitKind
{
    /// <summary>Folder layout train/valid if present; by site when every item has one; else random.</summary>
    Auto,
    Random,
    Site,
    Folder,
}

/// <summary>Options for the ready-made layouts (fastai's defaults, batch 32 for 2-core CPUs).</summary>
public sealed record DataLoaderOptions
{
    /// <summary>The model's input size (the final random-resized crop).</summary>
    public int Size { get; init; } = 224;

    /// <summary>
    /// The presizing size; 0 means fastai's ratio 460/224 of <see cref="Size"/>. Only the tensor path (other devices than the CPU)
    /// resamples to it; the CPU path takes the same square and renders it straight to <see cref="Size"/>.
    /// </summary>
    public int Presize { get; init; }

    public int BatchSize { get; init; } = 32;
    public double ValidPct { get; init; } = 0.2;
    public int Seed { get; init; } = 42;
    public SplitKind Split { get; init; } = SplitKind.Auto;

    /// <summary>A splitter of the caller's own (e.g. an explicit validation list); overrides <see cref="Split"/>.</summary>
    public ISplitter? Splitter { get; init; }

    /// <summary>Training augmentation (fastai's aug_transforms with <see cref="MinScale"/>); false: resize only.</summary>
    public bool Augment { get; init; } = true;

    public double MinScale { get; init; } = 0.75;

    /// <summary>Draw training images class-balanced (see <see cref="LoaderSettings.BalancedSampling"/>).</summary>
    public bool BalancedSampling { get; init; }
    public BadImagePolicy OnBadImage { get; init; } = BadImagePolicy.Skip;

    /// <summary>Detector output for the items (MegaDetector's batch format); null: none.</summary>
    public MegaDetectorResults? Detections { get; init; }

    /// <summary>Crop training (and prediction) images to their detector boxes with this policy; null: whole images.</summary>
    public DetectionCrop? Crop { get; init; }

    /// <summary>With <see cref="Crop"/>: train on each cropped image whole as well, and average both views at prediction (<see cref="ImagePipeline.FullView"/>).</summary>
    public bool FullView { get; init; }

    /// <summary>The CSV column naming each image's trigger sequence (camera-trap bursts); null: none (see <see cref="Sequences"/> for EXIF times).</summary>
    public string? SequenceColumn { get; init; }
    public string? CacheDirectory { get; init; }

    /// <summary>
    /// The class list in index order (labels outside it are errors; a CSV label column may hold indices into it); null: the
    /// source's declared classes, else the labels found, sorted (numerically when every label is an integer).
    /// </summary>
    public IReadOnlyList<string>? Classes { get; init; }

    /// <summary>The data block of a layout: its item source and labeller with these options (the splitter, pipeline and reading settings).</summary>
    public DataBlock Block(IItemSource source, ILabeller? labeller, string root)
    {
        var pipeline = ImagePipeline.Default(Size, Presize, Augment, MinScale);
        return new(source, labeller, Splitter ?? SplitterFor(root), pipeline.Presize, pipeline.Augment, pipeline.Size, Crop, FullView)
        {
            Detections = Detections,
            Classes = Classes,
            BalancedSampling = BalancedSampling,
            ValidPct = ValidPct, Seed = Seed, OnBadImage = OnBadImage, CacheDirectory = CacheDirectory,
        };
    }

    private ISplitter? SplitterFor(string root) => Split switch
    {
        SplitKind.Random => new RandomSplitter(ValidPct, Seed),
        SplitKind.Site => GroupSplitter.BySite(ValidPct, Seed),
        SplitKind.Folder => new FolderSplitter(root),
        _ => new FolderSplitter(root).Matches() ? new FolderSplitter(root) : null,
    };
}
