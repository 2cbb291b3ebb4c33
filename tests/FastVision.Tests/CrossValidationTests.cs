using System.Text.Json;
using FastVision.Inference;

namespace FastVision.Tests;

/// <summary>train --folds: fold models on stratified site folds, out-of-fold figures, and the folder as an ensemble bundle.</summary>
public class CrossValidationTests
{
    [Fact]
    public void TwoFoldsGiveOutOfFoldFiguresAndAnEnsembleThatAveragesItsMembers()
    {
        using var dir = new TempDir();
        var (root, sequenceOf) = SequenceCliTests.CompetitionLayout(dir);
        var model = dir.Combine("cv");
        var train = CliRunner.Run("train", "--data", root, "--folds", "2", "--epochs", "1", "--size", "32", "--presize", "40", "--batch-size", "8", "--out", model, "--json");
        Assert.True(train.ExitCode == 0, train.Output + train.Errors);
        var result = JsonDocument.Parse(train.Output).RootElement;
        Assert.Equal(2, result.GetProperty("folds").GetInt32());
        Assert.InRange(result.GetProperty("oof_accuracy").GetDouble(), 0, 1);
        Assert.True(result.GetProperty("oof_log_loss").GetDouble() > 0);

        // Every image is predicted once, by the model that did not train on it; whole sites stay in one fold.
        var oof = File.ReadAllLines(Path.Combine(model, "oof.csv")).Skip(1).Select(l => l.Split(',')).ToList();
        Assert.Equal(sequenceOf.Count, oof.Count);
        Assert.Equal(sequenceOf.Count, oof.Select(r => r[0]).Distinct().Count());
        var siteOf = File.ReadAllLines(Path.Combine(root, "train_features.csv")).Skip(1).Select(l => l.Split(',')).ToDictionary(c => c[0], c => c[2]);
        Assert.All(oof.GroupBy(r => siteOf[r[0]]), site => Assert.Single(site.Select(r => r[2]).Distinct()));
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
    }
}
