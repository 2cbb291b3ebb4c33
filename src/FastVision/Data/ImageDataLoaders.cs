namespace FastVision.Data;

/// <summary>Ready-made data blocks for the common layouts (fastai's ImageDataLoaders).</summary>
public static class ImageDataLoaders
{
    /// <summary>A folder per class (<c>path/&lt;class&gt;/*.jpg</c>, or <c>path/train|valid/&lt;class&gt;/*.jpg</c>).</summary>
    public static DataLoaders FromFolder(string path, DataLoaderOptions? options = null) => Load(path, options, FolderBlock);

    /// <summary>The competition's <c>train_features.csv</c> + <c>train_labels.csv</c>; split by site unless told otherwise.</summary>
    public static DataLoaders FromConservision(string path, DataLoaderOptions? options = null) => Load(path, options, ConservisionBlock);

    /// <summary>Files whose names carry the label, e.g. <c>monkey_prosimian_9780.jpg</c> with <c>^(.+)_\d+\.jpe?g$</c>.</summary>
    public static DataLoaders FromNameRegex(string path, string pattern, DataLoaderOptions? options = null) =>
        Load(path, options, (p, o) => NameRegexBlock(p, pattern, o));

    /// <summary>A CSV with a path column and a label column.</summary>
    public static DataLoaders FromCsv(string path, string csvFile, string pathColumn, string labelColumn, DataLoaderOptions? options = null) =>
        Load(path, options, (p, o) => o.Block(new CsvSource(csvFile, pathColumn, o.SequenceColumn), new ColumnLabeller(labelColumn), p));

    // The blocks themselves, for callers that only need the plan (items, labels, split) and no loaders.
    public static DataBlock FolderBlock(string path, DataLoaderOptions options) => options.Block(new ImageFileSource(), new ParentFolderLabeller(), path);
    public static DataBlock ConservisionBlock(string path, DataLoaderOptions options) => options.Block(new ConservisionSource(sequenceColumn: options.SequenceColumn), null, path);
    public static DataBlock NameRegexBlock(string path, string pattern, DataLoaderOptions options) => options.Block(new ImageFileSource(), new RegexLabeller(pattern), path);

    private static DataLoaders Load(string path, DataLoaderOptions? options, Func<string, DataLoaderOptions, DataBlock> block)
    {
        options ??= new DataLoaderOptions();
        return block(path, options).DataLoaders(path, options.BatchSize);
    }
}
