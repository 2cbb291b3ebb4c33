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
        var predictions = new Option<string?>("--predictions")
        {
            Description = "Instead of MODEL: a finished predictions file of the features CSV (predict or merge output, CSV or JSON Lines, with its manifest)",
        };
        prediction.Model.Arity = ArgumentArity.ZeroOrOne;
        var command = new Command("submit", "Predict the test set and write a checked competition submission.\n" +
            "Example: fastvision submit ./model --features data/test_features.csv --format data/submission_format.csv --tta --out submission.csv");
        command.Arguments.Add(prediction.Model);
        foreach (var o in prediction.Options.Concat(run.Options).Concat(sequences.Options).Concat(detections.Options).Append(features).Append(format).Append(output).Append(predictions)) command.Options.Add(o);
        command.SetAction(parse =>
        {
            var featuresPath = Path.GetFullPath(parse.GetValue(features)!);
            var submissionFormat = SubmissionFormat.Read(parse.GetValue(format)!);
            var items = DetectionArguments.Attach(detections.Results(parse), new CsvSource(Path.GetFileName(featuresPath), sequenceColumn: sequences.Column(parse)).ReadAll(Path.GetDirectoryName(featuresPath)!),
                Path.GetDirectoryName(featuresPath)!);
            PredictionSet result;
            if (parse.GetValue(predictions) is { } file)
            {
                if (parse.GetResult(prediction.Model) is { Tokens.Count: > 0 }) throw new ArgumentException("Give MODEL or --predictions, not both.");
                result = PredictionOutput.ReadPredictions(file);
                if (result.Rows.Count > 0 && result.Rows.All(r => r.Item.Id is null))
                    throw new ArgumentException($"{file}: its lines have no ids; predict the features CSV ({Path.GetFileName(featuresPath)}) so they do.");
                foreach (var (key, reason) in result.Skipped) Console.Error.WriteLine($"skipped: {key}: {reason}");
            }
            else
            {
                if (parse.GetResult(prediction.Model) is not { Tokens.Count: > 0 }) throw new ArgumentException("Give MODEL (a model folder) or --predictions FILE.");
                using var predictor = prediction.Load(parse);
                (result, _) = sequences.Apply(parse, PredictionArguments.Predict(predictor, items));
            }
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
