using System.CommandLine;
using FastVision.Cli;

var root = new RootCommand("FastVision: fastai-style transfer learning for images, on TorchSharp.")
{
    DemoCommand.Create(),
    DataCommand.Create(),
    LrFindCommand.Create(),
    TrainCommand.Create(),
    EvaluateCommand.Create(),
    PredictCommand.Create(),
    SubmitCommand.Create(),
    CheckSubmissionCommand.Create(),
    ExportCommand.Create(),
    ModelsCommand.Create(),
};
// FastVision reports errors itself (CliErrors), with exit codes scripts can rely on.
var invocation = new InvocationConfiguration { EnableDefaultExceptionHandler = false };
return CliErrors.Run(() => root.Parse(args).Invoke(invocation));
