using System.CommandLine;
using System.Globalization;
using FastVision.Data;
using FastVision.Inference;
using FastVision.Metrics;

namespace FastVision.Cli;

/// <summary>
/// The options of trigger sequences (the frames one camera takes in a burst): where they come from (a CSV column, else
/// EXIF capture times split at gaps) and whether predictions are pooled over each sequence.
/// </summary>
internal sealed class SequenceArguments
{
    private readonly Option<string?> column = new("--sequence-column")
    {
        Description = "The features-CSV column naming each image's sequence (mct-20: sequence); without it, sequences come from EXIF capture times",
    };
    private readonly Option<double> gap = new("--sequence-gap")
    {
        Description = "Without --sequence-column: a new sequence starts when a camera's next frame is more than this many seconds later (EXIF DateTimeOriginal)",
        DefaultValueFactory = _ => Sequences.DefaultGap.TotalSeconds,
    };
    private readonly Option<bool> aggregate = new("--aggregate-sequences")
    {
        Description = "Pool each sequence's frames (mean of log-probabilities) and give every frame its sequence's probabilities; evaluate also scores sequences",
    };

    public IEnumerable<Option> Options => [column, gap, aggregate];

    public string? Column(ParseResult parse) => parse.GetValue(column);

    /// <summary>Whether --aggregate-sequences was given.</summary>
    public bool Pooling(ParseResult parse) => parse.GetValue(aggregate);

    /// <summary>
    /// <paramref name="result"/> as the command should report it: pooled per sequence with --aggregate-sequences (sequences from
    /// the items' column, else derived from EXIF times of <paramref name="items"/>), else unchanged and no sequences.
    /// </summary>
    public (PredictionSet Frames, SequencePredictions? Sequences) Apply(ParseResult parse, PredictionSet result)
    {
        if (!parse.GetValue(aggregate)) return (result, null);
        if (parse.GetValue(gap) is not (> 0 and var seconds)) throw new ArgumentException("--sequence-gap must be a positive number of seconds.");
        var framed = result;
        if (result.Rows.Any(r => r.Item.Sequence is null))
        {
            var assigned = Sequences.FromExifTimes([.. result.Rows.Select(r => r.Item)], TimeSpan.FromSeconds(seconds));
            Console.WriteLine($"sequences: {assigned.Describe()}");
            framed = result with { Rows = [.. result.Rows.Select((r, i) => r with { Item = assigned.Items[i] })] };
        }
        var pooled = SequenceAggregation.Aggregate(framed);
        return (pooled.PerFrame(), pooled);
    }

    /// <summary>The sequence-level line of a report, e.g. "sequences: 20 (1 with mixed labels) log_loss=0.81 accuracy=0.85".</summary>
    public static string Describe(SequencePredictions pooled)
    {
        var scores = pooled.Score([new LogLoss(), new Accuracy()]);
        return string.Create(CultureInfo.InvariantCulture,
            $"sequences: {pooled.Sequences.Count} ({pooled.Mixed.Count} with mixed labels) log_loss={scores["log_loss"]:F4} accuracy={scores["accuracy"]:F4}");
    }
}
