using System.Globalization;

namespace FastVision.Training;

/// <summary>fastai's per-epoch table: epoch, train_loss, valid_loss, the metrics, time. The header is written once.</summary>
public sealed class EpochTable
{
    private IReadOnlyList<string>? metricNames;

    /// <summary>The column names for rows like <paramref name="first"/>.</summary>
    public static IReadOnlyList<string> Columns(EpochResult first) => ["epoch", "train_loss", "valid_loss", .. first.Metrics.Keys, "time"];

    /// <summary>One row's cells as fastai prints them: six decimals, the time as mm:ss; a metric the row lacks is NaN.</summary>
    public static IReadOnlyList<string> Cells(EpochResult r, IReadOnlyList<string> metricNames) =>
    [
        r.Epoch.ToString(CultureInfo.InvariantCulture), Number(r.TrainLoss), Number(r.ValidLoss),
        .. metricNames.Select(m => Number(r.Metrics.GetValueOrDefault(m, double.NaN))),
        $"{(int)r.Time.TotalMinutes:00}:{r.Time.Seconds:00}",
    ];

    /// <summary>The whole history as an HTML table (a notebook's display).</summary>
    public static string Html(IReadOnlyList<EpochResult> history) => history.Count == 0
        ? "<p>No epochs yet.</p>"
        : HtmlTable.Of(Columns(history[0]), history.Select(r => Cells(r, [.. history[0].Metrics.Keys])), "fastvision-epochs");

    public void Write(TextWriter writer, EpochResult r)
    {
        if (metricNames is null)
        {
            metricNames = [.. r.Metrics.Keys];
            writer.WriteLine(Aligned(Columns(r)));
        }
        writer.WriteLine(Aligned(Cells(r, metricNames)));
        writer.Flush();
    }

    // epoch and time are 5 wide, the numbers 10, two spaces apart: fastai's layout.
    private static string Aligned(IReadOnlyList<string> cells) =>
        string.Join("  ", cells.Select((c, i) => c.PadLeft(i == 0 || i == cells.Count - 1 ? 5 : 10)));

    private static string Number(double value) => value.ToString("F6", CultureInfo.InvariantCulture);
}
