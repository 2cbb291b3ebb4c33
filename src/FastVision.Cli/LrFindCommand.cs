using System.CommandLine;
using System.Globalization;
using FastVision.Reporting;

namespace FastVision.Cli;

internal static class LrFindCommand
{
    public static Command Create()
    {
        var run = new RunArguments();
        var dataArgs = new DataArguments(run);
        var pipelineArgs = new PipelineArguments();
        var detections = new DetectionArguments(withPolicy: true);
        var trainArgs = new TrainingArguments(run);
        var startLr = new Option<double>("--start-lr") { Description = "First learning rate", DefaultValueFactory = _ => 1e-7 };
        var endLr = new Option<double>("--end-lr") { Description = "Last learning rate", DefaultValueFactory = _ => 10 };
        var numIt = new Option<int>("--num-it") { Description = "Training batches of the range test", DefaultValueFactory = _ => 100 };
        var unfreeze = new Option<bool>("--unfreeze") { Description = "Test the whole network (default: the head, body frozen)" };
        var plot = new Option<string>("--plot") { Description = "PNG file for the loss curve with the suggestions", DefaultValueFactory = _ => "lr_find.png" };
        var command = new Command("lr-find", "fastai's learning rate finder: an exponential LR ramp, the loss curve and suggested rates (valley first).\n" +
            "Example: fastvision lr-find --data ./conservision --plot lr_find.png");
        foreach (var o in dataArgs.Options.Concat(pipelineArgs.Options).Concat(detections.Options).Concat(trainArgs.Options).Concat(run.Options)) command.Options.Add(o);
        foreach (var o in new Option[] { startLr, endLr, numIt, unfreeze, plot }) command.Options.Add(o);
        command.SetAction(parse =>
        {
            var choice = trainArgs.Choose(parse);
            var dls = dataArgs.Plan(parse, pipelineArgs, choice.InputSize, detections: detections).Loaders();
            using var learn = trainArgs.Create(parse, dls, choice);
            if (parse.GetValue(unfreeze)) learn.Unfreeze();
            var result = learn.LrFind(parse.GetValue(startLr), parse.GetValue(endLr), parse.GetValue(numIt));
            var png = parse.GetValue(plot)!;
            TrainingPlots.LrFind(result, png);
            var s = result.Suggestions;
            return CliOutput.Result(string.Create(CultureInfo.InvariantCulture,
                    $"lr-find: valley={s.Valley:G3} slide={s.Slide:G3} minimum={s.Minimum:G3} steep={s.Steep:G3} points={result.Losses.Count} plot={Path.GetFullPath(png)}"),
                new { Command = "lr-find", s.Valley, s.Slide, s.Minimum, s.Steep, Points = result.Losses.Count, Plot = Path.GetFullPath(png) });
        });
        return command;
    }
}
