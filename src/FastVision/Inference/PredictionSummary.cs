using System.Globalization;

namespace FastVision.Inference;

/// <summary>One predicted class in a <see cref="PredictionSummary"/>: its images, their share of the predicted ones, their mean top probability.</summary>
public sealed record PredictedClassSummary(string Class, int Images, double Share, double MeanProbability);

/// <summary>
/// What a prediction output holds, counted record by record (a streamed job never holds them all): images per predicted
/// class with their mean top probability, and the images that failed. <see cref="PredictionJob"/> keeps two: what a run
/// added, and the whole output (a resumed job's earlier lines counted as they are read back).
/// </summary>
public sealed class PredictionSummary(IReadOnlyList<string> classes)
{
    private readonly int[] images = new int[classes.Count];
    private readonly double[] probabilitySums = new double[classes.Count];

    public int Predicted { get; private set; }
    public int Failed { get; private set; }

    public void Add(IEnumerable<PredictionRecord> records)
    {
        foreach (var r in records) Add(r);
    }

    public void Add(PredictionRecord r)
    {
        if (r.Failed) Failed++;
        else if (r.Probabilities is { } p) // null: a line read back with no classes (a MegaDetector line without classifications)
        {
            Predicted++;
            images[r.Predicted]++;
            probabilitySums[r.Predicted] += p[r.Predicted];
        }
    }

    /// <summary>The predicted classes, most images first (ties by name); classes nothing was predicted as are left out.</summary>
    public IReadOnlyList<PredictedClassSummary> Classes =>
    [
        .. Enumerable.Range(0, classes.Count).Where(c => images[c] > 0)
            .Select(c => new PredictedClassSummary(classes[c], images[c], (double)images[c] / Predicted, probabilitySums[c] / images[c]))
            .OrderByDescending(s => s.Images).ThenBy(s => s.Class, StringComparer.Ordinal),
    ];

    /// <summary>Images per predicted class, by name.</summary>
    public IReadOnlyDictionary<string, int> Counts => Classes.ToDictionary(s => s.Class, s => s.Images, StringComparer.Ordinal);

    /// <summary>A short table: class, images, share, mean top probability; then the failures, if any.</summary>
    public string Format()
    {
        var rows = Classes;
        int width = Math.Max("predicted".Length, rows.Count == 0 ? 0 : rows.Max(r => r.Class.Length));
        var inv = CultureInfo.InvariantCulture;
        var lines = new List<string> { $"{"predicted".PadRight(width)}  {"images",7}  {"share",6}  {"mean p",6}" };
        lines.AddRange(rows.Select(r => string.Create(inv, $"{r.Class.PadRight(width)}  {r.Images,7}  {100 * r.Share,5:0.0}%  {r.MeanProbability,6:0.000}")));
        if (rows.Count == 0) lines.Add("(no image predicted)");
        if (Failed > 0) lines.Add(string.Create(inv, $"{"failed".PadRight(width)}  {Failed,7}"));
        return string.Join(Environment.NewLine, lines);
    }
}
