using FastVision.Reporting;

namespace FastVision.Training;

/// <summary>Writes fastai's per-epoch table as each epoch ends (plain lines: readable in terminals, CI and logs).</summary>
public sealed class ProgressCallback(TextWriter writer) : Callback
{
    private readonly EpochTable table = new(writer);

    public override int Order => 60;

    public override void AfterEpoch() => table.Write(Learner.History[^1]);

    public override void AfterCancelFit() => writer.WriteLine($"stopped: {Learner.CancelReason}");
}
