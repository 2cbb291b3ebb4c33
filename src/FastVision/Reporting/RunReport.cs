using System.Globalization;
using System.Text;
using FastVision.Inference;
using FastVision.Training;
using static System.Net.WebUtility;

namespace FastVision.Reporting;

/// <summary>
/// One self-contained HTML page per run (fastai's notebook view of a training): data report and batch, LR finder,
/// losses, schedule, epoch table, confusion matrix, most confused pairs, top losses, calibration, timings and the
/// environment. Images are embedded as data URIs, so the file can be mailed or archived alone. Sections whose files
/// the run did not write say so.
/// </summary>
public static class RunReport
{
    /// <summary>Sections, in page order: the element id and its heading.</summary>
    public static readonly (string Id, string Title)[] Sections =
    [
        ("data", "Data"), ("lr-find", "Learning rate finder"), ("losses", "Losses"), ("schedule", "Schedule"), ("epochs", "Epochs"),
        ("confusion", "Confusion matrix"), ("most-confused", "Most confused"), ("top-losses", "Top losses"), ("calibration", "Calibration"),
        ("timings", "Timings"), ("environment", "Environment"),
    ];

    /// <summary>Writes <c>report.html</c> into <paramref name="runDirectory"/> (a model folder written by training) and returns its path.</summary>
    public static string Write(string runDirectory)
    {
        var metadata = ModelBundle.ReadMetadata(runDirectory);
        var run = RunFiles.ReadJson<RunInfo>(runDirectory, RunFiles.Run);
        var interp = RunFiles.ReadJson<InterpretationSummary>(runDirectory, RunFiles.Interpretation);
        var html = new StringBuilder();
        string Num(double v, string format = "F4") => double.IsFinite(v) ? v.ToString(format, CultureInfo.InvariantCulture) : "–";
        void Image(string file, string alt)
        {
            var path = Path.Combine(runDirectory, file);
            html.Append(File.Exists(path)
                ? HtmlImage.Png(alt, File.ReadAllBytes(path))
                : $"<p class=\"missing\">Not recorded in this run ({HtmlEncode(file)}).</p>");
        }
        void Section(string id, Action body)
        {
            html.Append($"<section id=\"{id}\"><h2>{HtmlEncode(Sections.First(s => s.Id == id).Title)}</h2>");
            body();
            html.Append("</section>\n");
        }
        void Table(IEnumerable<string> header, IEnumerable<IEnumerable<string>> rows) => html.Append(HtmlTable.Of(header, rows));

        var last = metadata.History.LastOrDefault();
        html.Append($"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>FastVision run: {HtmlEncode(metadata.Architecture)}</title>");
        html.Append("<style>body{font-family:DejaVu Sans,Arial,sans-serif;margin:2em auto;max-width:1100px;color:#222}h1{font-size:1.6em}" +
                    "section{margin:2em 0;border-top:1px solid #ddd}table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:.2em .6em;text-align:right}" +
                    "th{background:#f2f2f2}img{max-width:100%;border:1px solid #eee}pre{background:#f8f8f8;padding:1em;overflow-x:auto}.missing{color:#888;font-style:italic}" +
                    ".summary span{display:inline-block;margin-right:2em}</style></head><body>\n");
        html.Append($"<h1>FastVision run — {HtmlEncode(metadata.Architecture)}, {metadata.Classes.Length} classes, {metadata.Pipeline.Size} px</h1>");
        html.Append("<p class=\"summary\">");
        if (last is not null)
        {
            html.Append($"<span>accuracy <b>{Num(last.Accuracy)}</b></span><span>valid loss <b>{Num(last.ValidLoss)}</b></span>");
            if (last.Metrics.TryGetValue("log_loss", out var ll)) html.Append($"<span>log loss <b>{Num(ll)}</b></span>");
        }
        if (metadata.Calibration is { } c) html.Append($"<span>calibrated log loss <b>{Num(c.ValidLogLossAfter)}</b></span>");
        html.Append($"<span>classes: {HtmlEncode(string.Join(", ", metadata.Classes))}</span></p>\n");

        Section("data", () =>
        {
            var dataPath = Path.Combine(runDirectory, RunFiles.Data);
            html.Append(File.Exists(dataPath) ? $"<pre>{HtmlEncode(File.ReadAllText(dataPath))}</pre>" : "<p class=\"missing\">Not recorded in this run (data.txt).</p>");
            html.Append("<h3>A training batch, as the model sees it</h3>");
            Image(RunFiles.Batch, "training batch");
            html.Append("<h3>Each class: a few training images, as validation sees them</h3>");
            Image(RunFiles.ClassGallery, "class gallery");
        });
        Section("lr-find", () =>
        {
            if (run?.LearningRate is { } lr) html.Append($"<p>Learning rate used: <b>{Num(lr, "G3")}</b></p>");
            Image(RunFiles.LrFind, "learning rate finder");
        });
        Section("losses", () => Image(RunFiles.Loss, "losses"));
        Section("schedule", () => Image(RunFiles.Schedule, "schedule"));
        Section("epochs", () =>
        {
            var figures = EpochResult.FigureNames(metadata.History.SelectMany(h => h.Metrics.Keys).Distinct());
            Table(["epoch", .. figures, "time (s)", "train img/s"], metadata.History.Select(h =>
                (IEnumerable<string>)[h.Epoch.ToString(CultureInfo.InvariantCulture), .. figures.Select(f => Num(h.Figure(f))),
                    Num(h.Time.TotalSeconds, "F1"), Num(h.TrainImagesPerSecond, "F1")]));
        });
        Section("confusion", () =>
        {
            Image(RunFiles.ConfusionMatrix, "confusion matrix");
            if (interp is not null)
                Table(["class", "precision", "recall", "F1", "images"], interp.PerClass.Select(s =>
                    (IEnumerable<string>)[s.Class, Num(s.Precision, "F3"), Num(s.Recall, "F3"), Num(s.F1, "F3"), s.Support.ToString(CultureInfo.InvariantCulture)]));
        });
        Section("most-confused", () =>
        {
            if (interp is null) html.Append("<p class=\"missing\">Not recorded in this run (interpretation.json).</p>");
            else if (interp.MostConfused.Count == 0) html.Append("<p>No image was confused.</p>");
            else Table(["actual", "predicted", "images"], interp.MostConfused.Select(p => (IEnumerable<string>)[p.Actual, p.Predicted, p.Count.ToString(CultureInfo.InvariantCulture)]));
        });
        Section("top-losses", () =>
        {
            Image(RunFiles.TopLosses, "top losses");
            if (interp is not null)
                Table(["image", "actual", "predicted", "loss", "probability"], interp.TopLosses.Select(t =>
                    (IEnumerable<string>)[Path.GetFileName(t.Path), t.Actual, t.Predicted, Num(t.Loss, "F3"), Num(t.Probability, "F3")]));
        });
        Section("calibration", () => html.Append(metadata.Calibration is { } c
            ? $"<p>Temperature scaling on {c.ValidImages} validation images: T = <b>{Num(c.Temperature, "F3")}</b>; validation log loss " +
              $"<b>{Num(c.ValidLogLossBefore)}</b> before, <b>{Num(c.ValidLogLossAfter)}</b> after. Accuracy is unchanged by construction.</p>"
            : "<p class=\"missing\">Not calibrated in this run.</p>"));
        Section("timings", () =>
        {
            var rows = new List<IEnumerable<string>>();
            if (run is not null) rows.Add(["total run (s)", Num(run.Seconds, "F1")]);
            if (metadata.History.Length > 0)
            {
                rows.Add(["training + validation (s)", Num(metadata.History.Sum(h => h.Time.TotalSeconds), "F1")]);
                rows.Add(["mean train img/s", Num(metadata.History.Average(h => h.TrainImagesPerSecond), "F1")]);
                rows.Add(["mean epoch (s)", Num(metadata.History.Average(h => h.Time.TotalSeconds), "F1")]);
                rows.Add(["time waiting for data (share)", Num(metadata.History.Average(h => h.DataWaitFraction), "P1")]);
            }
            Table(["measure", "value"], rows);
        });
        Section("environment", () =>
        {
            if (run is null)
            {
                html.Append($"<p class=\"missing\">Not recorded in this run (run.json).</p><p>FastVision {HtmlEncode(metadata.FastVisionVersion)}</p>");
                return;
            }
            Table(["", ""],
            [
                ["FastVision", run.FastVisionVersion], ["TorchSharp", run.TorchSharpVersion], ["architecture", run.Architecture],
                ["device", run.Device], ["precision", run.Precision], ["torch threads / cores", $"{run.Threads} / {run.Cores}"],
                ["system", run.OperatingSystem], ["started (UTC)", run.Started.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)],
                ["command", "fastvision " + run.CommandLine],
            ]);
        });
        // Lets a headless browser report how many embedded images it decoded (data-images-loaded on <body>).
        html.Append("<script>window.addEventListener('load',()=>{document.body.dataset.imagesLoaded=" +
                    "[...document.images].filter(i=>i.complete&&i.naturalWidth>0).length;});</script>\n</body></html>\n");
        var reportPath = Path.Combine(runDirectory, RunFiles.Report);
        AtomicFile.WriteAllText(reportPath, html.ToString());
        return reportPath;
    }
}
