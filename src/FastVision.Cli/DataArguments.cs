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
        Description = "With --format regex: the label is the first group of this regex on the file's path below --data, '/'-separated " +
                      "(the default takes the file name's text before its last _number: site1/monkey_prosimian_9780.jpg -> monkey_prosimian)",
        DefaultValueFactory = _ => RegexLabeller.NameBeforeNumberPattern,
    };
    private readonly Option<string> labelFrom = new("--label-from")
    {
        Description = "With --format folder: the folder that names the class: parent (default), grandparent, or N = the Nth folder of the path " +
                      "below --data, 0 = the top one (for data/<species>/<sequence>/x.jpg: grandparent or 0)",
    };
    private readonly Option<string> groupFrom = new("--group-from")
    {
        Description = "With --format folder or regex: the folder that names each image's group (a sequence or camera), parent, grandparent or N as " +
                      "for --label-from; the default split keeps each group on one side and the report lists the groups as sites. Default: no groups",
    };
    private readonly Option<string> csv = new("--csv") { Description = "With --format csv: the CSV file (relative to --data, or absolute)" };
    private readonly Option<string> pathColumn = new("--path-col")
    {
        Description = "With --format csv: the column of image paths, relative to --data", DefaultValueFactory = _ => "filepath",
    };
    private readonly Option<string> labelColumn = new("--label-col")
    {
        Description = "With --format csv: the column of labels, one per row: class names, or integer class indices (the index is the class " +
                      "name, classes sorted numerically; with --classes, index i is the i-th name)",
        DefaultValueFactory = _ => "label",
    };
    private readonly Option<string> groupColumn = new("--group-col")
    {
        Description = "With --format csv: the column naming each row's group (site, camera, sequence); the default split keeps each group on one " +
                      "side. Default: the 'site' column when there is one",
    };
    private readonly Option<string> validColumn = new("--valid-col")
    {
        Description = "With --format csv: a column that is true/1 for validation rows and false/0 for training rows (fastai's ColSplitter; overrides --split)",
    };
    private readonly Option<string> classes = new("--classes")
    {
        Description = "The class names in index order, comma-separated: labels outside them are errors, and integer CSV labels are indices into them",
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

    private IEnumerable<Option> LayoutOptions => [format, labelFrom, groupFrom, labelRegex, csv, pathColumn, labelColumn, groupColumn, validColumn, classes, split, validList, validPct];

    public IEnumerable<Option> Options => withPath ? [data, .. LayoutOptions] : LayoutOptions;

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
            Classes = parse.GetValue(classes) is { } names ? [.. names.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)] : null,
            Splitter = parse.GetValue(validList) is { } list
                ? ValidListSplitter.FromList(list.Exists ? File.ReadLines(list.FullName) : throw new DataSourceException($"{list.FullName}: file not found."))
                : null,
        };
        if (pipeline is not null) options = pipeline.Apply(parse, options, inputSize ?? Models.Architectures.Default.InputSize);
        var layout = parse.GetValue(format) ?? DetectLayout(parse, path);
        RefuseOptionsOfOtherLayouts(parse, layout);
        Console.WriteLine($"data: {path} ({layout} layout)");
        var block = layout switch
        {
            "conservision" => ImageDataLoaders.ConservisionBlock(path, options),
            "csv" => ImageDataLoaders.CsvBlock(path, parse.GetValue(csv) ?? throw new ArgumentException("--format csv needs --csv FILE."),
                parse.GetValue(pathColumn)!, parse.GetValue(labelColumn)!, options, parse.GetValue(groupColumn), parse.GetValue(validColumn)),
            "camtrap-dp" => ImageDataLoaders.CamtrapDpBlock(path, options),
            "regex" => ImageDataLoaders.NameRegexBlock(path, parse.GetValue(labelRegex)!, options, Level(parse, groupFrom)),
            _ => ImageDataLoaders.FolderBlock(path, options, Level(parse, labelFrom), Level(parse, groupFrom)),
        };
        return new PlannedData(block.Plan(path), block, options.BatchSize);
    }

    private static FolderLevel? Level(ParseResult parse, Option<string> option) =>
        parse.GetValue(option) is { } text ? FolderLevel.Parse(text, option.Name) : null;

    /// <summary>Without --format: csv when --csv is given, the package or competition layout when its files are there, else folders.</summary>
    private string DetectLayout(ParseResult parse, string path) =>
        parse.GetResult(csv) is not null ? "csv"
        : CamtrapDpSource.Detect(path) ? "camtrap-dp"
        : ConservisionSource.Detect(path) ? "conservision"
        : "folder";

    /// <summary>An option of another layout would be silently ignored: refuse it, naming the layout it belongs to.</summary>
    private void RefuseOptionsOfOtherLayouts(ParseResult parse, string layout)
    {
        (Option Option, string[] Layouts)[] owners =
        [
            (labelFrom, ["folder"]), (groupFrom, ["folder", "regex"]), (labelRegex, ["regex"]),
            (csv, ["csv"]), (pathColumn, ["csv"]), (labelColumn, ["csv"]), (groupColumn, ["csv"]), (validColumn, ["csv"]),
        ];
        foreach (var (option, layouts) in owners)
            if (parse.GetResult(option) is { Implicit: false } && !layouts.Contains(layout))
                throw new ArgumentException($"{option.Name} applies to --format {string.Join(" or ", layouts)}, not to the {layout} layout.");
    }

    private static Option<string> FormatOption()
    {
        var option = new Option<string>("--format")
        {
            Description = "folder (a folder per class, or train/ and valid/ folders; see --label-from, --group-from), conservision " +
                          "(train_features.csv + train_labels.csv), csv (a CSV of paths and labels: --csv, --path-col, --label-col, --group-col, " +
                          "--valid-col), camtrap-dp (a Camera Trap Data Package: deployments.csv, media.csv, observations.csv), or regex (labels from " +
                          "paths, see --label-regex); default: csv with --csv, camtrap-dp when media.csv and observations.csv exist, conservision " +
                          "when train_features.csv exists, else folder",
        };
        option.AcceptOnlyFromAmong("folder", "conservision", "csv", "camtrap-dp", "regex");
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
