namespace FastVision.Data;

/// <summary>Options shared by every layout (fastai's defaults: 20% validation, seed 42, batch 64 → 32 here for 2-core CPUs).</summary>
public sealed record DataLoaderOptions
{
    public int Size { get; init; } = 224;
    public int BatchSize { get; init; } = 32;
    public double ValidPct { get; init; } = 0.2;
    public int Seed { get; init; } = 42;
}

/// <summary>Ready-made data loaders for the two common layouts (fastai's ImageDataLoaders.from_folder / from_df).</summary>
public static class ImageDataLoaders
{
    /// <summary>A folder per class: <c>path/&lt;class&gt;/*.jpg</c>.</summary>
    public static DataLoaders FromFolder(string path, DataLoaderOptions? options = null) =>
        FromItems(ImageFiles.FromFolderPerClass(path), options ?? new());

    /// <summary>The competition's <c>train_features.csv</c> + <c>train_labels.csv</c>.</summary>
    public static DataLoaders FromConservision(string path, DataLoaderOptions? options = null) =>
        FromItems(ConservisionCsv.Load(path), options ?? new());

    public static DataLoaders FromItems(IReadOnlyList<ImageItem> items, DataLoaderOptions options)
    {
        // Open every file's header up front: a bad file is reported by name now, not mid-epoch.
        var bad = new System.Collections.Concurrent.ConcurrentBag<string>();
        Parallel.ForEach(items, item =>
        {
            try { ImageDecoder.ReadSize(item.Path); }
            catch (DataSourceException e) { bad.Add(e.Message); }
        });
        if (!bad.IsEmpty)
        {
            var sorted = bad.Order(StringComparer.Ordinal).ToList();
            throw new DataSourceException($"{sorted.Count} unreadable image(s): " + string.Join("; ", sorted.Take(10)) + (sorted.Count > 10 ? "; ..." : ""));
        }
        var classes = items.Select(i => i.Label).Distinct().Order(StringComparer.Ordinal).ToList();
        if (classes.Count < 2) throw new DataSourceException($"Need at least two classes, found: {string.Join(", ", classes)}.");
        var (trainIdx, validIdx) = new RandomSplitter(options.ValidPct, options.Seed).Split(items.Count);
        if (validIdx.Length == 0) throw new DataSourceException($"{items.Count} images and valid_pct {options.ValidPct} leave no validation images.");
        var train = new DataLoader(trainIdx.Select(i => items[i]).ToList(), classes, options.Size, options.BatchSize, shuffle: true, dropLast: true, options.Seed);
        var valid = new DataLoader(validIdx.Select(i => items[i]).ToList(), classes, options.Size, options.BatchSize, shuffle: false, dropLast: false, options.Seed);
        if (train.BatchCount == 0)
            throw new DataSourceException($"{train.Count} training images make no full batch of {options.BatchSize}; lower the batch size.");
        return new DataLoaders(train, valid, classes);
    }
}
