using System.Globalization;
using System.Text;
using FastVision.Data;
using FastVision.Training;

namespace FastVision.Callbacks;

/// <summary>
/// fastai's CSVLogger: the epoch table as CSV for spreadsheets and scripts — epoch, train_loss, valid_loss, the metrics, and
/// time (seconds); figures to 7 significant digits. Each row is appended, so it is on disk, as its epoch ends. The rows are a view of <see cref="Learner.History"/>,
/// not a second record: each fit first writes the file anew from the history, so a run resumed from a checkpoint keeps the rows
/// of the epochs it checkpointed and drops one written after that checkpoint (that epoch is trained again and appended once).
/// </summary>
public sealed class CsvLogger(string path) : Callback
{
    private IReadOnlyList<string> figures = [];

    public string Path { get; } = path;

    public override int Order => 65; // after the Recorder has added the epoch's row

    public override void BeforeFit()
    {
        if (Learner.IsFindingLr) return;
        figures = EpochResult.FigureNames(Learner.Metrics.Select(m => m.Name));
        var text = new StringBuilder().Append(CsvTable.Line(["epoch", .. figures, "time"])).Append('\n');
        foreach (var row in Learner.History) text.Append(Line(row)).Append('\n');
        AtomicFile.WriteAllText(Path, text.ToString());
    }

    public override void AfterEpoch() => File.AppendAllText(Path, Line(Learner.History[^1]) + "\n");

    private string Line(EpochResult row) => CsvTable.Line(
    [
        row.Epoch.ToString(CultureInfo.InvariantCulture),
        .. figures.Select(f => row.Figure(f).ToString("G7", CultureInfo.InvariantCulture)), // float precision: losses and metrics come from float tensors
        row.Time.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture),
    ]);
}
