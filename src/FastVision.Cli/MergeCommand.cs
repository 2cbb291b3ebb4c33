using System.CommandLine;
using FastVision.Inference;

namespace FastVision.Cli;

internal static class MergeCommand
{
    public static Command Create()
    {
        var parts = new Argument<string[]>("PARTS") { Description = "The part files of a sharded predict (e.g. preds.shard-*.csv), each with its manifest beside it", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string>("--out") { Description = "The merged predictions file", Required = true };
        var command = new Command("merge", "Join the parts of a sharded 'predict' into one file, checking they come from the same model and options and that every image appears exactly once.\n" +
            "Example: fastvision merge season.shard-*.csv --out season.csv");
        command.Arguments.Add(parts);
        command.Options.Add(output);
        command.SetAction(parse =>
        {
            var result = PredictionMerge.Run(parse.GetValue(parts)!, parse.GetValue(output)!);
            return CliOutput.Result($"merge: {result.Parts} part(s), {result.Rows} image(s) ({result.Failures} failed) -> {result.Output}",
                new { Command = "merge", result.Parts, Images = result.Rows, Failed = result.Failures, Out = result.Output });
        });
        return command;
    }
}
