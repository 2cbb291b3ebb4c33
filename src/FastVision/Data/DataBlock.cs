
namespace FastVision.Data;

/// <summary>
/// fastai's DataBlock: where items come from, how they are labelled and split, the item transform
/// (presizing), the batch transforms (augmentation) and the model's input size, which together make its
/// <see cref="Pipeline"/>. <see cref="Plan"/> checks everything that can be
/// checked without decoding pixels; <see cref="DataLoaders"/> builds the loaders.
/// </summary>
/// <example><code>
/// var dls = new DataBlock(new ImageFileSource(), RegexLabeller.NameBeforeNumber,
///     new RandomSplitter(0.2, 42), new Presize(460), new AugTransforms { MinScale = 0.75 }, size: 224)
///     .DataLoaders("images", batchSize: 32);
/// </code></example>
public sealed class DataBlock(IItemSource items, ILabeller? labeller = null, ISplitter? splitter = null,
    Presize? itemTransform = null, AugTransforms? batchTransforms = null, int size = 224, DetectionCrop? crop = null, bool fullView = false)
{
    public IItemSource Items { get; } = items;

    /// <summary>Null when the source labels its items (the competition's one-hot CSV).</summary>
    public ILabeller? Labeller { get; } = labeller;

    /// <summary>Null: by site when every item has one (camera-trap CSVs), else random with <see cref="ValidPct"/>.</summary>
    public ISplitter? Splitter { get; } = splitter;

    /// <summary>The preprocessing recipe the loaders get: presize (default fastai's 460/224 of the size), augmentation (default none), size.</summary>
    public ImagePipeline Pipeline { get; } = new(size, itemTransform ?? new Presize(ImagePipeline.DefaultPresize(size)), batchTransforms ?? AugTransforms.None) { Crop = crop, FullView = fullView };

    /// <summary>Draw training images class-balanced (see <see cref="LoaderSettings.BalancedSampling"/>).</summary>
    public bool BalancedSampling { get; init; }

    /// <summary>Detector output (MegaDetector's batch format) for the items, looked up by their path relative to the data folder; null: none.</summary>
    public MegaDetectorResults? Detections { get; init; }

    /// <summary>The class list; labels outside it are errors. Null: the source's declared classes, else the sorted labels (numerically when all are integers).</summary>
    public IReadOnlyList<string>? Classes { get; init; }

    public double ValidPct { get; init; } = 0.2;
    public int Seed { get; init; } = 42;
    public BadImagePolicy OnBadImage { get; init; } = BadImagePolicy.Skip;
    public long MaxPixels { get; init; } = ImageDecoder.DefaultMaxPixels;

    /// <summary>Folder of the on-disk presize cache; null for none.</summary>
    public string? CacheDirectory { get; init; }

    /// <summary>Collects, labels, checks and splits the items; decodes no pixels.</summary>
    public DataSet Plan(string path)
    {
        var issues = new DataIssues(OnBadImage);
        var found = Items.GetItems(path, issues);
        var labelled = new List<ImageItem>(found.Count);
        // Two rows naming one file: which label would it have?
        var listed = new Dictionary<string, ImageItem>(StringComparer.Ordinal);
        foreach (var item in found)
        {
            if (!listed.TryAdd(Path.GetFullPath(item.Path), item))
                throw new DataSourceException($"{item.Describe()}: duplicate file, already listed at {listed[Path.GetFullPath(item.Path)].Origin ?? item.Path}.");
            var label = Labeller is null ? item.Label : Labeller.Label(item, path);
            if (string.IsNullOrEmpty(label))
                throw new DataSourceException($"{item.Describe()}: no label ({Labeller?.Describe() ?? "the source gave none"}).");
            labelled.Add(item with { Label = label, Detections = Detections?.Find(item, path) ?? item.Detections });
        }
        // Open every file's header now: a bad file is reported (or refused) here, not mid-epoch.
        try
        {
            Parallel.ForEach(labelled, item =>
            {
                try { ImageDecoder.ReadHeader(item.Path, MaxPixels); }
                catch (DataSourceException e) { issues.BadImage(item.Path, e.Message); } // throws under BadImagePolicy.Fail
            });
        }
        catch (AggregateException e) when (e.InnerExceptions.OfType<DataSourceException>().FirstOrDefault() is { } first)
        {
            throw first;
        }
        var usable = labelled.Where(i => !issues.IsSkipped(i.Path)).ToList();
        if (usable.Count == 0) throw new DataSourceException($"{path}: no usable images ({issues.Skipped.Count} skipped).");

        var split = Splitter ?? DefaultSplitter(usable);
        var (trainIndices, validIndices) = SplitOf(split, usable, path);
        if (trainIndices.Length == 0 || validIndices.Length == 0)
            throw new DataSourceException($"{path}: the split ({split.Describe()}) leaves {trainIndices.Length} training and {validIndices.Length} validation images.");
        // Items on neither side (e.g. a test/ folder next to train/ and valid/) take no part, not even in the classes.
        var kept = trainIndices.Concat(validIndices).Order().ToArray();
        var position = kept.Select((item, k) => (item, k)).ToDictionary(p => p.item, p => p.k);
        var items = kept.Select(i => usable[i]).ToList();
        var train = trainIndices.Select(i => position[i]).ToArray();
        var valid = validIndices.Select(i => position[i]).ToArray();

        var classes = Classes ?? Items.Vocabulary ?? SortedClasses(items.Select(i => i.Label!).Distinct());
        var known = classes.ToHashSet(StringComparer.Ordinal);
        foreach (var item in items.Where(i => !known.Contains(i.Label!)))
            throw new DataSourceException($"{item.Describe()}: unknown class '{item.Label}' (classes: {string.Join(", ", classes)}).");
        if (classes.Count < 2) throw new DataSourceException($"{path}: need at least two classes, found: {string.Join(", ", classes)}.");
        return new DataSet(path, Items.Describe(path), Labeller?.Describe() ?? "from the source", split.Describe(), items, train, valid, classes, issues)
        {
            Detections = Detections is null ? null : DetectionReport.Build(items, path, Detections, Pipeline.Crop ?? new DetectionCrop()),
        };
    }

    /// <summary>Plans the data set and builds its loaders.</summary>
    public DataLoaders DataLoaders(string path, int batchSize = 32) => DataLoaders(Plan(path), batchSize);

    /// <summary>The loaders of a planned data set; a training set smaller than <paramref name="batchSize"/> lowers the batch to it (<see cref="BatchSizing"/>).</summary>
    public DataLoaders DataLoaders(DataSet data, int batchSize = 32)
    {
        var batches = BatchSizing.For(data, batchSize);
        var settings = new LoaderSettings
        {
            BatchSize = batches.Effective, Seed = Seed, BalancedSampling = BalancedSampling, Issues = data.Issues, MaxPixels = MaxPixels,
            Cache = CacheDirectory is null ? null : new PresizeCache(CacheDirectory),
        };
        // Training sees every view of an image; validation the primary (crop) view, the learner's GetPreds averages the others in.
        var train = new DataLoader(Pipeline.TrainingItems(data.Train.Select(i => data.Items[i]).ToList()), data.Classes, Pipeline, settings, isTrain: true);
        var valid = new DataLoader(data.Valid.Select(i => data.Items[i]).ToList(), data.Classes, Pipeline, settings, isTrain: false);
        return new DataLoaders(train, valid, data, batches);
    }

    /// <summary>The split's indices; a split that cannot be made (too few sites) says which data folder it is about.</summary>
    private static (int[] Train, int[] Valid) SplitOf(ISplitter split, IReadOnlyList<ImageItem> items, string path)
    {
        try
        {
            return split.Split(items);
        }
        catch (DataSourceException e) when (!e.Message.Contains(path, StringComparison.Ordinal))
        {
            throw new DataSourceException($"{path}: {e.Message}");
        }
    }

    /// <summary>Ordinal order, or numeric when every label is an integer (class indices: 2 before 10, as fastai sorts its vocab).</summary>
    private static List<string> SortedClasses(IEnumerable<string> labels)
    {
        var distinct = labels.ToList();
        var numbers = distinct.Select(l => long.TryParse(l, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : (long?)null).ToList();
        return numbers.All(n => n is not null)
            ? distinct.Zip(numbers).OrderBy(p => p.Second).Select(p => p.First).ToList()
            : distinct.Order(StringComparer.Ordinal).ToList();
    }

    private ISplitter DefaultSplitter(IReadOnlyList<ImageItem> items) =>
        items.All(i => !string.IsNullOrEmpty(i.Site)) && items.Select(i => i.Site).Distinct().Count() > 1
            ? GroupSplitter.BySite(ValidPct, Seed)
            : new RandomSplitter(ValidPct, Seed);
}

/// <summary>A planned data set: usable items, their split, the classes, and what was skipped or warned about.</summary>
public sealed record DataSet(string Path, string Source, string Labels, string Split, IReadOnlyList<ImageItem> Items,
    int[] Train, int[] Valid, IReadOnlyList<string> Classes, DataIssues Issues)
{
    /// <summary>What the detector results say about the items (images per crop outcome); null without a results file.</summary>
    public DetectionReport? Detections { get; init; }
}
