using System.Globalization;
using Spectre.Console;

namespace FastVision.Training;

/// <summary>
/// Writes fastai's per-epoch table as each epoch ends. On an interactive terminal the running phase also gets a
/// Spectre.Console progress bar (batches done, smoothed loss, ETA) and the table's lines print above it; in CI
/// and log files only the table's plain lines are written.
/// </summary>
public sealed class ProgressCallback : Callback
{
    private readonly TextWriter writer;
    private readonly IAnsiConsole? console;
    private readonly EpochTable table = new();
    private LiveProgress? live;
    private ProgressTask? phase;
    private TextWriter? previousLog;

    /// <summary>Plain lines to <paramref name="writer"/>; bars too when it is an interactive console.</summary>
    public ProgressCallback(TextWriter writer)
    {
        this.writer = writer;
        console = LiveProgress.IsInteractive(writer) ? AnsiConsole.Console : null;
    }

    /// <summary>Bars and the table on a Spectre console.</summary>
    public ProgressCallback(IAnsiConsole console) : this(TextWriter.Null) => this.console = console;

    public override int Order => 60;

    public override void BeforeFit()
    {
        if (console is null) return;
        live = new LiveProgress(console);
        previousLog = Learner.Log;
        Learner.Log = live.Writer;
    }

    public override void BeforeTrain() => StartPhase("train", Learner.IterationsPerEpoch);

    public override void BeforeValidate() => StartPhase("valid", Learner.Dls.Valid.BatchCount);

    public override void AfterBatch()
    {
        if (phase is null) return;
        phase.Value = Learner.Iteration + 1;
        if (Learner.Training)
            phase.Description = Markup.Escape(string.Create(CultureInfo.InvariantCulture,
                $"epoch {Learner.Epoch + 1}/{Learner.EpochCount} train  loss {Learner.Recorder.SmoothLoss:0.0000}"));
    }

    public override void AfterTrain() => phase?.StopTask();

    public override void AfterValidate() => phase?.StopTask();

    public override void AfterEpoch() => table.Write(live?.Writer ?? writer, Learner.History[^1]);

    public override void AfterCancelFit() => (live?.Writer ?? writer).WriteLine($"stopped: {Learner.CancelReason}");

    public override void AfterFit()
    {
        if (live is null) return;
        phase = null;
        live.Dispose();
        live = null;
        Learner.Log = previousLog;
    }

    private void StartPhase(string name, int batches)
    {
        if (live is null) return;
        phase?.StopTask();
        phase = live.AddTask($"epoch {Learner.Epoch + 1}/{Learner.EpochCount} {name}", batches);
    }
}
