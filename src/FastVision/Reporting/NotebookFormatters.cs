using System.Globalization;
using FastVision.Data;
using FastVision.Inference;
using FastVision.Interpretation;
using FastVision.Training;
using Microsoft.DotNet.Interactive.Formatting;
using static System.Net.WebUtility;

namespace FastVision.Reporting;

/// <summary>
/// How FastVision's objects display themselves in a notebook (.NET Interactive): HTML tables with the pictures embedded
/// as PNG. <see cref="DataLoaders"/> shows the data report, a training batch and a few images of each class, a <see cref="Learner"/> its epoch table
/// and loss plot, an <see cref="LrFindResult"/> its plot and suggestions, a <see cref="ClassificationInterpretation"/>
/// the confusion matrix, per-class scores and top losses, a <see cref="PredictionSet"/> a table of its first rows. The pictures are the ones the CLI writes as files.
/// </summary>
public static class NotebookFormatters
{
    /// <summary>Registers the formatters with .NET Interactive and makes HTML the preferred display of these types.</summary>
    public static void Register()
    {
        Formatter.Register<DataLoaders>(Html, HtmlFormatter.MimeType);
        Formatter.Register<Learner>(Html, HtmlFormatter.MimeType);
        Formatter.Register<LrFindResult>(Html, HtmlFormatter.MimeType);
        Formatter.Register<ClassificationInterpretation>(Html, HtmlFormatter.MimeType);
        Formatter.Register<PredictionSet>(p => Html(p), HtmlFormatter.MimeType);
        Formatter.Register<HtmlFragment>(fragment => fragment.Html, HtmlFormatter.MimeType);
        foreach (var type in new[] { typeof(DataLoaders), typeof(Learner), typeof(LrFindResult), typeof(ClassificationInterpretation), typeof(PredictionSet), typeof(HtmlFragment) })
            Formatter.SetPreferredMimeTypesFor(type, HtmlFormatter.MimeType);
    }

    public static string Html(DataLoaders dls)
    {
        var counts = DataSetReport.ClassCounts(dls.Data);
        return Section($"DataLoaders: {dls.Classes.Count} classes, {dls.Train.Count} train / {dls.Valid.Count} valid, {dls.Size} px, batch {dls.BatchSizing.Effective}",
            HtmlTable.Of(["class", "train", "valid", "total"], counts.Select(c => new[] { c.Class, Text(c.Train), Text(c.Valid), Text(c.Train + c.Valid) }), "fastvision-classes") +
            Details("Data report", $"<pre>{HtmlEncode(DataSetReport.Build(dls.Data))}</pre>") +
            Details("Pipeline", $"<pre>{HtmlEncode(PipelineSummary.Build(dls))}</pre>") +
            "<h4>A training batch</h4>" + Png("training batch", path => BatchGrid.Save(dls.Train, dls.Classes, path)) +
            "<h4>Each class</h4>" + Png("class gallery", path => ClassGallery.Save(dls, path)));
    }

    public static string Html(Learner learn)
    {
        var title = learn is VisionLearner v
            ? $"{v.Architecture.Name}: {learn.Dls.Classes.Count} classes, {learn.Dls.Size} px"
            : $"{learn.GetType().Name}: {learn.Dls.Classes.Count} classes";
        if (learn.History.Count == 0) return Section(title, "<p>Not trained yet.</p>");
        return Section(title, EpochTable.Html(learn.History) + "<h4>Loss</h4>" + Png("loss plot", path => TrainingPlots.Losses(learn, path)));
    }

    public static string Html(LrFindResult result)
    {
        var s = result.Suggestions;
        return Section("Learning rate finder",
            HtmlTable.Of(["suggestion", "learning rate"],
                [["valley", Rate(s.Valley)], ["slide", Rate(s.Slide)], ["minimum / 10", Rate(s.Minimum)], ["steep", Rate(s.Steep)]], "fastvision-lr-suggestions") +
            Png("learning rate finder plot", path => TrainingPlots.LrFind(result, path)));
    }

    public static string Html(ClassificationInterpretation interp)
    {
        var total = interp.Rows.Count;
        var correct = interp.Rows.Count(r => r.Target == r.Predicted);
        return Section(string.Create(CultureInfo.InvariantCulture, $"Interpretation: {total} images, accuracy {(total == 0 ? 0 : (double)correct / total):0.0000}"),
            "<h4>Confusion matrix</h4>" + Png("confusion matrix", path => InterpretationPlots.ConfusionMatrix(interp, path)) +
            "<h4>Per class</h4>" + HtmlTable.Of(["class", "precision", "recall", "f1", "support"],
                interp.PerClass().Select(c => new[] { c.Class, Score(c.Precision), Score(c.Recall), Score(c.F1), Text(c.Support) }), "fastvision-per-class") +
            "<h4>Top losses</h4>" + (total == 0 ? "<p>No predictions.</p>" : Png("top losses", path => InterpretationPlots.TopLosses(interp, path))));
    }

    /// <summary>The first <paramref name="maxRows"/> predictions: image, top class and its probability, the label when the item has one.</summary>
    public static string Html(PredictionSet predictions, int maxRows = 20)
    {
        var labelled = predictions.Rows.Any(r => r.Item.Label is not null);
        string[] header = labelled ? ["image", "predicted", "probability", "actual"] : ["image", "predicted", "probability"];
        var rows = predictions.Rows.Take(maxRows).Select(r =>
        {
            string[] cells = [Path.GetFileName(r.Item.Path), predictions.Classes[r.Predicted], Score(r.Probabilities[r.Predicted])];
            return labelled ? [.. cells, r.Item.Label ?? ""] : cells;
        });
        var more = predictions.Rows.Count > maxRows ? $"<p>… and {predictions.Rows.Count - maxRows} more.</p>" : "";
        var skipped = predictions.Skipped.Count > 0 ? $"<p>{predictions.Skipped.Count} skipped: {HtmlEncode(string.Join("; ", predictions.Skipped.Take(3).Select(s => $"{s.Key}: {s.Value}")))}</p>" : "";
        return Section($"Predictions: {predictions.Rows.Count} images, {predictions.Classes.Count} classes",
            HtmlTable.Of(header, rows, "fastvision-predictions") + more + skipped);
    }

    private static string Section(string title, string body) =>
        $"<div class=\"fastvision\"><h3>{HtmlEncode(title)}</h3>{body}</div>";

    private static string Details(string summary, string body) => $"<details><summary>{HtmlEncode(summary)}</summary>{body}</details>";

    /// <summary>A picture drawn by the same code that writes the CLI's PNG files, embedded as a data URI.</summary>
    private static string Png(string alt, Action<string> draw)
    {
        var path = Path.Combine(Path.GetTempPath(), $"fastvision-notebook-{Guid.NewGuid():N}.png");
        try
        {
            draw(path);
            return HtmlImage.Png(alt, File.ReadAllBytes(path));
        }
        catch (Exception e) when (e is IOException or DataSourceException or UnauthorizedAccessException)
        {
            return $"<p class=\"missing\">No {HtmlEncode(alt)}: {HtmlEncode(e.Message)}</p>";
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
    private static string Score(double value) => value.ToString("0.0000", CultureInfo.InvariantCulture);
    private static string Rate(double value) => value.ToString("0.00e+00", CultureInfo.InvariantCulture);
}
