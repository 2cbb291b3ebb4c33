using DataLoader = FastVision.Data.DataLoader;

namespace FastVision.Training;

public partial class Learner
{
    /// <summary>Temperature scaling fitted by calibration (LearnerInference.Calibrate); exported with the model.</summary>
    public Calibration? Calibration { get; set; }

    /// <summary>
    /// The model's logits over <paramref name="loader"/> (the validation set by default), with the learner's precision: one row
    /// per image, its views averaged (<see cref="ViewAveraging"/>) as prediction averages them.
    /// </summary>
    public Predictions GetPreds(DataLoader? loader = null, int epoch = 0)
    {
        using var engine = new TorchEngine(Model, Device, Options.MixedPrecision);
        return ViewAveraging.Collect(engine, loader ?? Dls.Valid, epoch);
    }
}
