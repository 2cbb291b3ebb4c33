using System.CommandLine;
using FastVision.Callbacks;
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
        var folds = new Option<int?>("--folds")
        {
            Description = "Cross-validation: K models on K stratified site folds (5 is usual); prints out-of-fold figures and makes --out an ensemble of the fold models",
        };

        var command = new Command("train", "Fine-tune a pretrained CNN on a labelled image folder or the competition CSVs.\n" +
            "Example: fastvision train --data ./conservision --fine-tune 2 --lr 2e-3 --out ./model");
        foreach (var o in dataArgs.Options.Concat(pipelineArgs.Options).Concat(detections.Options).Concat(trainArgs.Options).Concat(run.Options)) command.Options.Add(o);
        foreach (var o in new Option[] { epochs, fineTune, freezeEpochs, lr, schedule, mixup, cutmix, earlyStop, reduceLr, saveBest, resume, output, lrFind, noCalibrate, folds })
            command.Options.Add(o);
        // One model on a planned data set: the learner, resume, callbacks, the LR finder, the schedule, then the run's files.
        (Learner Learner, Predictions Validation) Fit(ParseResult parse, PlannedData planned, ModelChoice choice, string outDir, bool calibrate, string dataReport, DateTimeOffset started)
        {
            var dls = planned.Loaders();
            Directory.CreateDirectory(outDir);
            var learn = trainArgs.Create(parse, dls, choice);
            try
            {
                if (parse.GetValue(resume) is { } from)
                {
                    learn.Resume(from);
                    Console.WriteLine($"resuming from {from}: {learn.History.Count} epoch(s) done");
                }
                var callbacks = new List<Callback> { new CheckpointCallback(Path.Combine(outDir, "checkpoints")), new TerminateOnNaNCallback() };
                if (parse.GetValue(mixup) is { } alpha) callbacks.Add(new MixUp(alpha));
                if (parse.GetValue(cutmix) is { } cutAlpha) callbacks.Add(new CutMix(cutAlpha));
                if (parse.GetValue(earlyStop) is { } patience) callbacks.Add(new EarlyStoppingCallback(patience: patience));
                if (parse.GetValue(reduceLr) is { } plateau) callbacks.Add(new ReduceLROnPlateau(patience: plateau));
                if (parse.GetValue(saveBest)) callbacks.Add(new SaveModelCallback(path: Path.Combine(outDir, "checkpoints", "best.safetensors"))); // on disk: survives --resume

                LearningRates? found = null;
                if (parse.GetValue(lrFind))
                {
                    var result = learn.LrFind();
                    TrainingPlots.LrFind(result, Path.Combine(outDir, RunFiles.LrFind));
                    Console.WriteLine(FormattableString.Invariant($"lr-find: valley={result.Suggestions.Valley:G3} (plot {Path.Combine(outDir, RunFiles.LrFind)})"));
                    found = LearningRates.All(result.Suggestions.Valley);
                }
                var rates = parse.GetValue(lr) ?? found ?? LearningRates.All(LearningRates.DefaultFineTune);
                if (parse.GetValue(fineTune) is { } tuneEpochs) // LO:HI: HI is fine_tune's base rate, HI/LO its lr_mult
                    learn.FineTune(tuneEpochs, rates.High, parse.GetValue(freezeEpochs), lrMult: rates.FineTuneMult, callbacks: callbacks);
                else if (parse.GetValue(schedule) == "flat-cos") learn.FitFlatCos(parse.GetValue(epochs), rates, callbacks: callbacks);
                else if (parse.GetValue(schedule) == "constant") learn.Fit(parse.GetValue(epochs), rates, callbacks);
                else learn.FitOneCycle(parse.GetValue(epochs), rates, callbacks: callbacks);

                return (learn, TrainingRun.Finish(learn, outDir, calibrate, dataReport, started, rates.High));
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
            var planned = dataArgs.Plan(parse, pipelineArgs, choice.InputSize, detections: detections);
            var outDir = parse.GetValue(output)!;
            Directory.CreateDirectory(outDir);
            if (parse.GetValue(folds) is not { } foldCount)
            {
                var dataReport = DataSetReport.Build(planned.Data);
                Console.WriteLine(dataReport);
                var (learn, validation) = Fit(parse, planned, choice, outDir, calibrate: !parse.GetValue(noCalibrate), dataReport, started);
                using (learn)
                using (validation)
                    return TrainingRun.Summarize(learn, watch.Elapsed, outDir, "train");
            }
            // Cross-validation: one model per fold, each validated on the fold it did not see; the folder becomes an ensemble.
            if (parse.GetValue(resume) is not null) throw new ArgumentException("--resume continues a single run; a killed --folds run is started again (its finished folds are not kept yet).");
            var groupFolds = CrossValidationRun.Folds(planned.Data, foldCount, parse.GetValue(run.Seed));
            var foldOf = groupFolds.FoldOf(planned.Data.Items);
            var outOfFold = new Dictionary<int, float[]>();
            var lastEpochs = new List<EpochResult>();
            for (int fold = 0; fold < foldCount; fold++)
            {
                var foldData = CrossValidationRun.FoldData(planned.Data, groupFolds, foldOf, fold);
                var dataReport = DataSetReport.Build(foldData);
                Console.WriteLine($"== fold {fold + 1} of {foldCount}");
                Console.WriteLine(dataReport);
                var (learn, preds) = Fit(parse, planned with { Data = foldData }, choice, Path.Combine(outDir, CrossValidationRun.FoldFolder(fold)), calibrate: false, dataReport, started);
                using (learn)
                using (preds)
                {
                    var logits = preds.Logits.data<float>().ToArray();
                    int classes = planned.Data.Classes.Count;
                    for (int r = 0; r < preds.Count; r++) outOfFold[foldData.Valid[preds.Items[r]]] = logits[(r * classes)..((r + 1) * classes)];
                    lastEpochs.Add(learn.History[^1]);
                }
            }
            return CrossValidationRun.Finish(planned.Data, foldOf, outOfFold, lastEpochs, outDir, watch.Elapsed);
        });
        return command;
    }
}
