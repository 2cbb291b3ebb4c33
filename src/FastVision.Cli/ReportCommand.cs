using System.CommandLine;
using FastVision.Reporting;

namespace FastVision.Cli;

internal static class ReportCommand
{
    public static Command Create()
    {
        var run = new Argument<string>("RUN_DIR") { Description = "A model folder written by 'fastvision train' or 'fastvision demo'" };
        var command = new Command("report", "Write (again) the run's self-contained HTML report: data, LR finder, losses, epochs, confusion matrix, top losses, calibration, timings, environment.\n" +
            "Example: fastvision report ./model   (then open ./model/report.html)");
        command.Arguments.Add(run);
        command.SetAction(parse =>
        {
            var path = Path.GetFullPath(RunReport.Write(parse.GetValue(run)!));
            return CliOutput.Result($"report: {path}", new { Command = "report", Report = path });
        });
        return command;
    }
}
