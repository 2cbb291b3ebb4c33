using FastVision.Training;

namespace FastVision.Callbacks;

/// <summary>Writes a <see cref="Checkpoint"/> after every epoch, so that <c>--resume</c> can continue a killed run.</summary>
public sealed class CheckpointCallback(string directory) : Callback
{
    public override int Order => 70; // after the Recorder has added the epoch's row

    public override void AfterEpoch() => Checkpoint.Save(Learner, directory);
}
