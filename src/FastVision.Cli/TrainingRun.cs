using FastVision.Callbacks;
using FastVision.Inference;
using FastVision.Interpretation;
using FastVision.Reporting;
using FastVision.Training;

namespace FastVision.Cli;

/// <summary>What every training command does after its fit (train and demo): the run's files, the model, the summary line.</summary>
internal static class TrainingRun
{
    /// <summary>
    /// After the fit: temperature scaling on the validation set (log loss before and after), the interpretation
    /// (confusion matrix, row-normalized with <paramref name="normalize"/>, most confused, top losses) as text, JSON and PNGs,
    /// the data report, a batch and the class gallery, the plots,
    /// the exported model, the run's environment, and the HTML report over all of it; the pictures also into the run's TensorBoard log, if any.
    /// </summary>
    /// <returns>The validation predictions it made (the caller disposes them): cross-validation keeps them as out-of-fold rows.</returns>
    public static Predictions Finish(Learner learn, string outDir, bool calibrate, string dataReport, DateTimeOffset started, double? learningRate,
        TensorBoardCallback? tensorBoard = null, bool normalize = false)
    {
        Directory.CreateDirectory(outDir);
        var validation = learn.GetPreds(); // one validation pass for the calibration, the interpretation and the caller
        try
        {
            if (calibrate)
            {
                var c = learn.Calibrate(validation);
                var bound = c.Temperature >= TemperatureScaling.MaxTemperature * 0.99 ? "; at the search bound: the validation predictions carry almost no information" : "";
                Console.WriteLine(FormattableString.Invariant(
                    $"calibration: temperature {c.Temperature:F3}; valid log loss {c.ValidLogLossBefore:F4} -> {c.ValidLogLossAfter:F4} ({c.ValidImages} images){bound}"));
            }
            var interp = ClassificationInterpretation.FromLearner(learn, validation);
            Console.WriteLine(interp.Report(normalize: normalize));
            RunFiles.WriteInterpretation(outDir, interp, normalize);
            TrainingPlots.Losses(learn, Path.Combine(outDir, RunFiles.Loss));
            TrainingPlots.Schedule(learn, Path.Combine(outDir, RunFiles.Schedule));
            AtomicFile.WriteAllText(Path.Combine(outDir, RunFiles.Data), dataReport);
            BatchGrid.Save(learn.Dls.Train, learn.Dls.Classes, Path.Combine(outDir, RunFiles.Batch));
            ClassGallery.Save(learn.Dls, Path.Combine(outDir, RunFiles.ClassGallery));
            if (learn.Export(outDir).OnnxWarning is { } warning) Console.Error.WriteLine($"warning: {warning}"); // stderr: --quiet and --json keep it
            RunFiles.WriteJson(outDir, RunFiles.Run, RunInfo.Capture(learn, started, learningRate));
            Console.WriteLine($"report: {Path.GetFullPath(RunReport.Write(outDir))}");
            if (tensorBoard is not null) RunFiles.LogImages(outDir, tensorBoard);
            return validation;
        }
        catch
        {
            validation.Dispose();
            throw;
        }
    }

    /// <summary>The one-line summary scripts read, e.g. "train: accuracy=0.93 ...".</summary>
    public static int Summarize(Learner learn, TimeSpan elapsed, string output, string tag)
    {
        if (learn.History.Count == 0) throw new InvalidOperationException("No epoch completed.");
        var last = learn.History[^1];
        var logLoss = last.Metrics.TryGetValue("log_loss", out var ll) ? FormattableString.Invariant($" log_loss={ll:F4}") : "";
        double imagesPerSecond = learn.History.Average(h => h.TrainImagesPerSecond);
        return CliOutput.Result(FormattableString.Invariant(
                $"{tag}: accuracy={last.Accuracy:F4} error_rate={last.ErrorRate:F4} valid_loss={last.ValidLoss:F4}{logLoss} train_img_per_s={imagesPerSecond:F1} time={elapsed.TotalSeconds:F0}s model={Path.GetFullPath(output)}"),
            new
            {
                Command = tag, last.Accuracy, last.ErrorRate, last.ValidLoss, last.Metrics, Epochs = learn.History.Count,
                CalibratedLogLoss = learn.Calibration?.ValidLogLossAfter, Temperature = learn.Calibration?.Temperature,
                TrainImagesPerSecond = imagesPerSecond, Seconds = elapsed.TotalSeconds, Model = Path.GetFullPath(output),
            });
    }
}
