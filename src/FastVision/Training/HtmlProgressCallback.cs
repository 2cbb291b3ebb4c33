using System.Diagnostics;
using System.Globalization;
using static System.Net.WebUtility;

namespace FastVision.Training;

/// <summary>
/// fastai's progress in a notebook: the epoch table as HTML, shown once when a fit starts and replaced in place as it
/// goes (the running phase's batch count and smoothed loss below it, a row per finished epoch). The learner uses it
/// instead of <see cref="ProgressCallback"/> when <see cref="InteractiveDisplay.ShowHtml"/> is set, so a notebook gets
/// no terminal escapes.
/// </summary>
public sealed class HtmlProgressCallback(Func<string, Action<string>> show) : Callback
{
    // Enough for a moving display, few enough not to flood the notebook (a headless run keeps every update as an output).
    private static readonly TimeSpan UpdateInterval = TimeSpan.FromSeconds(5);
    private readonly Stopwatch sinceUpdate = new();
    private readonly List<EpochResult> rows = [];
    private Action<string>? update;
    private string status = "";

    public override int Order => 60;

    public override void BeforeFit()
    {
        rows.Clear();
        status = "";
        update = show(Html());
        sinceUpdate.Restart();
    }

    public override void BeforeTrain() => Phase("train");

    public override void BeforeValidate() => Phase("valid");

    public override void AfterBatch()
    {
        if (sinceUpdate.Elapsed < UpdateInterval) return;
        Phase(Learner.Training ? "train" : "valid", Learner.Iteration + 1);
    }

    public override void AfterEpoch()
    {
        rows.Add(Learner.History[^1]);
        status = "";
        Refresh();
    }

    public override void AfterCancelFit()
    {
        status = $"stopped: {Learner.CancelReason}";
        Refresh();
    }

    public override void AfterFit()
    {
        if (status.StartsWith("epoch", StringComparison.Ordinal)) status = "";
        Refresh();
        update = null;
    }

    private void Phase(string name, int done = 0)
    {
        var total = Learner.Training ? Learner.IterationsPerEpoch : Learner.Dls.Valid.BatchCount;
        status = string.Create(CultureInfo.InvariantCulture, $"epoch {Learner.Epoch + 1}/{Learner.EpochCount} {name}: batch {done}/{total}") +
                 (Learner.Training && done > 0 ? string.Create(CultureInfo.InvariantCulture, $", loss {Learner.Recorder.SmoothLoss:0.0000}") : "");
        Refresh();
    }

    private void Refresh()
    {
        update?.Invoke(Html());
        sinceUpdate.Restart();
    }

    private string Html() => "<div class=\"fastvision-progress\">" + (rows.Count > 0 ? EpochTable.Html(rows) : "") +
                             (status.Length > 0 ? $"<p>{HtmlEncode(status)}</p>" : "") + "</div>";
}
