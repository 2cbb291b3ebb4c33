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
        var inputs = new Argument<string[]>("IMAGES") { Description = "Image files or folders (searched recursively)", Arity = ArgumentArity.ZeroOrMore };
        var csv = new Option<string?>("--csv") { Description = "A features CSV (id, filepath relative to the CSV's folder), e.g. test_features.csv" };
        var pathColumn = new Option<string>("--path-column") { Description = "The image path column of --csv", DefaultValueFactory = _ => "filepath" };
        var output = new Option<string>("--out") { Description = "The predictions CSV: path (and id), predicted class, one probability column per class", DefaultValueFactory = _ => "predictions.csv" };
        var command = new Command("predict", "Class probabilities for images with a trained model.\n" +
            "Example: fastvision predict ./model ./new-photos --tta --out predictions.csv");
        command.Arguments.Add(prediction.Model);
        command.Arguments.Add(inputs);
        foreach (var o in prediction.Options.Concat(run.Options).Concat(sequences.Options).Concat(detections.Options).Append(csv).Append(pathColumn).Append(output)) command.Options.Add(o);
        command.SetAction(parse =>
        {
            // Each input with the folder its detections' paths are relative to: the CSV's folder, a folder given, else the current one.
            var inputsWithRoots = new List<(IReadOnlyList<ImageItem> Items, string Root)>();
            if (parse.GetValue(csv) is { } csvPath)
            {
                var csvRoot = Path.GetDirectoryName(Path.GetFullPath(csvPath))!;
                inputsWithRoots.Add((new CsvSource(Path.GetFileName(csvPath), parse.GetValue(pathColumn)!, sequences.Column(parse)).ReadAll(csvRoot), csvRoot));
            }
            foreach (var input in parse.GetValue(inputs) ?? [])
            {
                if (Directory.Exists(input)) inputsWithRoots.Add(([.. ImageFiles.Find(input).Select(f => new ImageItem(f))], Path.GetFullPath(input)));
                else if (File.Exists(input)) inputsWithRoots.Add(([new ImageItem(Path.GetFullPath(input))], Environment.CurrentDirectory));
                else throw new FileNotFoundException($"{input}: no such image file or folder.");
            }
            var results = detections.Results(parse); // read once for every input
            var listed = inputsWithRoots.SelectMany(i => DetectionArguments.Attach(results, i.Items, i.Root)).ToList();
            if (listed.Count == 0) throw new ArgumentException("Nothing to predict: give image files, folders or --csv.");
            using var predictor = prediction.Load(parse);
            var (result, pooled) = sequences.Apply(parse, PredictionArguments.Predict(predictor, listed));
            if (pooled is not null) Console.WriteLine($"sequences: {pooled.Sequences.Count} pooled");
            var outPath = parse.GetValue(output)!;
            PredictionCsv.Write(result, outPath);
            var counts = result.Rows.GroupBy(r => result.Classes[r.Predicted]).OrderByDescending(g => g.Count()).Select(g => $"{g.Key} {g.Count()}");
            return CliOutput.Result($"predict: {result.Rows.Count} image(s) -> {Path.GetFullPath(outPath)}; skipped {result.Skipped.Count}; predicted: {string.Join(", ", counts)}",
                new
                {
                    Command = "predict", Images = result.Rows.Count, Skipped = result.Skipped.Count, Out = Path.GetFullPath(outPath),
                    Predicted = result.Rows.GroupBy(r => result.Classes[r.Predicted]).ToDictionary(g => g.Key, g => g.Count()),
                });
        });
        return command;
    }
}
