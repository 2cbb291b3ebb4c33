using System.Globalization;
using FastVision.Training;

namespace FastVision.Training;

/// <summary>fastai's per-epoch table: epoch, train_loss, valid_loss, the metrics, time. The header is written once.</summary>
public sealed class EpochTable
{
    private string[]? columns;

    public void Write(TextWriter writer, EpochResult r)
    {
        if (columns is null)
        {
            columns = [.. r.Metrics.Keys];
            writer.WriteLine($"{"epoch",5}  {"train_loss",10}  {"valid_loss",10}  {string.Concat(columns.Select(c => $"{c,10}  "))}{"time",5}");
        }
        var metrics = string.Concat(columns.Select(c => string.Create(CultureInfo.InvariantCulture, $"{r.Metrics.GetValueOrDefault(c, double.NaN),10:F6}  ")));
        writer.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{r.Epoch,5}  {r.TrainLoss,10:F6}  {r.ValidLoss,10:F6}  {metrics}{(int)r.Time.TotalMinutes:00}:{r.Time.Seconds:00}"));
        writer.Flush();
    }
}
