using System.Globalization;
using FastVision.Data;
using FastVision.Metrics;
using TorchSharp;
using static TorchSharp.torch;

namespace FastVision.Inference;

/// <summary>Log loss, accuracy and balanced accuracy of a set of predictions.</summary>
public sealed record PredictionScores(int Images, double LogLoss, double Accuracy, double BalancedAccuracy)
{
    public static PredictionScores Of(PredictionSet set)
    {
        var scores = Metric.OfProbabilities([.. set.Rows.Select(r => r.Probabilities)], [.. set.Rows.Select(r => r.Target)],
            [new LogLoss(), new Accuracy(), new BalancedAccuracy()]);
        return new PredictionScores(set.Rows.Count, scores["log_loss"], scores["accuracy"], scores["balanced_accuracy"]);
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"log_loss {LogLoss:F4}, accuracy {Accuracy:F4}, balanced accuracy {BalancedAccuracy:F4} ({Images} images)");
}

/// <summary>
/// Cross-validation's figures from its folds' predictions: the out-of-fold predictions (every item predicted by the one model
/// that did not train on it) with one temperature fitted on them, and the held-out items predicted by the ensemble of the fold
/// models (each member's logits divided by that temperature, then combined as <see cref="EnsembleEngine"/> does).
/// </summary>
/// <param name="Temperature">The one temperature fitted on the out-of-fold logits; the ensemble bundle applies it.</param>
/// <param name="RawLogLoss">The out-of-fold log loss before the temperature.</param>
/// <param name="OutOfFold">Calibrated out-of-fold probabilities, one row per item of the folds.</param>
/// <param name="Holdout">The ensemble's probabilities of the held-out items; null without a holdout.</param>
public sealed record CrossValidationResult(CrossValidationPlan Plan, IReadOnlyList<FoldPredictions> Folds, double Temperature, double RawLogLoss,
    PredictionSet OutOfFold, PredictionSet? Holdout)
{
    public PredictionScores OutOfFoldScores { get; } = PredictionScores.Of(OutOfFold);
    public PredictionScores? HoldoutScores { get; } = Holdout is null ? null : PredictionScores.Of(Holdout);

    public static CrossValidationResult Score(CrossValidationPlan plan, IReadOnlyList<FoldPredictions> folds, EnsembleCombination combination = EnsembleCombination.Mean)
    {
        if (folds.Count == 0) throw new ArgumentException("No fold predictions.", nameof(folds));
        var data = plan.Data;
        var itemOf = data.Items.Concat(plan.Holdout).ToDictionary(i => i.Path, StringComparer.Ordinal);
        var classIndex = data.Classes.Select((c, k) => (c, k)).ToDictionary(p => p.c, p => p.k);
        int Target(ImageItem item) => classIndex[item.Label!];

        var rows = folds.SelectMany(f => f.Valid).ToList();
        using var scope = NewDisposeScope();
        var logits = Matrix(rows.Select(r => r.Logits), data.Classes.Count);
        var targets = tensor(rows.Select(r => (long)Target(itemOf[r.Path])).ToArray());
        double temperature = TemperatureScaling.Fit(logits, targets);
        double rawLogLoss = TemperatureScaling.LogLoss(logits, targets);
        using var t = temperature.ToScalar();
        var outOfFold = Set(data.Classes, rows.Select(r => itemOf[r.Path]).ToList(), logits.div(t).softmax(1), Target);

        PredictionSet? holdout = null;
        if (plan.Holdout.Count > 0)
        {
            // Items every fold model read (a bad image is skipped by all of them alike).
            var byPath = folds.Select(f => f.Holdout.ToDictionary(r => r.Path, r => r.Logits, StringComparer.Ordinal)).ToList();
            var paths = folds[0].Holdout.Select(r => r.Path).Where(p => byPath.All(d => d.ContainsKey(p))).ToList();
            var members = byPath.Select(d => Matrix(paths.Select(p => d[p]), data.Classes.Count)).ToList();
            holdout = Set(data.Classes, paths.Select(p => itemOf[p]).ToList(), EnsembleEngine.Combine(members, temperature, combination).exp(), Target);
        }
        return new CrossValidationResult(plan, folds, temperature, rawLogLoss, outOfFold, holdout);
    }

    private static Tensor Matrix(IEnumerable<float[]> rows, int classes)
    {
        var values = rows.SelectMany(r => r).ToArray();
        return tensor(values, [values.Length / classes, classes]);
    }

    private static PredictionSet Set(IReadOnlyList<string> classes, IReadOnlyList<ImageItem> items, Tensor probabilities, Func<ImageItem, int> target)
    {
        var values = probabilities.data<float>().ToArray();
        int c = classes.Count;
        return new PredictionSet(classes, [.. items.Select((item, r) => new ImagePrediction(item, values[(r * c)..((r + 1) * c)], target(item)))], []);
    }

    /// <summary>
    /// <c>oof.csv</c> (calibrated out-of-fold probabilities with each image's fold), <c>holdout.csv</c> (the ensemble's
    /// probabilities of the held-out images), <c>cv.json</c> (the per-fold and overall figures) and, when the folds were exported, <c>ensemble.json</c> (the fold
    /// bundles <c>fold-k</c> with the temperature), so <paramref name="directory"/> predicts as one model.
    /// </summary>
    public void Save(string directory)
    {
        var inv = CultureInfo.InvariantCulture;
        var foldOf = Folds.SelectMany(f => f.Valid.Select(r => (r.Path, f.Fold))).ToDictionary(p => p.Path, p => p.Fold, StringComparer.Ordinal);
        var header = "id,path,fold,label," + string.Join(",", OutOfFold.Classes);
        string Row(ImagePrediction r, string fold) => string.Join(",", new[] { r.Item.Id ?? "", r.Item.Path, fold, r.Item.Label ?? "" }
            .Concat(r.Probabilities.Select(p => p.ToString("G7", inv))));
        AtomicFile.WriteAllText(Path.Combine(directory, "oof.csv"),
            string.Join("\n", OutOfFold.Rows.Select(r => Row(r, (foldOf[r.Item.Path] + 1).ToString(inv))).Prepend(header)) + "\n");
        if (Holdout is not null)
            AtomicFile.WriteAllText(Path.Combine(directory, "holdout.csv"), string.Join("\n", Holdout.Rows.Select(r => Row(r, "holdout")).Prepend(header)) + "\n");
        JsonFiles.Write(Path.Combine(directory, "cv.json"), new
        {
            Plan.Data.Split,
            Folds = Folds.Select(f => new
            {
                Fold = f.Fold + 1, Train = Plan.FoldOf.Count(k => k != f.Fold), Valid = Plan.FoldOf.Count(k => k == f.Fold), f.Last.ValidLoss, f.Last.Accuracy,
            }),
            OutOfFold = new { OutOfFoldScores.Images, RawLogLoss, OutOfFoldScores.LogLoss, OutOfFoldScores.Accuracy, OutOfFoldScores.BalancedAccuracy, Temperature },
            Holdout = HoldoutScores,
        });
        var members = Folds.Select(f => CrossValidation.FoldFolder(f.Fold)).ToArray();
        if (members.All(m => File.Exists(Path.Combine(directory, m, ModelBundle.MetadataFile)))) // the folds were exported
            new EnsembleBundle(members, Temperature).Save(directory);
    }
}
