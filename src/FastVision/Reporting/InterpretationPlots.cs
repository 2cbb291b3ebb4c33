using System.Globalization;
using FastVision.Data;
using FastVision.Interpretation;
using ScottPlot;

namespace FastVision.Reporting;

/// <summary>fastai's plot_confusion_matrix and plot_top_losses as PNG files.</summary>
public static class InterpretationPlots
{
    /// <summary>Counts (or row shares with <paramref name="normalize"/>) in cells coloured by the row share.</summary>
    public static void ConfusionMatrix(ClassificationInterpretation interp, string pngPath, bool normalize = false)
    {
        var counts = interp.ConfusionMatrix();
        var shares = interp.NormalizedConfusionMatrix();
        int n = interp.Classes.Count;
        var plot = TrainingPlots.NewPlot(normalize ? "Confusion matrix (row-normalized)" : "Confusion matrix", "predicted", "actual");
        var heatmap = plot.Add.Heatmap(shares);
        heatmap.Colormap = new ScottPlot.Colormaps.Blues().Reversed(); // white for 0, dark for 1
        heatmap.ManualRange = new ScottPlot.Range(0, 1);
        heatmap.Rectangle = new CoordinateRect(-0.5, n - 0.5, -0.5, n - 0.5);
        // Row 0 of the intensities is drawn at the top, so actual class a sits at y = n - 1 - a.
        for (int a = 0; a < n; a++)
            for (int p = 0; p < n; p++)
            {
                var label = plot.Add.Text(normalize ? shares[a, p].ToString("0.00", CultureInfo.InvariantCulture) : counts[a, p].ToString(CultureInfo.InvariantCulture), p, n - 1 - a);
                label.LabelAlignment = Alignment.MiddleCenter;
                label.LabelFontSize = n > 10 ? 10 : 14;
                label.LabelFontColor = shares[a, p] > 0.5 ? Colors.White : Colors.Black;
            }
        var positions = Enumerable.Range(0, n).Select(i => (double)i).ToArray();
        plot.Axes.Bottom.SetTicks(positions, [.. interp.Classes]);
        // Long class names are turned so they do not overlap; the axis grows to hold them.
        int longest = interp.Classes.Max(c => c.Length);
        if (longest > 5)
        {
            plot.Axes.Bottom.TickLabelStyle.Rotation = 45;
            plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleLeft;
            plot.Axes.Bottom.TickLabelStyle.OffsetY = 6; // clear of the frame
            plot.Axes.Bottom.MinimumSize = 12 + 8 * longest;
        }
        plot.Axes.Left.SetTicks(positions, [.. interp.Classes.Reverse()]);
        plot.Axes.SetLimits(-0.5, n - 0.5, -0.5, n - 0.5);
        int side = Math.Clamp(120 + 60 * n, 480, 1200);
        TrainingPlots.Save(plot, pngPath, side + 120, side);
    }

    /// <summary>The <paramref name="k"/> worst images (centre crop, as validation sees them) captioned with prediction, actual class, loss and the predicted class's probability.</summary>
    public static void TopLosses(ClassificationInterpretation interp, string pngPath, int k = 9, int size = 160)
    {
        var top = interp.TopLosses(k);
        if (top.Count == 0) throw new InvalidOperationException("No prediction to show.");
        var presize = new Presize(size);
        var rgba = new byte[top.Count * size * size * 4];
        for (int i = 0; i < top.Count; i++)
            presize.Apply(top[i].Item.Path, 0.5, rgba.AsSpan(i * size * size * 4, size * size * 4), cache: null, ImageDecoder.DefaultMaxPixels);
        var captions = top.Select(t => string.Create(CultureInfo.InvariantCulture,
            $"predicted: {t.Predicted}\nactual: {t.Actual}\nloss {t.Loss:F2}, p {t.Probability:F2}")).ToList();
        BatchGrid.WriteRgba(pngPath, rgba, top.Count, size, captions, minCell: 180);
    }
}
