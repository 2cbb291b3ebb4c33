using FastVision.Inference;
using DataLoader = FastVision.Data.DataLoader;

namespace FastVision.Training;

public sealed partial class Learner
{
    /// <summary>Temperature scaling fitted by <see cref="Calibrate"/>; exported with the model.</summary>
    public Calibration? Calibration { get; set; }

    /// <summary>The model's logits over <paramref name="loader"/> (the validation set by default), with the learner's precision.</summary>
    public Predictions GetPreds(DataLoader? loader = null, int epoch = 0)
    {
        using var engine = new TorchEngine(Model, Device, Options.MixedPrecision);
        return Predictions.Collect(engine, loader ?? Dls.Valid, epoch);
    }

    /// <summary>
    /// Fits a temperature on the validation set by minimizing its log loss and keeps it for <see cref="Export"/>.
    /// <paramref name="validation"/>: the validation predictions when the caller already has them (one pass, not two).
    /// </summary>
    public Calibration Calibrate(Predictions? validation = null)
    {
        var preds = validation ?? GetPreds();
        try
        {
            using var targets = TorchSharp.torch.tensor(preds.Targets.Select(t => (long)t).ToArray());
            double temperature = TemperatureScaling.Fit(preds.Logits, targets);
            Calibration = new Calibration(temperature, TemperatureScaling.LogLoss(preds.Logits, targets),
                TemperatureScaling.LogLoss(preds.Logits, targets, temperature), preds.Count);
            return Calibration;
        }
        finally
        {
            if (validation is null) preds.Dispose();
        }
    }
}
