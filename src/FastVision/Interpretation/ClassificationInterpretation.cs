using System.Globalization;
using System.Text;
using FastVision.Data;
using FastVision.Inference;
using FastVision.Training;

namespace FastVision.Interpretation;

/// <summary>Precision, recall and F1 of one class, and how many images of it there are.</summary>
public sealed record ClassScores(string Class, double Precision, double Recall, double F1, int Support);

/// <summary>Images of class <see cref="Actual"/> predicted as <see cref="Predicted"/>.</summary>
public sealed record ConfusedPair(string Actual, string Predicted, int Count);

/// <summary>One of the worst-predicted images: its loss and the probability of the class it was given.</summary>
public sealed record TopLoss(ImageItem Item, string Actual, string Predicted, double Loss, double Probability);

/// <summary>
/// fastai's ClassificationInterpretation over labelled predictions: confusion matrix (counts and
/// row-normalized), most_confused, top_losses, and per-class precision/recall/F1.
/// </summary>
public sealed class ClassificationInterpretation
{
    private readonly int[,] matrix;

    public ClassificationInterpretation(IReadOnlyList<string> classes, IReadOnlyList<ImagePrediction> rows)
    {
        if (rows.FirstOrDefault(r => r.Target < 0 || r.Target >= classes.Count) is { } unlabelled)
            throw new ArgumentException($"{unlabelled.Item.Describe()}: interpretation needs labelled images.");
        Classes = classes;
        Rows = rows;
        matrix = new int[classes.Count, classes.Count];
        foreach (var r in rows) matrix[r.Target, r.Predicted]++;
    }

    /// <summary>
    /// The validation set's predictions (with the learner's calibration, if fitted); <paramref name="validation"/>: the
    /// validation predictions when the caller already has them.
    /// </summary>
    public static ClassificationInterpretation FromLearner(Learner learn, Predictions? validation = null)
    {
        var preds = validation ?? learn.GetPreds();
        try
        {
            var probabilities = preds.Probabilities(learn.Calibration?.Temperature ?? 1);
            var items = learn.Dls.Valid.Items;
            return new ClassificationInterpretation(learn.Dls.Classes,
                preds.Items.Select((item, r) => new ImagePrediction(items[item], probabilities[r], preds.Targets[r])).ToList());
        }
        finally
        {
            if (validation is null) preds.Dispose();
        }
    }

    public IReadOnlyList<string> Classes { get; }
    public IReadOnlyList<ImagePrediction> Rows { get; }

    /// <summary>Counts: row = actual class, column = predicted class.</summary>
    public int[,] ConfusionMatrix() => (int[,])matrix.Clone();

    /// <summary>Each row divided by its total (the share of each actual class given each prediction); empty rows stay 0.</summary>
    public double[,] NormalizedConfusionMatrix()
    {
        int n = Classes.Count;
        var result = new double[n, n];
        for (int a = 0; a < n; a++)
        {
            double total = Enumerable.Range(0, n).Sum(p => matrix[a, p]);
            for (int p = 0; p < n; p++) result[a, p] = total == 0 ? 0 : matrix[a, p] / total;
        }
        return result;
    }

    /// <summary>Off-diagonal cells with at least <paramref name="minVal"/> images, most first (fastai's most_confused).</summary>
    public IReadOnlyList<ConfusedPair> MostConfused(int minVal = 1) =>
        (from a in Enumerable.Range(0, Classes.Count)
         from p in Enumerable.Range(0, Classes.Count)
         where a != p && matrix[a, p] >= minVal
         orderby matrix[a, p] descending, Classes[a], Classes[p]
         select new ConfusedPair(Classes[a], Classes[p], matrix[a, p])).ToList();

    /// <summary>The <paramref name="k"/> images with the highest loss, -log p(actual class), worst first.</summary>
    public IReadOnlyList<TopLoss> TopLosses(int k) =>
        Rows.Select(r => new TopLoss(r.Item, Classes[r.Target], Classes[r.Predicted],
                -Math.Log(Math.Max(r.Probabilities[r.Target], 1e-15)), r.Probabilities[r.Predicted]))
            .OrderByDescending(t => t.Loss).ThenBy(t => t.Item.Path, StringComparer.Ordinal).Take(k).ToList();

    public IReadOnlyList<ClassScores> PerClass() => Enumerable.Range(0, Classes.Count).Select(c =>
    {
        int tp = matrix[c, c];
        int predicted = Enumerable.Range(0, Classes.Count).Sum(a => matrix[a, c]);
        int actual = Enumerable.Range(0, Classes.Count).Sum(p => matrix[c, p]);
        double precision = predicted == 0 ? 0 : (double)tp / predicted, recall = actual == 0 ? 0 : (double)tp / actual;
        double f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
        return new ClassScores(Classes[c], precision, recall, f1, actual);
    }).ToList();

    /// <summary>Confusion matrix (counts, or with <paramref name="normalize"/> each row's shares), per-class scores and the most confused pairs as plain text.</summary>
    public string Report(int mostConfusedMinVal = 1, bool normalize = false)
    {
        var text = new StringBuilder();
        int width = Math.Max(8, Classes.Max(c => c.Length) + 1);
        var shares = normalize ? NormalizedConfusionMatrix() : null;
        text.AppendLine(normalize ? "confusion matrix, row-normalized (rows: actual, columns: predicted; each row's shares)" : "confusion matrix (rows: actual, columns: predicted)");
        text.Append(new string(' ', width)).AppendJoin("", Classes.Select(c => c.PadLeft(width))).AppendLine();
        for (int a = 0; a < Classes.Count; a++)
        {
            text.Append(Classes[a].PadRight(width));
            for (int p = 0; p < Classes.Count; p++)
                text.Append((shares is null ? matrix[a, p].ToString(CultureInfo.InvariantCulture) : shares[a, p].ToString("0.00", CultureInfo.InvariantCulture)).PadLeft(width));
            text.AppendLine();
        }
        text.AppendLine().AppendLine($"{"class".PadRight(width)} precision   recall       f1  support");
        foreach (var s in PerClass())
            text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"{s.Class.PadRight(width)} {s.Precision,9:F3} {s.Recall,8:F3} {s.F1,8:F3} {s.Support,8}"));
        var confused = MostConfused(mostConfusedMinVal);
        text.AppendLine().AppendLine(confused.Count == 0 ? "most confused: none" : "most confused (actual -> predicted: images)");
        foreach (var c in confused) text.AppendLine($"  {c.Actual} -> {c.Predicted}: {c.Count}");
        return text.ToString();
    }
}
