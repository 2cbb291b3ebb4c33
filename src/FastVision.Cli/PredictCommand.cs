using System.CommandLine;
using FastVision.Data;
using FastVision.Inference;

namespace FastVision.Cli;

internal static class PredictCommand
{
    public static Command Create()
    {
        var run = new RunArguments();
        var prediction = new PredictionArguments(run);
        var sequences = new SequenceArguments();
        var detections = new DetectionArguments(withPolicy: false);
        var inputs = new Argument<string[]>("INPUTS")
        {
            Description = "Image folders (searched recursively), image files, list files (.txt: one path per line) or features CSVs (.csv: id, filepath)",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var csv = new Option<string?>("--csv") { Description = "A features CSV (id, filepath relative to the CSV's folder), e.g. test_features.csv (the same as giving it as an input)" };
        var pathColumn = new Option<string>("--path-column") { Description = "The image path column of features CSVs", DefaultValueFactory = _ => "filepath" };
        var output = new Option<string>("--out") { Description = "The predictions file (a shard writes OUT's name with .shard-i-of-N before the extension)", DefaultValueFactory = _ => "predictions.csv" };
        var format = new Option<string?>("--format")
        {
            Description = "csv (default for other names), jsonl (default for .jsonl) or megadetector (default for .json: MegaDetector batch output with classifications, for Timelapse)",
        };
        var shard = new Option<string?>("--shard") { Description = "Predict shard i of N (i/N, 0-based): the images whose path hashes there; default from SLURM_ARRAY_TASK_ID/COUNT or JOB_COMPLETION_INDEX" };
        var numShards = new Option<int?>("--num-shards") { Description = "The shard count when the index comes from the environment (Kubernetes: the Job's completions)" };
        var overwrite = new Option<bool>("--overwrite") { Description = "Start over; by default an existing output of the same model and options is resumed" };
        var command = new Command("predict", "Class probabilities for images with a trained model, streamed to a file as they come (resumable, shardable).\n" +
            "Example: fastvision predict ./model ./season-2026 --out season.csv   (again after a crash: it resumes)");
        command.Arguments.Add(prediction.Model);
        command.Arguments.Add(inputs);
        foreach (var o in prediction.Options.Concat(run.Options).Concat(sequences.Options).Concat(detections.Options).Concat([csv, pathColumn, output, format, shard, numShards, overwrite]))
            command.Options.Add(o);
        command.SetAction(parse =>
        {
            string column = parse.GetValue(pathColumn)!;
            var csvPath = parse.GetValue(csv);
            var given = (csvPath is null ? [] : new[] { csvPath }).Concat(parse.GetValue(inputs) ?? []).ToList();
            var listed = given.Select(input => ImageInput.FromArgument(input, column, sequences.Column(parse))).ToList();
            if (csvPath is not null && listed[0].Kind != ImageInputKind.FeaturesCsv) throw new ArgumentException($"--csv {csvPath}: not a .csv file.");
            if (listed.Count == 0) throw new ArgumentException("Nothing to predict: give image files, folders, list files or --csv.");
            var outPath = parse.GetValue(output)!;
            var options = new PredictionJobOptions
            {
                Output = outPath, Model = prediction.ModelPath(parse), Format = Format(parse.GetValue(format), outPath),
                Shard = parse.GetValue(shard) is { } s ? Shard.Parse(s) : Shard.FromEnvironment(parse.GetValue(numShards)) ?? Shard.All,
                Overwrite = parse.GetValue(overwrite), Detections = detections.Results(parse),
            };
            using var predictor = prediction.Load(parse);
            if (sequences.Pooling(parse)) return Pooled(parse, predictor, sequences, listed, options);

            if (!options.Shard.IsAll) Console.WriteLine($"shard {options.Shard}: {options.Shard.PartPath(Path.GetFullPath(outPath))}");
            return Report(PredictionArguments.Stream(predictor, listed, options), options);
        });
        return command;
    }

    /// <summary>--format, else the output's extension.</summary>
    private static PredictionFileFormat Format(string? given, string output) => given?.ToLowerInvariant() switch
    {
        null => PredictionFormat.FromExtension(output),
        "csv" => PredictionFileFormat.Csv,
        "jsonl" or "jsonlines" => PredictionFileFormat.JsonLines,
        "megadetector" or "md" => PredictionFileFormat.MegaDetector,
        _ => throw new ArgumentException($"--format {given}: csv, jsonl or megadetector."),
    };

    /// <summary>
    /// --aggregate-sequences: pooling needs every frame of a sequence at once, so the images are predicted in memory (not streamed,
    /// not sharded) and the output written whole, in the same format.
    /// </summary>
    private static int Pooled(ParseResult parse, Predictor predictor, SequenceArguments sequences, IReadOnlyList<ImageInput> inputs, PredictionJobOptions options)
    {
        if (!options.Shard.IsAll) throw new ArgumentException("--aggregate-sequences pools whole sequences: it cannot run on a shard (predict the shards, merge, then pool in your analysis).");
        var listed = ImageInput.EnumerateAll(inputs, options.Detections).ToList();
        var (result, pooled) = sequences.Apply(parse, PredictionArguments.Predict(predictor, [.. listed.Select(l => l.Item)]));
        Console.WriteLine($"sequences: {pooled!.Sequences.Count} pooled");
        return Report(PredictionJob.Write(predictor, inputs, options, listed, result), options);
    }

    private static int Report(PredictionJobResult r, PredictionJobOptions options)
    {
        if (options.Detections is { } d) Console.WriteLine($"detections: {d.Path}: {r.WithDetections} of {r.Assigned} images listed");
        Console.WriteLine(r.Summary.Format());
        var counts = r.PredictedClasses.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key} {kv.Value}");
        return CliOutput.Result($"predict: {r.Predicted} image(s) -> {r.Output}; failed {r.Failed}; already there {r.Resumed} of {r.Assigned}; predicted: {(r.PredictedClasses.Count == 0 ? "none" : string.Join(", ", counts))}",
            new
            {
                Command = "predict", Images = r.Predicted, r.Failed, r.Resumed, r.Assigned, Shard = options.Shard.ToString(), Out = r.Output, Predicted = r.PredictedClasses,
            });
    }
}
