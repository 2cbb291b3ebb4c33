using System.Text.RegularExpressions;
using FastVision.Data;
using FastVision.Inference;
using FastVision.Interpretation;
using FastVision.Reporting;
using FastVision.Training;
using Microsoft.DotNet.Interactive.Formatting;
using SkiaSharp;

namespace FastVision.Tests;

/// <summary>What a notebook shows: each FastVision object formats itself as HTML with its table and its pictures embedded as PNG.</summary>
public partial class NotebookFormatterTests
{
    [Fact]
    public void EachObjectDisplaysItsTableAndPictures()
    {
        using var dir = new TempDir();
        DemoDataset.Generate(dir.Combine("data"), perClass: 6, seed: 3, width: 60, height: 40);
        var dls = ImageDataLoaders.FromFolder(dir.Combine("data"), DataSourceTests.Tiny);
        using var learn = VisionLearner.Create(dls, options: new LearnerOptions { Log = null });
        NotebookFormatters.Register();

        var before = Html(learn);
        Assert.Contains("Not trained yet", before);
        Assert.Empty(Pngs(before));

        var data = Html(dls);
        Assert.Contains("<table class=\"fastvision-classes\">", data);
        foreach (var c in dls.Classes) Assert.Contains($"<td>{c}</td>", data);
        Assert.Contains("Data report", data);
        Assert.Single(Pngs(data)); // the training batch

        var found = learn.LrFind(1e-5, 1, numIterations: 8, stopDivergence: false);
        var lr = Html(found);
        Assert.Contains("<table class=\"fastvision-lr-suggestions\">", lr);
        foreach (var name in new[] { "valley", "slide", "minimum / 10", "steep" }) Assert.Contains($"<td>{name}</td>", lr);
        Assert.Single(Pngs(lr));

        learn.FitOneCycle(1, 1e-3);
        var trained = Html(learn);
        Assert.Contains("<table class=\"fastvision-epochs\">", trained);
        Assert.Contains("<th>train_loss</th>", trained);
        Assert.Equal(learn.History.Count, Regex.Count(trained, "<tr><td>"));
        Assert.Single(Pngs(trained)); // the loss plot

        var interp = ClassificationInterpretation.FromLearner(learn);
        var shown = Html(interp);
        Assert.Contains("<table class=\"fastvision-per-class\">", shown);
        Assert.Equal(dls.Classes.Count, Regex.Count(shown, "<tr><td>"));
        Assert.Equal(2, Pngs(shown).Count); // confusion matrix, top losses

        var predictions = new PredictionSet(dls.Classes, interp.Rows, [new("broken.jpg", "not an image")]);
        var table = Formatter.ToDisplayString(predictions, HtmlFormatter.MimeType);
        Assert.Contains("<table class=\"fastvision-predictions\">", table);
        Assert.Equal(Math.Min(20, interp.Rows.Count), Regex.Count(table, "<tr><td>"));
        Assert.Contains("1 skipped: broken.jpg: not an image", table);
    }

    [Fact]
    public void TrainingInANotebookUpdatesOneTableInPlace()
    {
        using var dir = new TempDir();
        DemoDataset.Generate(dir.Combine("data"), perClass: 6, seed: 4, width: 60, height: 40);
        var dls = ImageDataLoaders.FromFolder(dir.Combine("data"), DataSourceTests.Tiny);
        var displays = new List<List<string>>();
        InteractiveDisplay.ShowHtml = html =>
        {
            var versions = new List<string> { html };
            displays.Add(versions);
            return versions.Add;
        };
        try
        {
            using var learn = VisionLearner.Create(dls); // the default log (the console) becomes the notebook's table
            Assert.Contains(learn.Callbacks, c => c is HtmlProgressCallback);
            Assert.DoesNotContain(learn.Callbacks, c => c is ProgressCallback);
            learn.FineTune(1, freezeEpochs: 1);
            Assert.Equal(2, displays.Count); // one table per fit, as fastai shows
            var last = displays[^1][^1];
            Assert.Contains("<table class=\"fastvision-epochs\">", last);
            Assert.Equal(1, Regex.Count(last, "<tr><td>"));
            Assert.Contains(displays[^1], v => v.Contains("epoch 1/1 train: batch", StringComparison.Ordinal));
            Assert.DoesNotContain("\u001b[", string.Concat(displays.SelectMany(d => d)));

            using var quiet = VisionLearner.Create(dls, options: new LearnerOptions { Log = TextWriter.Null }); // a writer the caller chose is kept
            Assert.Contains(quiet.Callbacks, c => c is ProgressCallback);
        }
        finally
        {
            InteractiveDisplay.ShowHtml = null;
        }
    }

    private static string Html(object value) => Formatter.ToDisplayString(value, HtmlFormatter.MimeType);

    /// <summary>Every embedded PNG, decoded: each must be a real picture.</summary>
    private static List<SKBitmap> Pngs(string html)
    {
        var bitmaps = new List<SKBitmap>();
        foreach (Match m in EmbeddedPng().Matches(html))
        {
            var bytes = Convert.FromBase64String(m.Groups[1].Value);
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, bytes[..4]);
            var bitmap = SKBitmap.Decode(bytes);
            Assert.True(bitmap is { Width: > 32, Height: > 32 }, "a decodable picture");
            bitmaps.Add(bitmap);
        }
        return bitmaps;
    }

    [GeneratedRegex("<img alt=\"[^\"]*\" src=\"data:image/png;base64,([A-Za-z0-9+/=]+)\">")]
    private static partial Regex EmbeddedPng();
}
