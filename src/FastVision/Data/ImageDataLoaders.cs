namespace FastVision.Data;

/// <summary>Ready-made data blocks for the common layouts (fastai's ImageDataLoaders).</summary>
public static class ImageDataLoaders
{
    /// <summary>
    /// Images in folders: the class is the <paramref name="labelFrom"/> folder of each path (default the parent:
    /// <c>path/&lt;class&gt;/*.jpg</c>; <see cref="FolderLevel.Grandparent"/> or <see cref="FolderLevel.Top"/>(0) for
    /// <c>path/&lt;class&gt;/&lt;sequence&gt;/*.jpg</c>), the group the split keeps on one side is the <paramref name="groupFrom"/>
    /// folder (default none), and <c>path/train/…</c> + <c>path/valid/…</c> split by folder.
    /// </summary>
    public static DataLoaders FromFolder(string path, DataLoaderOptions? options = null, FolderLevel? labelFrom = null, FolderLevel? groupFrom = null) =>
        Load(path, options, (p, o) => FolderBlock(p, o, labelFrom, groupFrom));

    /// <summary>The competition's <c>train_features.csv</c> + <c>train_labels.csv</c>; split by site unless told otherwise.</summary>
    public static DataLoaders FromConservision(string path, DataLoaderOptions? options = null) => Load(path, options, ConservisionBlock);

    /// <summary>
    /// Files whose paths below <paramref name="path"/> carry the label, e.g. <c>monkey_prosimian_9780.jpg</c> with
    /// <see cref="RegexLabeller.NameBeforeNumberPattern"/>; groups as in <see cref="FromFolder"/>.
    /// </summary>
    public static DataLoaders FromNameRegex(string path, string pattern, DataLoaderOptions? options = null, FolderLevel? groupFrom = null) =>
        Load(path, options, (p, o) => NameRegexBlock(p, pattern, o, groupFrom));

    /// <summary>
    /// A CSV (<paramref name="csvFile"/>, relative to <paramref name="path"/> or absolute) with a column of image paths relative to
    /// <paramref name="path"/> and a single-label column (class names, or integer indices: see <see cref="ColumnLabeller"/>).
    /// <paramref name="groupColumn"/> names each row's group (site, camera, sequence), which the default split keeps on one
    /// side; <paramref name="validColumn"/>, a true/false column, chooses the validation rows (fastai's ColSplitter).
    /// </summary>
    public static DataLoaders FromCsv(string path, string csvFile, string pathColumn, string labelColumn, DataLoaderOptions? options = null,
        string? groupColumn = null, string? validColumn = null) =>
        Load(path, options, (p, o) => CsvBlock(p, csvFile, pathColumn, labelColumn, o, groupColumn, validColumn));

    /// <summary>A Camera Trap Data Package (see <see cref="CamtrapDpSource"/>); split by location (else deployment) unless told otherwise.</summary>
    public static DataLoaders FromCamtrapDp(string path, DataLoaderOptions? options = null) => Load(path, options, CamtrapDpBlock);

    // The blocks themselves, for callers that only need the plan (items, labels, split) and no loaders.
    public static DataBlock FolderBlock(string path, DataLoaderOptions options, FolderLevel? labelFrom = null, FolderLevel? groupFrom = null)
    {
        var label = labelFrom ?? FolderLevel.Parent;
        if (groupFrom == label) throw new ArgumentException($"The group folder and the label folder are both the {label}: every class would be one group.");
        return options.Block(new ImageFileSource { GroupLevel = groupFrom }, new FolderLabeller(label), path);
    }

    public static DataBlock ConservisionBlock(string path, DataLoaderOptions options) => options.Block(new ConservisionSource(sequenceColumn: options.SequenceColumn), null, path);

    public static DataBlock NameRegexBlock(string path, string pattern, DataLoaderOptions options, FolderLevel? groupFrom = null) =>
        options.Block(new ImageFileSource { GroupLevel = groupFrom }, new RegexLabeller(pattern), path);

    public static DataBlock CsvBlock(string path, string csvFile, string pathColumn, string labelColumn, DataLoaderOptions options,
        string? groupColumn = null, string? validColumn = null)
    {
        var source = new CsvSource(csvFile, pathColumn, options.SequenceColumn)
        {
            GroupColumn = groupColumn, RequiredColumns = validColumn is null ? [labelColumn] : [labelColumn, validColumn],
        };
        if (validColumn is not null && options.Splitter is not null)
            throw new ArgumentException($"Validation rows come from column '{validColumn}'; give no other splitter (validation list) as well.");
        var splitting = validColumn is null ? options : options with { Splitter = ValidListSplitter.FromColumn(validColumn) };
        return splitting.Block(source, new ColumnLabeller(labelColumn, options.Classes), path);
    }

    public static DataBlock CamtrapDpBlock(string path, DataLoaderOptions options) => options.Block(new CamtrapDpSource(), null, path);

    private static DataLoaders Load(string path, DataLoaderOptions? options, Func<string, DataLoaderOptions, DataBlock> block)
    {
        options ??= new DataLoaderOptions();
        return block(path, options).DataLoaders(path, options.BatchSize);
    }
}
