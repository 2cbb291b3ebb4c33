using System.CommandLine;
using FastVision.Cli;

var root = new RootCommand("FastVision: fastai-style transfer learning for images, on TorchSharp.\n" +
    "Start with: fastvision demo   (then: data, lr-find, train, evaluate, predict, submit; fastvision COMMAND --help)")
{
    DemoCommand.Create(),
    DataCommand.Create(),
    LrFindCommand.Create(),
    TrainCommand.Create(),
    EvaluateCommand.Create(),
    PredictCommand.Create(),
    MergeCommand.Create(),
    SubmitCommand.Create(),
    CheckSubmissionCommand.Create(),
    ExportCommand.Create(),
    ModelsCommand.Create(),
    WeightsCommand.Create(),
    ReportCommand.Create(),
};
// FastVision reports errors itself (CliErrors), with exit codes scripts can rely on.
root.Options.Add(CliOutput.Quiet);
root.Options.Add(CliOutput.Json);
var invocation = new InvocationConfiguration { EnableDefaultExceptionHandler = false };
return CliErrors.Run(() =>
{
    var parse = root.Parse(args);
    using var output = CliOutput.Configure(parse);
    return parse.Invoke(invocation);
});
