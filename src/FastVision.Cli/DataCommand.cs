using System.CommandLine;
using FastVision.Reporting;

namespace FastVision.Cli;

internal static class DataCommand
{
    public static Command Create()
    {
        var run = new RunArguments();
        var dataArgs = new DataArguments(run);
        var pipelineArgs = new PipelineArguments();
        var detections = new DetectionArguments(withPolicy: true);
        var showBatch = new Option<string>("--show-batch") { Description = "PNG file for a grid of one augmented training batch", DefaultValueFactory = _ => "batch.png" };
        var showGallery = new Option<string?>("--show-gallery")
        {
            Description = "PNG file for the class gallery: a row per class, a few of its training images as validation sees them; default class_gallery.png beside the batch",
        };
        var command = new Command("data", "Check a data set before training: counts per class, split and site, skipped images, leak warnings, " +
            "the pipeline applied to one item, a picture of a training batch and a few images of each class.\n" +
            "Example: fastvision data --data ./conservision --split site --show-batch batch.png");
        foreach (var o in dataArgs.Options.Concat(pipelineArgs.Options).Concat(detections.Options).Concat(run.Options)) command.Options.Add(o);
        command.Options.Add(showBatch);
        command.Options.Add(showGallery);
        command.SetAction(parse =>
        {
            // The report first: it explains the counts should the set be too small for a training batch.
            var planned = dataArgs.Plan(parse, pipelineArgs, detections: detections);
            Console.WriteLine(DataSetReport.Build(planned.Data));
            var dls = planned.Loaders();
            Console.WriteLine(PipelineSummary.Build(dls));
            var png = parse.GetValue(showBatch)!;
            BatchGrid.Save(dls.Train, dls.Classes, png);
            var gallery = parse.GetValue(showGallery) ?? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(png))!, RunFiles.ClassGallery);
            ClassGallery.Save(dls, gallery);
            Console.WriteLine($"class gallery: {Path.GetFullPath(gallery)}");
            return CliOutput.Result($"batch: {Path.GetFullPath(png)}", new
            {
                Command = "data", Classes = dls.Classes, Train = dls.Train.Count, Valid = dls.Valid.Count, BatchSize = dls.BatchSizing.Effective,
                RequestedBatchSize = dls.BatchSizing.Requested, Skipped = dls.Issues.Skipped.Count,
                Warnings = dls.Issues.Warnings, Batch = Path.GetFullPath(png), Gallery = Path.GetFullPath(gallery),
            });
        });
        return command;
    }
}
