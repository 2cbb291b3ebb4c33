using System.Text.Json.Nodes;
using FastVision.Training;
using TorchSharp;

namespace FastVision.Callbacks;

/// <summary>
/// fastai's TensorBoardCallback, on TorchSharp's SummaryWriter: TensorBoard event files in <paramref name="logDirectory"/>. Per
/// training batch: <c>train/loss</c> (the batch's), <c>train/smooth_loss</c> (the Recorder's, the table's train_loss),
/// <c>lr/groupN</c> for each parameter group (the splitter's layer groups, earliest first, the head last) and <c>train/momentum</c>;
/// per epoch: <c>epoch/train_loss</c>, <c>epoch/valid_loss</c> and <c>epoch/METRIC</c>. Every scalar's step is the training
/// batches done in the run, so the epoch figures sit on the batch curves across fits; the step is checkpointed, so a resumed run
/// continues it. SummaryWriter opens, appends and closes the file for each event: a killed run keeps what it logged.
/// <see cref="AddImage"/> and <see cref="AddText"/> take what the loop does not make (plots, the command line).
/// </summary>
public sealed class TensorBoardCallback(string logDirectory) : Callback, IResumable
{
    private readonly TorchSharp.Modules.SummaryWriter writer = torch.utils.tensorboard.SummaryWriter(logDirectory);

    public string LogDirectory => writer.LogDir;

    /// <summary>Training batches logged in this run: the step of the next event.</summary>
    public int Step { get; private set; }

    public override int Order => 65; // after the Recorder: its smoothed loss and the epoch's row are there

    public override void AfterBatch()
    {
        if (!Learner.Training || Learner.IsFindingLr) return;
        Step++;
        writer.add_scalar("train/loss", (float)Learner.LossValue, Step);
        writer.add_scalar("train/smooth_loss", (float)Learner.Recorder.SmoothLoss, Step);
        for (int g = 0; g < Learner.CurrentLearningRates.Length; g++)
            writer.add_scalar($"lr/group{g}", (float)Learner.CurrentLearningRates[g], Step);
        writer.add_scalar("train/momentum", (float)Learner.CurrentMomentum, Step);
    }

    public override void AfterEpoch()
    {
        var row = Learner.History[^1];
        foreach (var name in row.FigureNames()) writer.add_scalar($"epoch/{name}", (float)row.Figure(name), Step);
    }

    /// <summary>
    /// A PNG file as the image <paramref name="tag"/> at the current step. SummaryWriter takes an image as a file or a tensor,
    /// never as encoded bytes: it decodes the file and encodes it again as PNG (lossless).
    /// </summary>
    public void AddImage(string tag, string pngPath) => writer.add_img(tag, pngPath, Step);

    /// <summary>Markdown text at the current step; TensorBoard lists it under <c>TAG/text_summary</c> (SummaryWriter adds the suffix).</summary>
    public void AddText(string tag, string markdown) => writer.add_text(tag, markdown, Step);

    public JsonNode SaveState() => new JsonObject { ["step"] = Step };

    public void RestoreState(JsonNode state) => Step = (int)state["step"]!;
}
