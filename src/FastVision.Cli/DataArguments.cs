using System.CommandLine;
using FastVision.Data;

namespace FastVision.Cli;

/// <summary>The options that say where a labelled data set is, how it is laid out and how it is split.</summary>
/// <param name="withPath">Offer <c>--data</c>; false for a command that makes its own data (demo).</param>
internal sealed class DataArguments(RunArguments run, bool withPath = true)
{
    private readonly Option<string> data = new("--data") { Description = "Data folder", Required = true };
    private readonly Option<string> format = FormatOption();
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

    public IEnumerable<Option> Options => withPath ? [data, format, labelRegex, split, validList, validPct] : [format, labelRegex, split, validList, validPct];

    /// <summary>
    /// Items, labels and split of --data (or <paramref name="path"/>) without loaders, printing the layout it chose. The pipeline
    /// and batch options come from <paramref name="pipeline"/> when the command offers them, else they keep their defaults.
    /// </summary>
    /// <param name="inputSize">The model's input size, the default --size; null: the default architecture's.</param>
    /// <param name="sequences">The sequence options when the command offers them (the features CSV's sequence column).</param>
    /// <param name="detections">The detector options when the command offers them.</param>
    public PlannedData Plan(ParseResult parse, PipelineArguments? pipeline = null, int? inputSize = null, string? path = null, SequenceArguments? sequences = null,
        DetectionArguments? detections = null)
    {
        path ??= parse.GetValue(data)!;
        var options = new DataLoaderOptions
        {
            ValidPct = parse.GetValue(validPct), Seed = parse.GetValue(run.Seed), Split = parse.GetValue(split), OnBadImage = parse.GetValue(run.OnBadImage),
            SequenceColumn = sequences?.Column(parse),
            Detections = detections?.Results(parse),
            Crop = detections?.Policy(parse),
            FullView = detections?.FullView(parse) ?? false,
            Splitter = parse.GetValue(validList) is { } list
                ? ValidListSplitter.FromList(list.Exists ? File.ReadLines(list.FullName) : throw new DataSourceException($"{list.FullName}: file not found."))
                : null,
        };
        if (pipeline is not null) options = pipeline.Apply(parse, options, inputSize ?? Models.Architectures.Default.InputSize);
        var layout = parse.GetValue(format) ?? (ConservisionSource.Detect(path) ? "conservision" : "folder");
        Console.WriteLine($"data: {path} ({layout} layout)");
        var block = layout switch
        {
            "conservision" => ImageDataLoaders.ConservisionBlock(path, options),
            "regex" => ImageDataLoaders.NameRegexBlock(path, parse.GetValue(labelRegex)!, options),
            _ => ImageDataLoaders.FolderBlock(path, options),
        };
        return new PlannedData(block.Plan(path), block, options.BatchSize);
    }

    private static Option<string> FormatOption()
    {
        var option = new Option<string>("--format")
        {
            Description = "folder (a folder per class, or train/ and valid/ folders), conservision (train_features.csv + train_labels.csv), " +
                          "or regex (labels from file names, see --label-regex); default: conservision when train_features.csv exists, else folder",
        };
        option.AcceptOnlyFromAmong("folder", "conservision", "regex");
        return option;
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
