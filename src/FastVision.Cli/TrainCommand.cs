using System.CommandLine;
using FastVision.Callbacks;
using FastVision.Data;
using FastVision.Inference;
using FastVision.Reporting;
using FastVision.Training;

namespace FastVision.Cli;

internal static class TrainCommand
{
    public static Command Create()
    {
        var run = new RunArguments();
        var dataArgs = new DataArguments(run);
        var pipelineArgs = new PipelineArguments();
        var detections = new DetectionArguments(withPolicy: true);
        var trainArgs = new TrainingArguments(run);
        var tracking = new TrackingArguments();
        var epochs = CommonOptions.Epochs(3);
        var fineTune = new Option<int?>("--fine-tune") { Description = "fastai's fine_tune: --freeze-epochs with the body frozen, then N epochs of the whole network with discriminative rates" };
        var freezeEpochs = new Option<int>("--freeze-epochs") { Description = "Frozen epochs before --fine-tune unfreezes", DefaultValueFactory = _ => 1 };
        var lr = CommonOptions.LearningRate(FormattableString.Invariant($"{LearningRates.DefaultFineTune}, or the LR finder's valley with --lr-find; with --fine-tune, HI is its base rate and HI/LO its lr_mult"));
        var schedule = new Option<string>("--schedule") { Description = "one-cycle (fastai's fit_one_cycle), flat-cos or constant; for --epochs", DefaultValueFactory = _ => "one-cycle" };
        schedule.AcceptOnlyFromAmong("one-cycle", "flat-cos", "constant");
        var mixup = new Option<double?>("--mixup") { Description = "MixUp with this alpha (fastai: 0.4)" };
        var cutmix = new Option<double?>("--cutmix") { Description = "CutMix with this alpha (fastai: 1.0)" };
        var earlyStop = new Option<int?>("--early-stop") { Description = "Stop after this many epochs without a better valid_loss" };
        var reduceLr = new Option<int?>("--reduce-lr-on-plateau") { Description = "Divide the rates by 10 after this many epochs without a better valid_loss" };
        var saveBest = new Option<bool>("--save-best") { Description = "Keep the weights of the epoch with the best valid_loss (reloaded at the end)" };
        var resume = new Option<string?>("--resume") { Description = "Continue a killed run from the checkpoints folder of its --out (same command otherwise)" };
        var output = new Option<string>("--out") { Description = "Folder for the model, checkpoints and plots", DefaultValueFactory = _ => "model" };
        var lrFind = new Option<bool>("--lr-find") { Description = "Run the LR finder first (plot in OUT/lr_find.png); its valley suggestion is the rate unless --lr is given" };
        var noCalibrate = new Option<bool>("--no-calibrate") { Description = "Skip temperature scaling on the validation set (the model then predicts raw softmax)" };
        var normalize = CommonOptions.NormalizeConfusionMatrix();
        var folds = new Option<int?>("--folds")
        {
            Description = "Cross-validation: K models on K stratified site folds (5 is usual); prints out-of-fold figures and makes --out an ensemble of the fold models",
        };
        var holdoutPct = new Option<double>("--holdout-pct")
        {
            Description = "With --folds: first set aside this share of the images (whole sites, stratified by class) as a test set no fold sees, scored once by the ensemble",
            DefaultValueFactory = _ => 0,
        };
        var progressive = new Option<string?>("--progressive")
        {
            Description = "fastai's progressive resizing SMALL:LARGE (e.g. 128:224): the whole schedule at SMALL px, then again at LARGE px from the weights it reached; LARGE is the model's size",
        };

        var command = new Command("train", "Fine-tune a pretrained CNN on a labelled image folder or the competition CSVs.\n" +
            "Example: fastvision train --data ./conservision --fine-tune 2 --lr 2e-3 --out ./model");
        foreach (var o in dataArgs.Options.Concat(pipelineArgs.Options).Concat(detections.Options).Concat(trainArgs.Options).Concat(tracking.Options).Concat(run.Options)) command.Options.Add(o);
        foreach (var o in new Option[] { epochs, fineTune, freezeEpochs, lr, schedule, mixup, cutmix, earlyStop, reduceLr, saveBest, resume, output, lrFind, noCalibrate, normalize, folds, holdoutPct, progressive })
            command.Options.Add(o);
        // One model on a planned data set: the learner, resume, callbacks, the LR finder, the schedule, then the run's files.
        // fold: the fold's name (its TensorBoard subfolder) with --folds.
        (Learner Learner, Predictions Validation) Fit(ParseResult parse, PlannedData planned, ModelChoice choice, string outDir, string? resumeFrom, bool calibrate,
            string dataReport, DateTimeOffset started, string? fold = null)
        {
            var dls = planned.Loaders();
            Directory.CreateDirectory(outDir);
            var learn = trainArgs.Create(parse, dls, choice);
            try
            {
                if (resumeFrom is not null)
                {
                    learn.Resume(resumeFrom);
                    Console.WriteLine($"resuming from {resumeFrom}: {learn.History.Count} epoch(s) done");
                }
                var callbacks = new List<Callback>
                {
                    new CheckpointCallback(Checkpoint.FolderOf(outDir)), new TerminateOnNaNCallback(), new CsvLogger(Path.Combine(outDir, RunFiles.Metrics)),
                };
                var tensorBoard = tracking.Start(parse, fold);
                if (tensorBoard is not null) callbacks.Add(tensorBoard);
                if (parse.GetValue(mixup) is { } alpha) callbacks.Add(new MixUp(alpha));
                if (parse.GetValue(cutmix) is { } cutAlpha) callbacks.Add(new CutMix(cutAlpha));
                if (parse.GetValue(earlyStop) is { } patience) callbacks.Add(new EarlyStoppingCallback(patience: patience));
                if (parse.GetValue(reduceLr) is { } plateau) callbacks.Add(new ReduceLROnPlateau(patience: plateau));
                if (parse.GetValue(saveBest)) callbacks.Add(new SaveModelCallback(path: Path.Combine(Checkpoint.FolderOf(outDir), "best.safetensors"))); // on disk: survives --resume

                LearningRates? found = null;
                if (parse.GetValue(lrFind))
                {
                    var result = learn.LrFind();
                    TrainingPlots.LrFind(result, Path.Combine(outDir, RunFiles.LrFind));
                    Console.WriteLine(FormattableString.Invariant($"lr-find: valley={result.Suggestions.Valley:G3} (plot {Path.Combine(outDir, RunFiles.LrFind)})"));
                    found = LearningRates.All(result.Suggestions.Valley);
                }
                var rates = parse.GetValue(lr) ?? found ?? LearningRates.All(LearningRates.DefaultFineTune);
                void Schedule()
                {
                    if (parse.GetValue(fineTune) is { } tuneEpochs) // LO:HI: HI is fine_tune's base rate, HI/LO its lr_mult
                        learn.FineTune(tuneEpochs, rates.High, parse.GetValue(freezeEpochs), lrMult: rates.FineTuneMult, callbacks: callbacks);
                    else if (parse.GetValue(schedule) == "flat-cos") learn.FitFlatCos(parse.GetValue(epochs), rates, callbacks: callbacks);
                    else if (parse.GetValue(schedule) == "constant") learn.Fit(parse.GetValue(epochs), rates, callbacks);
                    else learn.FitOneCycle(parse.GetValue(epochs), rates, callbacks: callbacks);
                }
                if (ProgressiveSizes(parse.GetValue(progressive)) is { } p) // a resume replays the finished schedules as no-ops
                    learn.FitProgressive([p.Small, p.Large], size =>
                    {
                        Console.WriteLine($"progressive resizing: {size} px (presize {learn.Dls.Pipeline.Presize.Size})");
                        Schedule();
                    });
                else Schedule();

                return (learn, TrainingRun.Finish(learn, outDir, calibrate, dataReport, started, rates.High, tensorBoard, parse.GetValue(normalize)));
            }
            catch
            {
                learn.Dispose();
                throw;
            }
        }

        command.SetAction(parse =>
        {
            var started = DateTimeOffset.UtcNow;
            var watch = System.Diagnostics.Stopwatch.StartNew();
            var choice = trainArgs.Choose(parse);
            var sizes = ProgressiveSizes(parse.GetValue(progressive));
            var planned = dataArgs.Plan(parse, pipelineArgs, sizes?.Large ?? choice.InputSize, detections: detections);
            if (sizes is { } p && planned.Block.Pipeline.Size != p.Large)
                throw new ArgumentException($"--size {planned.Block.Pipeline.Size} and --progressive {p.Small}:{p.Large} disagree: the model's size is the large one.");
            var outDir = parse.GetValue(output)!;
            Directory.CreateDirectory(outDir);
            var resumeFrom = parse.GetValue(resume);
            if (parse.GetValue(folds) is not { } foldCount)
            {
                if (parse.GetValue(holdoutPct) > 0) throw new ArgumentException("--holdout-pct sets aside a test set for --folds; a single run has its validation set.");
                var dataReport = DataSetReport.Build(planned.Data);
                Console.WriteLine(dataReport);
                var (learn, validation) = Fit(parse, planned, choice, outDir, resumeFrom, calibrate: !parse.GetValue(noCalibrate), dataReport, started);
                using (learn)
                using (validation)
                    return TrainingRun.Summarize(learn, watch.Elapsed, outDir, "train");
            }
            // Cross-validation: one model per fold, each validated on the fold it did not see; the folder becomes an ensemble.
            if (resumeFrom is not null && Path.GetFullPath(resumeFrom).TrimEnd('/') != Path.GetFullPath(outDir).TrimEnd('/'))
                throw new ArgumentException($"With --folds, --resume names the run's --out folder ({outDir}), which holds its folds, not {resumeFrom}.");
            var plan = CrossValidationPlan.Create(planned.Data, foldCount, parse.GetValue(holdoutPct), parse.GetValue(run.Seed));
            Console.WriteLine($"cross-validation: {plan.Data.Split}");
            var result = new CrossValidation(plan, outDir).Run(fold =>
                {
                    var dataReport = DataSetReport.Build(fold.Data);
                    Console.WriteLine($"== fold {fold.Index + 1} of {fold.Count}");
                    Console.WriteLine(dataReport);
                    var (learn, validation) = Fit(parse, planned with { Data = fold.Data }, choice, fold.Directory, fold.ResumeFrom, calibrate: false, dataReport, started,
                        Path.GetFileName(fold.Directory));
                    return new TrainedFold(learn, validation);
                },
                resume: resumeFrom is not null,
                onFold: (fold, learner, _) => { if (learner is null) Console.WriteLine($"== fold {fold.Index + 1} of {fold.Count}: finished before the interruption, kept"); });
            return CrossValidationRun.Report(result, outDir, watch.Elapsed);
        });
        return command;
    }

    /// <summary>--progressive SMALL:LARGE, checked; null when not given.</summary>
    private static (int Small, int Large)? ProgressiveSizes(string? value)
    {
        if (value is null) return null;
        var parts = value.Split(':');
        if (parts.Length == 2 && int.TryParse(parts[0], out var small) && int.TryParse(parts[1], out var large) && small >= 16 && large > small)
            return (small, large);
        throw new ArgumentException($"--progressive {value}: expected SMALL:LARGE pixel sizes with SMALL < LARGE, e.g. 128:224.");
    }
}
