using FastVision.Training;

namespace FastVision.Inference;

/// <summary>What a learner gains from Inference: fastai's learn.export, and temperature scaling before it.</summary>
public static class LearnerInference
{
    /// <summary>
    /// Fits a temperature on the validation set by minimizing its log loss and keeps it in <see cref="Learner.Calibration"/> for <see cref="Export"/>.
    /// <paramref name="validation"/>: the validation predictions when the caller already has them (one pass, not two).
    /// </summary>
    public static Calibration Calibrate(this Learner learner, Predictions? validation = null)
    {
        var preds = validation ?? learner.GetPreds();
        try
        {
            using var targets = TorchSharp.torch.tensor(preds.Targets.Select(t => (long)t).ToArray());
            double temperature = TemperatureScaling.Fit(preds.Logits, targets);
            learner.Calibration = new Calibration(temperature, TemperatureScaling.LogLoss(preds.Logits, targets),
                TemperatureScaling.LogLoss(preds.Logits, targets, temperature), preds.Count);
            return learner.Calibration;
        }
        finally
        {
            if (validation is null) preds.Dispose();
        }
    }

    /// <summary>Writes weights and metadata to <paramref name="directory"/> (see <see cref="ModelBundle"/>); the result says whether the ONNX graph was refused, and why.</summary>
    public static SavedBundle Export(this Learner learner, string directory) => ModelBundle.Save(learner, directory);
}
