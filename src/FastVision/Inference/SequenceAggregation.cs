using FastVision.Data;
using FastVision.Metrics;
using DataLoader = FastVision.Data.DataLoader;

namespace FastVision.Inference;

/// <summary>
/// One camera-trap sequence's pooled prediction. <see cref="Target"/> is the class most of its labelled frames have (ties go to
/// the class listed first), or <see cref="DataLoader.Unlabelled"/> when none is labelled; <see cref="MixedLabels"/> says the
/// labelled frames disagree (an animal leaving the frame, a second species, a labelling slip) — such a sequence is scored by
/// that majority class, and reports should list it.
/// </summary>
public sealed record SequencePrediction(string Sequence, IReadOnlyList<ImagePrediction> Frames, float[] Probabilities, int Target, bool MixedLabels)
{
    public int Predicted => Array.IndexOf(Probabilities, Probabilities.Max());
}

/// <summary>Frame predictions pooled per sequence, with the views submissions (per image) and reports (per sequence) need.</summary>
public sealed record SequencePredictions(PredictionSet Frames, IReadOnlyList<SequencePrediction> Sequences)
{
    /// <summary>
    /// The frame rows in their order, each carrying its sequence's probabilities: what a per-image submission writes when
    /// predictions are pooled over sequences.
    /// </summary>
    public PredictionSet PerFrame()
    {
        var pooled = new Dictionary<ImagePrediction, float[]>(ReferenceEqualityComparer.Instance);
        foreach (var sequence in Sequences)
            foreach (var frame in sequence.Frames) pooled[frame] = sequence.Probabilities;
        return Frames with { Rows = Frames.Rows.Select(r => r with { Probabilities = (float[])pooled[r].Clone() }).ToList() };
    }

    /// <summary>
    /// One row per sequence, for the per-image report code to show sequences: the item is the sequence's first frame with the
    /// sequence id as <see cref="ImageItem.Id"/> and the majority class as its label.
    /// </summary>
    public PredictionSet PerSequence() => Frames with
    {
        Rows = Sequences.Select(s => new ImagePrediction(
            s.Frames[0].Item with { Id = s.Sequence, Label = s.Target == DataLoader.Unlabelled ? null : Frames.Classes[s.Target] },
            s.Probabilities, s.Target)).ToList(),
    };

    /// <summary>Sequences whose labelled frames disagree (see <see cref="SequencePrediction.MixedLabels"/>).</summary>
    public IReadOnlyList<SequencePrediction> Mixed => Sequences.Where(s => s.MixedLabels).ToList();

    /// <summary>
    /// Sequence-level metrics over the labelled sequences (default: log loss and accuracy), each sequence counting once
    /// whatever its number of frames — the score of one event, not of its burst length.
    /// </summary>
    public IReadOnlyDictionary<string, double> Score(IReadOnlyList<IMetric>? metrics = null)
    {
        var labelled = Sequences.Where(s => s.Target != DataLoader.Unlabelled).ToList();
        return Metric.OfProbabilities(labelled.Select(s => s.Probabilities).ToList(), labelled.Select(s => s.Target).ToList(),
            metrics ?? [Metric.LogLoss(), Metric.Accuracy()]);
    }
}

/// <summary>
/// Pools frame predictions over camera-trap sequences: the frames of one trigger show the same animal, so one blurred or empty
/// frame should not decide alone. The pooled distribution is the mean of the frames' log-probabilities, renormalized with a
/// softmax (the normalized geometric mean): a class one frame rules out stays unlikely, unlike with the arithmetic mean, and a
/// one-frame sequence keeps its probabilities.
/// </summary>
public static class SequenceAggregation
{
    /// <summary>Probabilities are floored here before the log, as the log loss clips them, so that a 0 does not veto a class outright.</summary>
    public const double Floor = 1e-15;

    /// <summary>
    /// Groups <paramref name="frames"/> by <see cref="ImageItem.Sequence"/> (sequences in order of their first frame); a frame
    /// without a sequence is its own one-frame sequence, named by its id or else its path.
    /// </summary>
    public static SequencePredictions Aggregate(PredictionSet frames)
    {
        var sequences = frames.Rows.GroupBy(r => r.Item.Sequence ?? r.Item.Id ?? r.Item.Path, StringComparer.Ordinal)
            .Select(g => Pool(g.Key, g.ToList(), frames.Classes.Count)).ToList();
        return new SequencePredictions(frames, sequences);
    }

    /// <summary>softmax(mean over frames of log max(p, <see cref="Floor"/>)), computed in double.</summary>
    public static float[] MeanLogProbabilities(IReadOnlyList<float[]> frames)
    {
        if (frames.Count == 0) throw new ArgumentException("A sequence needs at least one frame.", nameof(frames));
        int classes = frames[0].Length;
        var meanLog = new double[classes];
        foreach (var p in frames)
        {
            if (p.Length != classes) throw new ArgumentException($"Frames have {classes} and {p.Length} probabilities.", nameof(frames));
            for (int c = 0; c < classes; c++) meanLog[c] += Math.Log(Math.Max(p[c], Floor)) / frames.Count;
        }
        double max = meanLog.Max();
        var exp = meanLog.Select(v => Math.Exp(v - max)).ToArray();
        double sum = exp.Sum();
        return exp.Select(v => (float)(v / sum)).ToArray();
    }

    private static SequencePrediction Pool(string sequence, List<ImagePrediction> frames, int classCount)
    {
        if (frames.Any(f => f.Probabilities.Length != classCount))
            throw new ArgumentException($"Sequence '{sequence}': a frame has not {classCount} probabilities ({frames.First(f => f.Probabilities.Length != classCount).Item.Describe()}).");
        var votes = frames.Where(f => f.Target != DataLoader.Unlabelled).GroupBy(f => f.Target)
            .Select(g => (Target: g.Key, Count: g.Count())).OrderByDescending(v => v.Count).ThenBy(v => v.Target).ToList();
        return new SequencePrediction(sequence, frames, MeanLogProbabilities(frames.Select(f => f.Probabilities).ToList()),
            votes.Count == 0 ? DataLoader.Unlabelled : votes[0].Target, votes.Count > 1);
    }
}
