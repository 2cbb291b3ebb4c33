using System.Text.Json;
using FastVision.Callbacks;
using FastVision.Data;
using FastVision.Inference;
using FastVision.Training;

namespace FastVision.Tests;

/// <summary>train --folds: fold models on stratified site folds, out-of-fold figures, and the folder as an ensemble bundle.</summary>
public class CrossValidationTests
{
    [Fact]
    public void TwoFoldsGiveOutOfFoldFiguresAHeldOutTestSetAndAnEnsembleThatAveragesItsMembers()
    {
        using var dir = new TempDir();
        var (root, sequenceOf) = SequenceCliTests.CompetitionLayout(dir);
        var model = dir.Combine("cv");
        string[] args = ["train", "--data", root, "--folds", "2", "--holdout-pct", "0.25", "--epochs", "1", "--size", "32", "--presize", "40", "--batch-size", "8", "--out", model];
        var train = CliRunner.Run([.. args, "--json"]);
        Assert.True(train.ExitCode == 0, train.Output + train.Errors);
        var result = JsonDocument.Parse(train.Output).RootElement;
        Assert.Equal(2, result.GetProperty("folds").GetInt32());
        Assert.InRange(result.GetProperty("oof_accuracy").GetDouble(), 0, 1);
        Assert.True(result.GetProperty("oof_log_loss").GetDouble() > 0);

        // Every image is predicted once: by the model that did not train on it, or, held out, by the ensemble; whole sites stay
        // in one fold and out of the folds when held out.
        var oof = File.ReadAllLines(Path.Combine(model, "oof.csv")).Skip(1).Select(l => l.Split(',')).ToList();
        var holdout = File.ReadAllLines(Path.Combine(model, "holdout.csv")).Skip(1).Select(l => l.Split(',')).ToList();
        Assert.NotEmpty(holdout);
        Assert.Equal(holdout.Count, result.GetProperty("holdout").GetProperty("images").GetInt32());
        Assert.Equal(sequenceOf.Count, oof.Count + holdout.Count);
        Assert.Equal(sequenceOf.Count, oof.Concat(holdout).Select(r => r[0]).Distinct().Count());
        var siteOf = File.ReadAllLines(Path.Combine(root, "train_features.csv")).Skip(1).Select(l => l.Split(',')).ToDictionary(c => c[0], c => c[2]);
        Assert.All(oof.GroupBy(r => siteOf[r[0]]), site => Assert.Single(site.Select(r => r[2]).Distinct()));
        Assert.Empty(holdout.Select(r => siteOf[r[0]]).Intersect(oof.Select(r => siteOf[r[0]])));

        // Killed after fold 2's last epoch, before its predictions were saved: the resumed run keeps fold 1, resumes fold 2 from
        // its checkpoint (nothing left to train) and gives the same figures.
        File.Delete(Path.Combine(model, "fold-2", FoldPredictions.File));
        var resumed = CliRunner.Run([.. args, "--resume", model]);
        Assert.True(resumed.ExitCode == 0, resumed.Output + resumed.Errors);
        Assert.Contains("fold 1 of 2: finished before the interruption, kept", resumed.Output);
        Assert.Contains("1 epoch(s) done", resumed.Output);
        Assert.Equal(oof.Select(r => string.Join(",", r)), File.ReadAllLines(Path.Combine(model, "oof.csv")).Skip(1));
        var other = CliRunner.Run([.. args.Select(a => a == "0.25" ? "0.5" : a), "--resume", model]);
        Assert.NotEqual(0, other.ExitCode);
        Assert.Contains("other data into its folds", other.Errors);

        Assert.True(File.Exists(Path.Combine(model, "cv.json")));
        Assert.True(EnsembleBundle.IsEnsemble(model));

        // The ensemble's probabilities are the mean of its members' (temperatures off, so the members' raw softmax).
        var items = new FastVision.Data.CsvSource("train_features.csv").ReadAll(root).Take(6).ToList();
        var options = new PredictorOptions { Calibrated = false, Engine = PredictionEngine.Torch };
        using var ensemble = Predictor.Load(model, options);
        using var first = Predictor.Load(Path.Combine(model, "fold-1"), options);
        using var second = Predictor.Load(Path.Combine(model, "fold-2"), options);
        var (e, a, b) = (ensemble.Predict(items).Rows, first.Predict(items).Rows, second.Predict(items).Rows);
        for (int i = 0; i < items.Count; i++)
            for (int c = 0; c < e[i].Probabilities.Length; c++)
                Assert.Equal((a[i].Probabilities[c] + b[i].Probabilities[c]) / 2, e[i].Probabilities[c], 4);
        Assert.StartsWith("ensemble of 2 (mean", ensemble.EngineName);

        var evaluate = CliRunner.Run("evaluate", model, "--data", root, "--quiet");
        Assert.True(evaluate.ExitCode == 0, evaluate.Output + evaluate.Errors);
        Assert.StartsWith("evaluate: images=", evaluate.Output.Trim());
        var normalized = CliRunner.Run("evaluate", model, "--data", root, "--normalize", "--out", dir.Combine("evaluation"));
        Assert.True(normalized.ExitCode == 0, normalized.Output + normalized.Errors);
        Assert.Contains("confusion matrix, row-normalized", normalized.Output);
        Assert.True(File.Exists(dir.Combine("evaluation", "confusion_matrix.png")));
    }

    private sealed class SimulatedKill() : Exception("killed");

    /// <summary>Dies (like a killed process) after the first epoch's checkpoint was written.</summary>
    private sealed class KillAfterFirstEpoch : Callback
    {
        public override int Order => 90;
        public override void AfterEpoch() => throw new SimulatedKill();
    }

    [Fact]
    public void AKilledTwoFoldRunResumesAtTheFoldAndEpochItReached()
    {
        using var dir = new TempDir();
        var (root, _) = SequenceCliTests.CompetitionLayout(dir);
        var block = ImageDataLoaders.ConservisionBlock(root, new DataLoaderOptions { Size = 32, Presize = 40, Seed = 5 });
        var plan = CrossValidationPlan.Create(block.Plan(root), folds: 2, seed: 5);
        var started = new List<(int Fold, int EpochsDone)>();
        TrainedFold Train(CrossValidationFold fold, bool kill)
        {
            var learn = VisionLearner.Create(block.DataLoaders(fold.Data, batchSize: 8), options: new LearnerOptions { Log = null, Seed = 5 });
            if (fold.ResumeFrom is { } from) learn.Resume(from);
            started.Add((fold.Index, learn.History.Count));
            Callback[] callbacks = kill && fold.Index == 1 ? [new CheckpointCallback(fold.Checkpoints), new KillAfterFirstEpoch()] : [new CheckpointCallback(fold.Checkpoints)];
            learn.FitOneCycle(2, 2e-3, callbacks: callbacks);
            return new TrainedFold(learn);
        }

        var cv = new CrossValidation(plan, dir.Combine("cv"));
        Assert.Throws<SimulatedKill>(() => cv.Run(f => Train(f, kill: true)));
        var resumed = cv.Run(f => Train(f, kill: false), resume: true);
        Assert.Equal([(0, 0), (1, 0), (1, 1)], started); // fold 1 kept, fold 2 continued at its second epoch

        var straight = new CrossValidation(plan, dir.Combine("straight")).Run(f => Train(f, kill: false));
        Assert.Equal(2, resumed.Folds[1].Last.Epoch + 1);
        Assert.Equal(straight.OutOfFold.Rows.Count, resumed.OutOfFold.Rows.Count);
        Assert.Equal(straight.OutOfFoldScores.LogLoss, resumed.OutOfFoldScores.LogLoss, 3);
    }

    [Fact]
    public void FoldsCoverEveryItemOnceAndTheHoldoutKeepsWholeGroupsApart()
    {
        var items = Enumerable.Range(0, 240).Select(i => new ImageItem($"img{i}.jpg", $"c{i % 4}", $"id{i}", $"site{i % 24}")).ToList();
        var data = new DataSet("root", "test", "test", "none", items, [.. Enumerable.Range(0, items.Count)], [], ["c0", "c1", "c2", "c3"], new DataIssues(BadImagePolicy.Fail));
        var plan = CrossValidationPlan.Create(data, folds: 3, holdoutPct: 0.25, seed: 1);
        Assert.Equal(items.Count, plan.Data.Items.Count + plan.Holdout.Count);
        Assert.Empty(plan.Holdout.Select(i => i.Site).Intersect(plan.Data.Items.Select(i => i.Site)));
        Assert.InRange(plan.Holdout.Count, 40, 80);
        Assert.All(plan.Holdout.GroupBy(i => i.Label), c => Assert.InRange(c.Count(), 5, 25)); // every class held out in proportion
        var valid = Enumerable.Range(0, plan.Count).SelectMany(k => plan.FoldData(k).Valid).ToList();
        Assert.Equal(Enumerable.Range(0, plan.Data.Items.Count), valid.Order());
        for (int k = 0; k < plan.Count; k++)
        {
            var fold = plan.FoldData(k);
            Assert.Empty(fold.Train.Select(i => fold.Items[i].Site).Intersect(fold.Valid.Select(i => fold.Items[i].Site)));
        }
        Assert.Equal(plan.Fingerprint(), CrossValidationPlan.Create(data, folds: 3, holdoutPct: 0.25, seed: 1).Fingerprint());
        Assert.NotEqual(plan.Fingerprint(), CrossValidationPlan.Create(data, folds: 3, holdoutPct: 0.25, seed: 2).Fingerprint());
    }
}
