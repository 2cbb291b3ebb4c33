using System.CommandLine;
using FastVision.Inference;

namespace FastVision.Cli;

internal static class CheckSubmissionCommand
{
    private const int MaxListed = 50;

    public static Command Create()
    {
        var file = new Argument<string>("SUBMISSION") { Description = "The submission CSV to check" };
        var format = new Option<string>("--format") { Description = "The competition's submission_format.csv", Required = true };
        var command = new Command("check-submission", "Check a submission against the format: every id once and in order, columns by name, numbers in [0, 1] summing to 1.\n" +
            "Example: fastvision check-submission submission.csv --format data/submission_format.csv");
        command.Arguments.Add(file);
        command.Options.Add(format);
        command.SetAction(parse =>
        {
            var path = parse.GetValue(file)!;
            var submissionFormat = SubmissionFormat.Read(parse.GetValue(format)!);
            var problems = SubmissionChecker.Check(path, submissionFormat);
            foreach (var problem in problems.Take(MaxListed)) Console.WriteLine($"{path}: {problem}");
            if (problems.Count > MaxListed) Console.WriteLine($"{path}: ... and {problems.Count - MaxListed} more problem(s).");
            return CliOutput.Result(problems.Count == 0
                    ? $"check-submission: ok ({submissionFormat.Ids.Count} rows, {submissionFormat.Classes.Count} classes)"
                    : $"check-submission: {problems.Count} problem(s)",
                new { Command = "check-submission", Ok = problems.Count == 0, Rows = submissionFormat.Ids.Count, Problems = problems },
                problems.Count == 0 ? 0 : 1);
        });
        return command;
    }
}
