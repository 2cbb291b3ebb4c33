using FastVision.Data;
using FastVision.Training;

namespace FastVision.Inference;

/// <summary>One image's logits (or log-probabilities), by its path.</summary>
public sealed record PredictionRow(string Path, float[] Logits);

/// <summary>
/// What one cross-validation fold model predicted: its validation fold (the out-of-fold rows) and the held-out items, as
/// logits by image path. Saved beside the fold's bundle as <see cref="File"/>, so a resumed run keeps finished folds.
/// </summary>
/// <param name="Last">The fold model's last epoch (its validation loss and metrics for the per-fold table).</param>
public sealed record FoldPredictions(int Fold, EpochResult Last, PredictionRow[] Valid, PredictionRow[] Holdout)
{
    public const string File = "fold.json";

    /// <summary>
    /// The predictions of <paramref name="learner"/>: <paramref name="validation"/> (its validation loader's, or null to make
    /// them) and the plan's held-out items through the learner's validation path.
    /// </summary>
    public static FoldPredictions Of(Learner learner, int fold, CrossValidationPlan plan, Predictions? validation = null)
    {
        var own = validation is null ? learner.GetPreds() : null;
        try
        {
            var valid = Rows(validation ?? own!, learner.Dls.Valid.Items);
            PredictionRow[] holdout = [];
            if (plan.Holdout.Count > 0)
            {
                var loader = new Data.DataLoader(plan.Holdout, plan.Data.Classes, learner.Dls.Pipeline, learner.Dls.Valid.Settings, isTrain: false);
                using var preds = learner.GetPreds(loader);
                holdout = Rows(preds, plan.Holdout);
            }
            if (learner.History.Count == 0) throw new InvalidOperationException($"Fold {fold + 1}: the model trained no epoch.");
            return new FoldPredictions(fold, learner.History[^1], valid, holdout);
        }
        finally
        {
            own?.Dispose();
        }
    }

    /// <summary>Rows of probability predictions (e.g. test-time augmented): their logs are the logits.</summary>
    public static PredictionRow[] Rows(PredictionSet set) =>
        [.. set.Rows.Select(r => new PredictionRow(r.Item.Path, [.. r.Probabilities.Select(p => MathF.Log(Math.Max(p, (float)SequenceAggregation.Floor)))]))];

    private static PredictionRow[] Rows(Predictions predictions, IReadOnlyList<ImageItem> items)
    {
        var logits = predictions.Logits.data<float>().ToArray();
        int classes = predictions.Count == 0 ? 0 : logits.Length / predictions.Count;
        return [.. Enumerable.Range(0, predictions.Count).Select(r => new PredictionRow(items[predictions.Items[r]].Path, logits[(r * classes)..((r + 1) * classes)]))];
    }

    public void Save(string directory) => JsonFiles.Write(System.IO.Path.Combine(directory, File), this);

    /// <summary>Reads a finished fold's predictions and checks they are of <paramref name="plan"/>'s fold <paramref name="fold"/>.</summary>
    public static FoldPredictions Read(string directory, int fold, CrossValidationPlan plan)
    {
        var path = System.IO.Path.Combine(directory, File);
        var saved = JsonFiles.Read<FoldPredictions>(path);
        var valid = plan.FoldData(fold).Valid.Select(i => plan.Data.Items[i].Path).ToHashSet(StringComparer.Ordinal);
        var holdout = plan.Holdout.Select(i => i.Path).ToHashSet(StringComparer.Ordinal);
        static bool Within(PredictionRow[] rows, HashSet<string> paths) => rows.All(r => r?.Path is not null && paths.Contains(r.Path))
            && rows.Select(r => r.Path).Distinct(StringComparer.Ordinal).Count() == rows.Length;
        if (saved.Fold != fold || saved.Last?.Metrics is null || saved.Valid is null || saved.Holdout is null
            || !Within(saved.Valid, valid) || !Within(saved.Holdout, holdout)
            || saved.Valid.Concat(saved.Holdout).Any(r => r.Logits?.Length != plan.Data.Classes.Count || r.Logits.Any(float.IsNaN)))
            throw new InvalidDataException($"{path}: not the predictions of fold {fold + 1} of this run ({plan.Data.Classes.Count} classes, each image once).");
        return saved;
    }
}
