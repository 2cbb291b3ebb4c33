using System.CommandLine;
using FastVision.Data;

namespace FastVision.Cli;

/// <summary>The options that describe a data set, shared by every command that loads one.</summary>
internal sealed class DataArguments
{
    private readonly Option<string> data = new("--data") { Description = "Data folder", Required = true };
    private readonly Option<string> format = new("--format")
    {
        Description = "folder (a folder per class, or train/ and valid/ folders), conservision (train_features.csv + train_labels.csv), " +
                      "or regex (labels from file names, see --label-regex); default: conservision when train_features.csv exists, else folder",
    };
    private readonly Option<string> labelRegex = new("--label-regex")
    {
        Description = "With --format regex: the label is the first group of this regex on the file name",
        DefaultValueFactory = _ => @"^(.+)_\d+\.jpe?g$",
    };
    private readonly Option<SplitKind> split = new("--split")
    {
        Description = "auto (train/valid folders, else by site when a site column exists, else random), random, site or folder",
        DefaultValueFactory = _ => SplitKind.Auto,
    };
    private readonly Option<FileInfo> validList = new("--valid-list")
    {
        Description = "A text file naming the validation images, one id, file name or path per line (overrides --split)",
    };
    private readonly Option<double> validPct = new("--valid-pct") { Description = "Share of images held out for validation", DefaultValueFactory = _ => 0.2 };
    private readonly Option<int> presize = new("--presize") { Description = "Presizing size (0: 460/224 of --size, as fastai)", DefaultValueFactory = _ => 0 };
    private readonly Option<double> minScale = new("--min-scale") { Description = "Random-resized crop: smallest share of the area kept (1: no crop)", DefaultValueFactory = _ => 0.75 };
    private readonly Option<bool> noAugment = new("--no-augment") { Description = "Train without augmentation (resize only)" };
    private readonly Option<BadImagePolicy> onBadImage = CommonOptions.OnBadImage();
    private readonly Option<bool> cache = new("--cache") { Description = "Cache presized images on disk (later epochs and runs skip JPEG decoding)" };
    private readonly Option<string> cacheDir = new("--cache-dir") { Description = "Folder of the presize cache (implies --cache); default: ~/.cache/fastvision/presize" };
    private readonly Option<int> size;
    private readonly Option<int> batchSize = CommonOptions.BatchSize();
    private readonly Option<int> seed;

    public DataArguments(int defaultSize, int defaultSeed = 42)
    {
        format.AcceptOnlyFromAmong("folder", "conservision", "regex");
        size = CommonOptions.Size(defaultSize);
        seed = CommonOptions.Seed(defaultSeed);
    }

    public Option<int> Seed => seed;

    public IEnumerable<Option> Options => [data, format, labelRegex, split, validList, validPct, size, presize, batchSize, minScale, noAugment, onBadImage, cache, cacheDir, seed];

    /// <summary>Loads --data (or <paramref name="path"/>) with the parsed options, printing the layout it chose.</summary>
    public DataLoaders Load(ParseResult parse, string? path = null) => Plan(parse, path).Loaders();

    /// <summary>Items, labels and split of --data (or <paramref name="path"/>) without loaders, printing the layout it chose.</summary>
    public PlannedData Plan(ParseResult parse, string? path = null)
    {
        path ??= parse.GetValue(data)!;
        var options = Parse(parse);
        var block = Block(parse, path, options);
        return new PlannedData(block.Plan(path), block, options.BatchSize);
    }

    private DataBlock Block(ParseResult parse, string path, DataLoaderOptions options)
    {
        var layout = parse.GetValue(format) ?? (ConservisionSource.Detect(path) ? "conservision" : "folder");
        Console.WriteLine($"data: {path} ({layout} layout)");
        return layout switch
        {
            "conservision" => ImageDataLoaders.ConservisionBlock(path, options),
            "regex" => ImageDataLoaders.NameRegexBlock(path, parse.GetValue(labelRegex)!, options),
            _ => ImageDataLoaders.FolderBlock(path, options),
        };
    }

    /// <summary>The options as given; those the command does not offer keep <see cref="DataLoaderOptions"/>' defaults.</summary>
    private DataLoaderOptions Parse(ParseResult parse)
    {
        var defaults = new DataLoaderOptions();
        return new DataLoaderOptions
        {
            Size = parse.ValueOr(size, defaults.Size), Presize = parse.ValueOr(presize, defaults.Presize), BatchSize = parse.ValueOr(batchSize, defaults.BatchSize),
            ValidPct = parse.ValueOr(validPct, defaults.ValidPct), Seed = parse.ValueOr(seed, defaults.Seed), Split = parse.ValueOr(split, defaults.Split),
            Splitter = parse.ValueOr(validList, null!) is { } list
                ? ValidListSplitter.FromList(list.Exists ? File.ReadLines(list.FullName) : throw new DataSourceException($"{list.FullName}: file not found."))
                : null,
            Augment = !parse.ValueOr(noAugment, false), MinScale = parse.ValueOr(minScale, defaults.MinScale), OnBadImage = parse.ValueOr(onBadImage, defaults.OnBadImage),
            CacheDirectory = parse.ValueOr(cacheDir, null!) ?? (parse.ValueOr(cache, false) ? Path.Combine(FastVisionPaths.CacheDirectory, "presize") : null),
        };
    }
}

/// <summary>A data set planned with the parsed options: reportable before <see cref="Loaders"/> decides on batches.</summary>
internal sealed record PlannedData(DataSet Data, DataBlock Block, int BatchSize)
{
    /// <summary>The loaders, printing the batch size when the training set is smaller than a batch.</summary>
    public DataLoaders Loaders()
    {
        var dls = Block.DataLoaders(Data, BatchSize);
        if (dls.BatchSizing.Notice is { } notice) Console.WriteLine(notice);
        dls.Issues.ImageSkipped += (file, reason) => Console.Error.WriteLine($"skipped: {(reason.StartsWith(file, StringComparison.Ordinal) ? reason : $"{file}: {reason}")}");
        return dls;
    }
}
