using System.CommandLine;
using FastVision.Data;

namespace FastVision.Cli;

/// <summary>
/// The options of detector crops: a MegaDetector results file for the images, and (for training) the crop policy the model
/// is trained with and keeps in its bundle. Predicting commands take the file only: the policy is the model's.
/// </summary>
internal sealed class DetectionArguments(bool withPolicy)
{
    private readonly Option<FileInfo?> detections = new("--detections")
    {
        Description = "MegaDetector batch output (md.json: images[].file relative to the data folder, detections[] {category, conf, bbox})",
    };
    private readonly Option<double> threshold = new("--detection-threshold")
    {
        Description = "With --detections: crop to animal boxes at least this confident (MegaDetector's typical 0.2); others keep the full image",
        DefaultValueFactory = _ => 0.2,
    };
    private readonly Option<CropMode> mode = new("--crop-mode") { Description = "TopBox (the most confident box) or UnionOfKeptBoxes", DefaultValueFactory = _ => CropMode.TopBox };

    private readonly Option<string> views = new("--views")
    {
        Description = "With --detections: crop (train and predict on the detector crop) or full,crop (also on each cropped image whole; prediction averages both)",
        DefaultValueFactory = _ => "crop",
    };

    public IEnumerable<Option> Options => withPolicy ? [detections, threshold, mode, views] : [detections];

    /// <summary>The results file, read and checked (with its problems reported through <paramref name="issues"/>); null when not given.</summary>
    public MegaDetectorResults? Results(ParseResult parse, DataIssues? issues = null) =>
        parse.GetValue(detections) is { } file ? MegaDetectorResults.Read(file.FullName, issues) : null;

    /// <summary>The crop policy to train with: only with --detections.</summary>
    public DetectionCrop? Policy(ParseResult parse)
    {
        if (!withPolicy || parse.GetValue(detections) is null) return null;
        var t = parse.GetValue(threshold);
        if (!(t is >= 0 and <= 1)) throw new ArgumentException($"--detection-threshold {t}: a confidence is in [0, 1].");
        return new DetectionCrop(t, parse.GetValue(mode));
    }

    /// <summary>Whether --views asks for the whole image beside the crop (<see cref="ImagePipeline.FullView"/>); only with --detections.</summary>
    public bool FullView(ParseResult parse)
    {
        if (!withPolicy) return false;
        var given = parse.GetValue(views)!;
        var named = given.Split(',', StringSplitOptions.TrimEntries).Select(v => v.ToLowerInvariant()).Order(StringComparer.Ordinal).ToArray();
        bool full = named switch
        {
            ["crop"] => false,
            ["crop", "full"] => true,
            _ => throw new ArgumentException($"--views {given}: crop, or full,crop for both the crop and the whole image."),
        };
        if (full && parse.GetValue(detections) is null) throw new ArgumentException($"--views {given}: the crop view needs --detections (the boxes to crop to).");
        return full;
    }

    /// <summary>Items with their detections from <paramref name="results"/> (paths relative to <paramref name="root"/>); unchanged without results.</summary>
    public static IReadOnlyList<ImageItem> Attach(MegaDetectorResults? results, IReadOnlyList<ImageItem> items, string root)
    {
        if (items.Count == 0 || results is null) return items;
        var found = items.Select(i => i with { Detections = results.Find(i, root) }).ToList();
        Console.WriteLine($"detections: {results.Path}: {found.Count(i => i.Detections is not null)} of {found.Count} images listed");
        return found;
    }
}
