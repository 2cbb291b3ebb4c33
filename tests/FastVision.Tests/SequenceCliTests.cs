using System.Globalization;
using System.Text.Json;
using FastVision.Data;

namespace FastVision.Tests;

/// <summary>Sequences through the CLI: a features-CSV column names them, and predictions are pooled per sequence.</summary>
public class SequenceCliTests
{
    /// <summary>The demo's images in the competition layout with a sequence column: 3 frames per sequence, 4 sites.</summary>
    internal static (string Root, Dictionary<string, string> SequenceOf) CompetitionLayout(TempDir dir)
    {
        var images = DemoDataset.Generate(dir.Combine("demo"), perClass: 9, seed: 8, width: 48, height: 36);
        var root = dir.Combine("data");
        Directory.CreateDirectory(Path.Combine(root, "train_features"));
        var classes = DemoDataset.Classes;
        var features = new List<string> { "id,filepath,site,sequence" };
        var labels = new List<string> { "id," + string.Join(",", classes) };
        var sequenceOf = new Dictionary<string, string>();
        int n = 0;
        foreach (var (label, c) in classes.Select((label, c) => (label, c)))
            foreach (var (file, k) in Directory.GetFiles(Path.Combine(images, label)).Order(StringComparer.Ordinal).Select((f, k) => (f, k)))
            {
                var id = string.Create(CultureInfo.InvariantCulture, $"ZJ{n++:D6}");
                File.Copy(file, Path.Combine(root, "train_features", id + ".jpg"));
                var sequence = $"{label}-{k / 3}";
                sequenceOf[id] = sequence;
                features.Add($"{id},train_features/{id}.jpg,S{(c * 3 + k / 3) % 4:D4},{sequence}");
                labels.Add(id + "," + string.Join(",", classes.Select((_, j) => j == c ? "1.0" : "0.0")));
            }
        File.WriteAllLines(Path.Combine(root, "train_features.csv"), features);
        File.WriteAllLines(Path.Combine(root, "train_labels.csv"), labels);
        return (root, sequenceOf);
    }

    [Fact]
    public void EvaluateAndPredictPoolEachSequenceNamedByItsColumn()
    {
        using var dir = new TempDir();
        var (root, sequenceOf) = CompetitionLayout(dir);
        var model = dir.Combine("model");
        var train = CliRunner.Run("train", "--data", root, "--epochs", "1", "--size", "32", "--presize", "40", "--batch-size", "8", "--out", model, "--no-calibrate", "--quiet");
        Assert.True(train.ExitCode == 0, train.Output + train.Errors);

        var evaluate = CliRunner.Run("evaluate", model, "--data", root, "--sequence-column", "sequence", "--aggregate-sequences", "--json");
        Assert.True(evaluate.ExitCode == 0, evaluate.Output + evaluate.Errors);
        var sequences = JsonDocument.Parse(evaluate.Output).RootElement.GetProperty("sequences");
        Assert.Equal(sequenceOf.Values.Distinct().Count(), sequences.GetProperty("count").GetInt32());
        Assert.Equal(0, sequences.GetProperty("mixed").GetInt32());
        Assert.InRange(sequences.GetProperty("scores").GetProperty("accuracy").GetDouble(), 0, 1);

        var predictions = dir.Combine("preds.csv");
        var predict = CliRunner.Run("predict", model, "--csv", Path.Combine(root, "train_features.csv"), "--sequence-column", "sequence", "--aggregate-sequences", "--out", predictions);
        Assert.True(predict.ExitCode == 0, predict.Output + predict.Errors);
        var rows = File.ReadAllLines(predictions).Skip(1).Select(line => line.Split(',')).ToList();
        Assert.Equal(sequenceOf.Count, rows.Count);
        // Every frame of a sequence carries the sequence's probabilities; sequences differ from each other.
        var bySequence = rows.GroupBy(r => sequenceOf[r[0]]).ToList();
        Assert.All(bySequence, g => Assert.Single(g.Select(r => string.Join(",", r[3..])).Distinct()));
        Assert.True(bySequence.Select(g => string.Join(",", g.First()[3..])).Distinct().Count() > 1);

        var missing = CliRunner.Run("evaluate", model, "--data", root, "--sequence-column", "burst", "--aggregate-sequences");
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("burst", missing.Errors);
    }
}
