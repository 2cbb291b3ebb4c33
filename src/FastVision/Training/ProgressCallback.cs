using System.Diagnostics;
using System.Globalization;
using FastVision.Reporting;

namespace FastVision.Training;

/// <summary>
/// Writes fastai's per-epoch table as each epoch ends. In an interactive terminal it also keeps a live bar
/// for the running phase (batches done, smoothed loss, ETA) on the line below, rewritten in place; when the
/// output goes to a file or CI log, only the table's plain lines are written.
/// </summary>
public sealed class ProgressCallback(TextWriter writer, bool? interactive = null) : Callback
{
    private const int BarWidth = 24;
    private readonly EpochTable table = new(writer);
    private readonly bool live = interactive ?? (ReferenceEquals(writer, Console.Out) && !Console.IsOutputRedirected);
    private readonly Stopwatch phase = new(), sinceDraw = new();
    private int lastLength;

    public override int Order => 60;

    public override void BeforeTrain() => phase.Restart();

    public override void BeforeValidate() => phase.Restart();

    public override void AfterBatch()
    {
        if (!live || (sinceDraw.IsRunning && sinceDraw.ElapsedMilliseconds < 200)) return;
        sinceDraw.Restart();
        bool training = Learner.Training;
        int done = Learner.Iteration + 1;
        int total = training ? Learner.IterationsPerEpoch : Learner.Dls.Valid.BatchCount;
        double eta = done == 0 ? 0 : phase.Elapsed.TotalSeconds / done * Math.Max(0, total - done);
        int filled = total == 0 ? 0 : Math.Min(BarWidth, BarWidth * done / total);
        var bar = new string('#', filled) + new string('-', BarWidth - filled);
        var loss = training ? Learner.Recorder.SmoothLoss.ToString(" 'loss' 0.0000", CultureInfo.InvariantCulture) : "";
        var line = FormattableString.Invariant(
            $"epoch {Learner.Epoch + 1}/{Learner.EpochCount} {(training ? "train" : "valid")} [{bar}] {done}/{total}{loss} eta {(int)eta / 60}:{(int)eta % 60:00}");
        writer.Write("\r" + line.PadRight(lastLength));
        lastLength = line.Length;
        writer.Flush();
    }

    public override void AfterEpoch()
    {
        ClearLine();
        table.Write(Learner.History[^1]);
    }

    public override void AfterCancelFit()
    {
        ClearLine();
        writer.WriteLine($"stopped: {Learner.CancelReason}");
    }

    public override void AfterFit() => ClearLine();

    private void ClearLine()
    {
        if (!live || lastLength == 0) return;
        writer.Write("\r" + new string(' ', lastLength) + "\r");
        lastLength = 0;
        sinceDraw.Reset();
    }
}
