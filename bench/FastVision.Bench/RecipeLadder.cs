using System.Diagnostics;
using System.Globalization;
using FastVision.Callbacks;
using FastVision.Data;
using FastVision.Inference;
using FastVision.Metrics;
using FastVision.Native;
using FastVision.Training;
using static TorchSharp.torch;

namespace FastVision.Bench;

/// <summary>
/// The camera-trap recipe ladder on mct-20 (real photos, 20 species, whole sequences as groups): 20% of the sequences held out
/// (stratified, seed 42) as a test set, 5-fold stratified sequence-grouped cross-validation on the rest, and per rung the
/// out-of-fold figures and the fold ensemble's test-set figures: (a) the competition benchmark's plain recipe, (b) fastai's
/// fine_tune, (c) + detector crops, (d) + sequence pooling, (e) + test-time augmentation, (f) + the regularization levers that
/// lowered the out-of-fold log loss of (d) when tried one at a time (label smoothing, MixUp, progressive resizing, balanced
/// sampling). Levers are chosen on out-of-fold figures only; the test set is read once per rung. Then the same recipes'
/// timing at the competition's full size, from throughput measured on 640x480 stand-ins at 224 px.
/// </summary>
public static class RecipeLadder
{
    private sealed record Settings(int Size, int Folds, int Epochs, int TtaPasses, int StandIns);

    private sealed record Rung(string Name, CrossValidationResult Result, double Minutes);

    public static BenchmarkReport? Run(string[] args)
    {
        bool quick = args.Contains("--quick");
        var root = Value(args, "--data") ?? Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "..", "shared", "data", "mct-20"));
        if (!File.Exists(Path.Combine(root, "train_features.csv")))
        {
            Console.Error.WriteLine($"recipe-ladder: no mct-20 at {root} (give --data PATH); skipped.");
            return null;
        }
        var s = quick
            ? new Settings(64, 2, 1, 2, 96)
            : new Settings(int.Parse(Value(args, "--size") ?? "160", CultureInfo.InvariantCulture), 5, int.Parse(Value(args, "--epochs") ?? "2", CultureInfo.InvariantCulture), 4, 384);
        TorchRuntime.EnsureInitialized();
        var total = Stopwatch.StartNew();
        var work = Path.Combine(Path.GetTempPath(), "fastvision-bench-ladder");
        if (Directory.Exists(work)) Directory.Delete(work, recursive: true);
        var detections = MegaDetectorResults.Read(Path.Combine(root, "megadetector.json"));
        DataBlock Block(bool crops, bool augment = true, bool balanced = false) => ImageDataLoaders.ConservisionBlock(root, new DataLoaderOptions
        {
            Size = s.Size, Presize = augment ? 0 : s.Size, Augment = augment, Seed = 42, SequenceColumn = "sequence", Detections = detections,
            Crop = crops ? new DetectionCrop() : null, BalancedSampling = balanced, CacheDirectory = Path.Combine(work, "presize-cache"),
        });
        var plan = CrossValidationPlan.Create(Block(crops: false).Plan(root), s.Folds, holdoutPct: 0.2, seed: 42);
        Console.WriteLine($"recipe-ladder: {root}: {plan.Data.Split}; {s.Size} px, fine_tune({s.Epochs}), bf16");

        LearnerOptions Options(double labelSmoothing = 0) => new()
        {
            Log = null, Seed = 42, MixedPrecision = ScalarType.BFloat16, LabelSmoothing = labelSmoothing, Metrics = _ => [new Accuracy(), new LogLoss()],
        };
        var predictOptions = new PredictorOptions { MixedPrecision = ScalarType.BFloat16, Tta = new TestTimeAugmentation(s.TtaPasses), Seed = 42 };
        double ttaMinutes = 0;
        // One cross-validated recipe; with tta, each fold model also predicts its fold and the test set with test-time augmentation.
        Rung Cv(string name, DataBlock block, Func<DataLoaders, Learner> create, Action<Learner> fit, List<FoldPredictions>? tta = null)
        {
            var watch = Stopwatch.StartNew();
            var ttaWatch = new Stopwatch();
            var result = new CrossValidation(plan, Path.Combine(work, name)).Run(fold =>
                {
                    var learn = create(block.DataLoaders(fold.Data, batchSize: 32));
                    fit(learn);
                    return new TrainedFold(learn);
                },
                onFold: (fold, learn, predictions) =>
                {
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"  {name} fold {fold.Index + 1}: valid_loss {predictions.Last.ValidLoss:F4} accuracy {predictions.Last.Accuracy:F4} ({watch.Elapsed.TotalMinutes:F1} min)"));
                    if (tta is null || learn is null) return;
                    ttaWatch.Start();
                    using var predictor = Predictor.ForLearner(learn, predictOptions);
                    tta.Add(predictions with
                    {
                        Valid = FoldPredictions.Rows(predictor.Predict(learn.Dls.Valid.Items)),
                        Holdout = FoldPredictions.Rows(predictor.Predict(plan.Holdout)),
                    });
                    ttaWatch.Stop();
                });
            ttaMinutes = ttaWatch.Elapsed.TotalMinutes;
            return new Rung(name, result, (watch.Elapsed - ttaWatch.Elapsed).TotalMinutes);
        }
        Rung Pooled(string name, IReadOnlyList<FoldPredictions> folds, double minutes) =>
            new(name, CrossValidationResult.Score(plan, [.. folds.Select(f => Pool(f, plan))]), minutes);
        Learner FastaiLearner(DataLoaders dls, double labelSmoothing = 0) => VisionLearner.Create(dls, options: Options(labelSmoothing));
        Action<Learner> FineTune(params Callback[] callbacks) => learn => learn.FineTune(s.Epochs, callbacks: callbacks);

        var report = new BenchmarkReport(
            $"Recipe ladder on mct-20 (real camera-trap photos, 20 species): {s.Folds}-fold stratified sequence CV + {plan.Holdout.Count}-image held-out test set, cntk-resnet, {s.Size} px{(quick ? ", --quick" : "")}",
            ["rung", "recipe", "OOF log loss", "OOF accuracy", "OOF balanced acc", "test log loss", "test accuracy", "test balanced acc", "time (min)"]);
        void Add(string rung, string recipe, Rung r) => report.Add(rung, recipe, r.Result.OutOfFoldScores.LogLoss, r.Result.OutOfFoldScores.Accuracy,
            r.Result.OutOfFoldScores.BalancedAccuracy, r.Result.HoldoutScores!.LogLoss, r.Result.HoldoutScores.Accuracy, r.Result.HoldoutScores.BalancedAccuracy, r.Minutes);

        var plainBlock = Block(crops: false, augment: false);
        var a = Cv("a", plainBlock, dls => CompetitionBenchmark.Create(dls, Options()), learn => learn.Fit(s.Epochs + 1, CompetitionBenchmark.LearningRate));
        Add("a", $"competition benchmark: MLP head, whole net, SGD 1e-3 m0.9, {s.Epochs + 1} epochs, plain resize", a);
        var b = Cv("b", Block(crops: false), dls => FastaiLearner(dls), FineTune());
        Add("b", $"fine_tune({s.Epochs}): fastai head, aug_transforms, presize", b);
        var cropBlock = Block(crops: true);
        var ttaOfC = new List<FoldPredictions>();
        var c = Cv("c", cropBlock, dls => FastaiLearner(dls), FineTune(), ttaOfC);
        double cTta = ttaMinutes;
        Add("c", "+ detector crops (top box >= 0.2, 10% margin)", c);
        var d = Pooled("d", c.Result.Folds, c.Minutes);
        Add("d", "+ sequence pooling (mean log-probabilities per sequence)", d);
        var e = Pooled("e", ttaOfC, c.Minutes + cTta);
        Add("e", $"+ TTA ({s.TtaPasses} augmented passes, beta 0.25)", e);

        // (f): each lever alone on top of (d), kept when it lowers (d)'s out-of-fold log loss; then all kept levers with TTA.
        int small = (int)Math.Round(s.Size * 0.7 / 8) * 8;
        var levers = new (string Name, string Description, Func<DataLoaders, Learner> Create, Action<Learner> Fit, DataBlock Block)[]
        {
            ("label smoothing", "label smoothing 0.1", dls => FastaiLearner(dls, 0.1), FineTune(), cropBlock),
            ("MixUp", "MixUp alpha 0.4", dls => FastaiLearner(dls), FineTune(new MixUp(0.4)), cropBlock),
            ("progressive resizing", $"progressive resizing {small}:{s.Size}", dls => FastaiLearner(dls),
                learn => learn.FitProgressive([small, s.Size], _ => learn.FineTune(s.Epochs)), cropBlock),
            ("balanced sampling", "balanced sampling", dls => FastaiLearner(dls), FineTune(), Block(crops: true, balanced: true)),
        };
        var kept = new List<int>();
        for (int i = 0; i < levers.Length; i++)
        {
            var trial = Cv($"f{i + 1}", levers[i].Block, levers[i].Create, levers[i].Fit);
            var pooled = Pooled($"f{i + 1}", trial.Result.Folds, trial.Minutes);
            bool helps = pooled.Result.OutOfFoldScores.LogLoss < d.Result.OutOfFoldScores.LogLoss;
            if (helps) kept.Add(i);
            Add($"f{i + 1}", $"(d) + {levers[i].Description}: {(helps ? "kept" : "dropped")}", pooled);
        }
        if (kept.Count > 0)
        {
            var chosen = kept.Select(i => levers[i]).ToList();
            bool smoothing = chosen.Any(l => l.Name == "label smoothing"), progressive = chosen.Any(l => l.Name == "progressive resizing");
            Callback[] callbacks = chosen.Any(l => l.Name == "MixUp") ? [new MixUp(0.4)] : [];
            var block = Block(crops: true, balanced: chosen.Any(l => l.Name == "balanced sampling"));
            var ttaOfF = new List<FoldPredictions>();
            var full = Cv("f", block, dls => FastaiLearner(dls, smoothing ? 0.1 : 0),
                learn =>
                {
                    if (progressive) learn.FitProgressive([small, s.Size], _ => learn.FineTune(s.Epochs, callbacks: callbacks));
                    else learn.FineTune(s.Epochs, callbacks: callbacks);
                }, ttaOfF);
            Add("f", $"(e) + {string.Join(" + ", chosen.Select(l => l.Description))}", Pooled("f", ttaOfF, full.Minutes + ttaMinutes));
        }
        else report.Note("(f): no lever lowered the out-of-fold log loss of (d), so the full recipe is (e).");

        report.Note($"{plan.Data.Items.Count} images in the folds, {plan.Holdout.Count} held out ({plan.Holdout.Select(i => i.Site).Distinct().Count()} sequences); " +
            $"OOF: every fold image predicted by the model that did not train on it, one temperature fitted on the OOF predictions; test: the mean of the {s.Folds} fold models' " +
            "probabilities at that temperature. Sequence pooling (d-f) pools each model's predictions within a sequence, then the temperature is refitted on the pooled OOF. " +
            "(d) and (e) reuse (c)'s models: their time is (c)'s training (+ the TTA passes for (e)). Lever trials (f1-f4) are without TTA. " +
            $"Whole ladder: {total.Elapsed.TotalMinutes:F1} min on {Environment.ProcessorCount} cores.");
        report.Note(CompetitionScale(s, plan.Data.Classes.Count, Options(), predictOptions, quick));
        Directory.Delete(work, recursive: true);
        return report;
    }

    /// <summary>
    /// Each fold model's predictions pooled within sequences (the pooled probabilities as every frame's): sequences never cross
    /// a fold, so pooling the out-of-fold rows of one model is honest.
    /// </summary>
    private static FoldPredictions Pool(FoldPredictions fold, CrossValidationPlan plan)
    {
        var itemOf = plan.Data.Items.Concat(plan.Holdout).ToDictionary(i => i.Path, StringComparer.Ordinal);
        var classes = plan.Data.Classes;
        var classIndex = classes.Select((c, k) => (c, k)).ToDictionary(p => p.c, p => p.k);
        PredictionRow[] Pooled(PredictionRow[] rows)
        {
            var set = new PredictionSet(classes, [.. rows.Select(r =>
            {
                var item = itemOf[r.Path];
                using var p = tensor(r.Logits).softmax(0);
                return new ImagePrediction(item, p.data<float>().ToArray(), classIndex[item.Label!]);
            })], []);
            return FoldPredictions.Rows(SequenceAggregation.Aggregate(set).PerFrame());
        }
        return fold with { Valid = Pooled(fold.Valid), Holdout = Pooled(fold.Holdout) };
    }

    /// <summary>
    /// Minutes per fold at the competition's size (16,488 images at 224 px; 20% held out, 5 folds: 10,552 training and 2,638
    /// validation images per fold, 3,298 test images), from rates measured here on 640x480 stand-ins: frozen and unfrozen
    /// training epochs, and prediction.
    /// </summary>
    private static string CompetitionScale(Settings s, int classes, LearnerOptions options, PredictorOptions predictOptions, bool quick)
    {
        int size = quick ? 96 : 224;
        var folder = StandInImages.Folder(s.StandIns);
        var dls = ImageDataLoaders.FromFolder(folder, new DataLoaderOptions { Size = size, Seed = 42, ValidPct = 0.25 });
        double frozen, unfrozen, predict;
        using (var learn = VisionLearner.Create(dls, options: options))
        {
            learn.FineTune(1);
            frozen = learn.History[0].TrainImagesPerSecond;
            unfrozen = learn.History[1].TrainImagesPerSecond;
            using var predictor = Predictor.ForLearner(learn, predictOptions with { Tta = null });
            var watch = Stopwatch.StartNew();
            int count = predictor.Predict(dls.Train.Items).Rows.Count;
            predict = count / watch.Elapsed.TotalSeconds;
        }
        const double train = 10_552, valid = 2_638, test = 3_298;
        int epochs = s.Epochs + 1;
        double Minutes(double trainSeconds, int validationPasses, int predictionPasses) =>
            (trainSeconds + (validationPasses * valid + predictionPasses * (valid + test)) / predict) / 60;
        var fineTune = Minutes(train / frozen + s.Epochs * train / unfrozen, epochs, 1);
        var rows = new (string Rung, double Minutes)[]
        {
            ("a (whole network every epoch)", Minutes(epochs * train / unfrozen, epochs, 1)),
            ("b, c, d (fine_tune)", fineTune),
            ($"e (+ TTA, {1 + s.TtaPasses} passes)", fineTune + s.TtaPasses * (valid + test) / predict / 60),
            ("f with progressive resizing (+ the schedule at 0.7 of the size, ~0.5 of the cost)", fineTune * 1.5 + s.TtaPasses * (valid + test) / predict / 60),
        };
        var inv = CultureInfo.InvariantCulture;
        return string.Create(inv, $"Competition size ({size} px, measured on {s.StandIns} 640x480 stand-ins: train {frozen:F1} img/s frozen, {unfrozen:F1} img/s unfrozen, predict {predict:F1} img/s bf16), ") +
            "minutes per fold on this machine (x5 folds for a ladder rung):\n\n| rung | min per fold |\n|---|---|\n" +
            string.Join("\n", rows.Select(r => string.Create(inv, $"| {r.Rung} | {r.Minutes:F0} |")));
    }

    private static string? Value(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}
