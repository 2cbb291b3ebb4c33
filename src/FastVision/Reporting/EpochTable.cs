using System.Globalization;
using FastVision.Training;

namespace FastVision.Reporting;

/// <summary>fastai's per-epoch table, one line per epoch as it ends (readable in logs and terminals alike).</summary>
public sealed class EpochTable(TextWriter writer)
{
    private bool headerWritten;

    public void Write(EpochResult r)
    {
        if (!headerWritten)
        {
            writer.WriteLine($"{"epoch",5}  {"train_loss",10}  {"valid_loss",10}  {"accuracy",8}  {"error_rate",10}  {"time",5}");
            headerWritten = true;
        }
        writer.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{r.Epoch,5}  {r.TrainLoss,10:F6}  {r.ValidLoss,10:F6}  {r.Accuracy,8:F6}  {r.ErrorRate,10:F6}  {(int)r.Time.TotalMinutes:00}:{r.Time.Seconds:00}"));
        writer.Flush();
    }
}
