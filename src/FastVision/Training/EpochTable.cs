using System.Globalization;

namespace FastVision.Training;

/// <summary>fastai's per-epoch table: epoch, the row's figures (train_loss, valid_loss, the metrics), time. The header is written once.</summary>
public sealed class EpochTable
{
    private IReadOnlyList<string>? figures;

    /// <summary>The column names for rows like <paramref name="first"/>.</summary>
    public static IReadOnlyList<string> Columns(EpochResult first) => ["epoch", .. first.FigureNames(), "time"];

    /// <summary>One row's cells as fastai prints them: six decimals, the time as mm:ss; a figure the row lacks is NaN.</summary>
    public static IReadOnlyList<string> Cells(EpochResult r, IReadOnlyList<string> figureNames) =>
    [
        r.Epoch.ToString(CultureInfo.InvariantCulture),
        .. figureNames.Select(f => Number(r.Figure(f))),
        $"{(int)r.Time.TotalMinutes:00}:{r.Time.Seconds:00}",
    ];

    /// <summary>The whole history as an HTML table (a notebook's display).</summary>
    public static string Html(IReadOnlyList<EpochResult> history)
    {
        if (history.Count == 0) return "<p>No epochs yet.</p>";
        var figures = history[0].FigureNames();
        return HtmlTable.Of(Columns(history[0]), history.Select(r => Cells(r, figures)), "fastvision-epochs");
    }

    public void Write(TextWriter writer, EpochResult r)
    {
        if (figures is null)
        {
            figures = r.FigureNames();
            writer.WriteLine(Aligned(Columns(r)));
        }
        writer.WriteLine(Aligned(Cells(r, figures)));
        writer.Flush();
    }

    // epoch and time are 5 wide, the numbers 10, two spaces apart: fastai's layout.
    private static string Aligned(IReadOnlyList<string> cells) =>
        string.Join("  ", cells.Select((c, i) => c.PadLeft(i == 0 || i == cells.Count - 1 ? 5 : 10)));

    private static string Number(double value) => value.ToString("F6", CultureInfo.InvariantCulture);
}
