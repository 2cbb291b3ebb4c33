using FastVision.Vision;

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

    /// <summary>The presizing size; 0 means fastai's ratio 460/224 of <see cref="Size"/>.</summary>
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
    public BadImagePolicy OnBadImage { get; init; } = BadImagePolicy.Skip;
    public string? CacheDirectory { get; init; }

    public int EffectivePresize => Presize > 0 ? Presize : (int)Math.Round(Size * 460.0 / 224.0);

    internal DataBlock Block(IItemSource source, ILabeller? labeller, string root) => new(source, labeller, Splitter ?? SplitterFor(root),
        new Presize(EffectivePresize), Augment ? new AugTransforms { Size = Size, MinScale = MinScale } : AugTransforms.None(Size))
    {
        ValidPct = ValidPct, Seed = Seed, OnBadImage = OnBadImage, CacheDirectory = CacheDirectory,
    };

    private ISplitter? SplitterFor(string root) => Split switch
    {
        SplitKind.Random => new RandomSplitter(ValidPct, Seed),
        SplitKind.Site => GroupSplitter.BySite(ValidPct, Seed),
        SplitKind.Folder => new FolderSplitter(),
        _ => new FolderSplitter().Matches(root) ? new FolderSplitter() : null,
    };
}

/// <summary>Ready-made data blocks for the common layouts (fastai's ImageDataLoaders).</summary>
public static class ImageDataLoaders
{
    /// <summary>A folder per class (<c>path/&lt;class&gt;/*.jpg</c>, or <c>path/train|valid/&lt;class&gt;/*.jpg</c>).</summary>
    public static DataLoaders FromFolder(string path, DataLoaderOptions? options = null) =>
        Load(path, options, o => o.Block(new ImageFileSource(), new ParentFolderLabeller(), path));

    /// <summary>The competition's <c>train_features.csv</c> + <c>train_labels.csv</c>; split by site unless told otherwise.</summary>
    public static DataLoaders FromConservision(string path, DataLoaderOptions? options = null) =>
        Load(path, options, o => o.Block(new ConservisionSource(), null, path));

    /// <summary>Files whose names carry the label, e.g. <c>monkey_prosimian_9780.jpg</c> with <c>^(.+)_\d+\.jpe?g$</c>.</summary>
    public static DataLoaders FromNameRegex(string path, string pattern, DataLoaderOptions? options = null) =>
        Load(path, options, o => o.Block(new ImageFileSource(), new RegexLabeller(pattern), path));

    /// <summary>A CSV with a path column and a label column.</summary>
    public static DataLoaders FromCsv(string path, string csvFile, string pathColumn, string labelColumn, DataLoaderOptions? options = null) =>
        Load(path, options, o => o.Block(new CsvSource(csvFile, pathColumn), new ColumnLabeller(labelColumn), path));

    private static DataLoaders Load(string path, DataLoaderOptions? options, Func<DataLoaderOptions, DataBlock> block)
    {
        options ??= new DataLoaderOptions();
        return block(options).DataLoaders(path, options.BatchSize);
    }
}
