using System.Globalization;

namespace FastVision.Training;

/// <summary>fastai's per-epoch table: epoch, the row's figures (train_loss, valid_loss, the metrics), time. The header is written once.</summary>
public sealed class EpochTable
{
    private IReadOnlyList<string>? columns;

    public void Write(TextWriter writer, EpochResult r)
    {
        if (columns is null)
        {
            columns = r.FigureNames();
            writer.WriteLine($"{"epoch",5}  {string.Concat(columns.Select(c => $"{c,10}  "))}{"time",5}");
        }
        var figures = string.Concat(columns.Select(c => string.Create(CultureInfo.InvariantCulture, $"{r.Figure(c),10:F6}  ")));
        writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{r.Epoch,5}  {figures}{(int)r.Time.TotalMinutes:00}:{r.Time.Seconds:00}"));
        writer.Flush();
    }
}
