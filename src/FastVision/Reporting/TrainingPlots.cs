using FastVision.Training;
using ScottPlot;

namespace FastVision.Reporting;

/// <summary>fastai's plot_loss, plot_sched and plot_lr_find, as PNG files (ScottPlot), written atomically.</summary>
public static class TrainingPlots
{
    private static readonly Lazy<string?> FontName = new(() =>
    {
        var file = Fonts.SansFile;
        if (file is null) return null;
        ScottPlot.Fonts.AddFontFile("FastVisionSans", file);
        return "FastVisionSans";
    });

    /// <summary>Training loss per batch (smoothed) and validation loss at the end of each epoch.</summary>
    public static void Losses(Learner learn, string pngPath)
    {
        var plot = NewPlot("Loss", "batch", "loss");
        var smooth = learn.Recorder.SmoothLosses;
        if (smooth.Count > 0)
        {
            var train = plot.Add.ScatterLine(Enumerable.Range(1, smooth.Count).Select(i => (double)i).ToArray(), smooth.ToArray());
            train.LegendText = "train (smoothed)";
        }
        var epochs = learn.History;
        if (epochs.Count > 0 && smooth.Count > 0)
        {
            double perEpoch = (double)smooth.Count / epochs.Count;
            var valid = plot.Add.ScatterPoints(epochs.Select((_, i) => (i + 1) * perEpoch).ToArray(), epochs.Select(e => e.ValidLoss).ToArray());
            valid.LegendText = "valid";
            valid.MarkerSize = 8;
        }
        plot.ShowLegend(Alignment.UpperRight);
        Save(plot, pngPath);
    }

    /// <summary>The learning rate (last group) and momentum of every training batch.</summary>
    public static void Schedule(Learner learn, string pngPath)
    {
        var plot = NewPlot("Schedule", "batch", "learning rate");
        var x = Enumerable.Range(1, learn.Recorder.LearningRates.Count).Select(i => (double)i).ToArray();
        var lr = plot.Add.ScatterLine(x, learn.Recorder.LearningRates.ToArray());
        lr.LegendText = "learning rate (head)";
        var mom = plot.Add.ScatterLine(x, learn.Recorder.Momentums.ToArray());
        mom.LegendText = "momentum (right axis)";
        mom.Axes.YAxis = plot.Axes.Right;
        plot.Axes.Right.Label.Text = "momentum";
        plot.ShowLegend(Alignment.UpperRight);
        Save(plot, pngPath);
    }

    /// <summary>The LR finder's smoothed loss against log10(learning rate), with the suggestions marked.</summary>
    public static void LrFind(LrFindResult result, string pngPath)
    {
        var plot = NewPlot("Learning rate finder", "log10(learning rate)", "loss (smoothed)");
        var x = result.LearningRates.Select(Math.Log10).ToArray();
        plot.Add.ScatterLine(x, result.Losses.ToArray());
        var s = result.Suggestions;
        foreach (var (name, value, color) in new[] { ("valley", s.Valley, Colors.Red), ("slide", s.Slide, Colors.Green), ("minimum", s.Minimum, Colors.Orange), ("steep", s.Steep, Colors.Purple) })
        {
            var line = plot.Add.VerticalLine(Math.Log10(value));
            line.Color = color;
            line.LegendText = $"{name} {value:G2}";
        }
        var finite = result.Losses.Where(double.IsFinite).ToList();
        if (finite.Count > 0) plot.Axes.SetLimitsY(finite.Min() * 0.95, Math.Min(finite.Max(), finite.Min() * 4) * 1.05);
        plot.ShowLegend(Alignment.UpperRight);
        Save(plot, pngPath);
    }

    internal static Plot NewPlot(string title, string xLabel, string yLabel)
    {
        var plot = new Plot();
        if (FontName.Value is { } font) plot.Font.Set(font);
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        return plot;
    }

    internal static void Save(Plot plot, string pngPath, int width = 800, int height = 500) =>
        FastVision.AtomicFile.Write(pngPath, temp => File.WriteAllBytes(temp, plot.GetImageBytes(width, height, ImageFormat.Png)));
}
