using System.CommandLine;
using System.Globalization;
using FastVision.Interpretation;
using FastVision.Metrics;
using FastVision.Reporting;

namespace FastVision.Cli;

internal static class EvaluateCommand
{
    public static Command Create()
    {
        var run = new RunArguments();
        var prediction = new PredictionArguments(run);
        var dataArgs = new DataArguments(run);
        var sequences = new SequenceArguments();
        var detections = new DetectionArguments(withPolicy: false);
        var validOnly = new Option<bool>("--valid-only") { Description = "Only the validation part of the split (the same split as training with the same --split/--seed)" };
        var output = new Option<string?>("--out") { Description = "Folder for confusion_matrix.png, top_losses.png, interpretation.txt and interpretation.json" };
        var normalize = CommonOptions.NormalizeConfusionMatrix();
        var command = new Command("evaluate", "Log loss, accuracy, error rate and the confusion matrix of a trained model on a labelled set (folder or competition CSVs).\n" +
            "Example: fastvision evaluate ./model --data ./labelled --out ./evaluation");
        command.Arguments.Add(prediction.Model);
        foreach (var o in prediction.Options.Concat(dataArgs.Options).Concat(sequences.Options).Concat(detections.Options).Concat(run.Options)) command.Options.Add(o);
        command.Options.Add(validOnly);
        command.Options.Add(output);
        command.Options.Add(normalize);
        command.SetAction(parse =>
        {
            var data = dataArgs.Plan(parse, sequences: sequences, detections: detections).Data;
            var items = parse.GetValue(validOnly) ? data.Valid.Select(i => data.Items[i]).ToList() : data.Items;
            using var predictor = prediction.Load(parse);
            var (result, pooled) = sequences.Apply(parse, PredictionArguments.Predict(predictor, items));
            var interp = new ClassificationInterpretation(result.Classes, result.Rows);
            var metrics = Metric.OfProbabilities(result.Rows.Select(r => r.Probabilities).ToList(), result.Rows.Select(r => r.Target).ToList(),
                [new LogLoss(), new Accuracy(), new ErrorRate()]);
            Console.WriteLine(interp.Report(normalize: parse.GetValue(normalize)));
            if (pooled is not null) Console.WriteLine(SequenceArguments.Describe(pooled));
            if (parse.GetValue(output) is { } outDir) RunFiles.WriteInterpretation(outDir, interp, parse.GetValue(normalize));
            return CliOutput.Result(string.Create(CultureInfo.InvariantCulture,
                    $"evaluate: images={result.Rows.Count} skipped={result.Skipped.Count} log_loss={metrics["log_loss"]:F4} accuracy={metrics["accuracy"]:F4} error_rate={metrics["error_rate"]:F4}"),
                new
                {
                    Command = "evaluate", Images = result.Rows.Count, Skipped = result.Skipped.Count, LogLoss = metrics["log_loss"], Accuracy = metrics["accuracy"],
                    ErrorRate = metrics["error_rate"], MostConfused = interp.MostConfused(),
                    Sequences = pooled is null ? null : new { pooled.Sequences.Count, Mixed = pooled.Mixed.Count, Scores = pooled.Score() },
                });
        });
        return command;
    }
}
