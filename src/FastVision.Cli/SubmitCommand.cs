using System.CommandLine;
using FastVision.Data;
using FastVision.Inference;

namespace FastVision.Cli;

internal static class SubmitCommand
{
    public static Command Create()
    {
        var run = new RunArguments();
        var prediction = new PredictionArguments(run);
        var sequences = new SequenceArguments();
        var detections = new DetectionArguments(withPolicy: false);
        var features = new Option<string>("--features") { Description = "The test features CSV (id, filepath relative to its folder, site)", Required = true };
        var format = new Option<string>("--format") { Description = "The competition's submission_format.csv (id + one column per class; its row order is kept)", Required = true };
        var output = new Option<string>("--out") { Description = "The submission CSV to write", DefaultValueFactory = _ => "submission.csv" };
        var command = new Command("submit", "Predict the test set and write a checked competition submission.\n" +
            "Example: fastvision submit ./model --features data/test_features.csv --format data/submission_format.csv --tta --out submission.csv");
        command.Arguments.Add(prediction.Model);
        foreach (var o in prediction.Options.Concat(run.Options).Concat(sequences.Options).Concat(detections.Options).Append(features).Append(format).Append(output)) command.Options.Add(o);
        command.SetAction(parse =>
        {
            var featuresPath = Path.GetFullPath(parse.GetValue(features)!);
            var submissionFormat = SubmissionFormat.Read(parse.GetValue(format)!);
            var items = DetectionArguments.Attach(detections.Results(parse), new CsvSource(Path.GetFileName(featuresPath), sequenceColumn: sequences.Column(parse)).ReadAll(Path.GetDirectoryName(featuresPath)!),
                Path.GetDirectoryName(featuresPath)!);
            using var predictor = prediction.Load(parse);
            var (result, _) = sequences.Apply(parse, PredictionArguments.Predict(predictor, items));
            var outPath = parse.GetValue(output)!;
            var summary = SubmissionWriter.Write(result, items, submissionFormat, outPath);
            if (summary.UniformIds.Count > 0)
                Console.Error.WriteLine($"warning: {summary.UniformIds.Count} unreadable image(s) got uniform probabilities: {string.Join(", ", summary.UniformIds.Take(10))}");
            if (summary.IgnoredIds.Count > 0)
                Console.Error.WriteLine($"warning: {summary.IgnoredIds.Count} id(s) of the features file are not in the format and were left out: {string.Join(", ", summary.IgnoredIds.Take(10))}");
            return CliOutput.Result($"submit: {summary.Rows} rows, {submissionFormat.Classes.Count} classes, checked -> {Path.GetFullPath(outPath)}",
                new { Command = "submit", summary.Rows, Classes = submissionFormat.Classes.Count, Out = Path.GetFullPath(outPath), summary.UniformIds, summary.IgnoredIds });
        });
        return command;
    }
}
