using FastVision.Vision;

namespace FastVision.Data;

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
