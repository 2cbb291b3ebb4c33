using System.Globalization;
using FastVision.Inference;

namespace FastVision.Tests;

/// <summary>The seed's whole path on camtrap-mini through the fastvision command: train, export, evaluate, predict, submit, check.</summary>
public class SubmissionPathTests
{
    [SkippableFact]
    public void TrainPredictSubmitAndCheckOnCamtrapMini()
    {
        var mini = SharedData.CamtrapMini;
        Skip.If(mini is null, "../shared/data/camtrap-mini is not present on this machine.");
        using var dir = new TempDir();
        var model = dir.Combine("model");

        var train = CliRunner.Run("train", "--data", mini!, "--size", "64", "--presize", "80", "--batch-size", "16", "--fine-tune", "1",
            "--lr", "2e-3", "--seed", "1", "--out", model);
        Assert.True(train.ExitCode == 0, train.Output + train.Errors);
        Assert.Contains("calibration: temperature", train.Output);
        Assert.Contains("confusion matrix", train.Output);
        foreach (var file in new[] { "model.json", "model.safetensors", "confusion_matrix.png", "top_losses.png", "interpretation.txt", "loss.png" })
            Assert.True(File.Exists(Path.Combine(model, file)), file);
        var metadata = ModelBundle.Load(model).Metadata;
        Assert.NotNull(metadata.Calibration);
        Assert.True(metadata.Calibration!.ValidLogLossAfter <= metadata.Calibration.ValidLogLossBefore + 1e-6);

        var evaluate = CliRunner.Run("evaluate", model, "--data", mini!, "--valid-only", "--seed", "1");
        Assert.True(evaluate.ExitCode == 0, evaluate.Output + evaluate.Errors);
        Assert.Contains("evaluate: images=", evaluate.Output);

        // A test set in the competition's layout: ten of the photos under test_features/, a format with the
        // classes in another order than the model's and the ids in another order than the features file.
        var rows = File.ReadAllLines(Path.Combine(mini!, "train_features.csv")).Skip(1).Take(10).Select(l => l.Split(',')).ToList();
        Directory.CreateDirectory(dir.Combine("test_features"));
        foreach (var r in rows) File.Copy(Path.Combine(mini!, r[1]), dir.Combine("test_features", r[0] + ".jpg"));
        File.WriteAllLines(dir.Combine("test_features.csv"), ["id,filepath,site", .. rows.Select(r => $"{r[0]},test_features/{r[0]}.jpg,{r[2]}")]);
        var classes = metadata.Classes.Reverse().ToArray();
        File.WriteAllLines(dir.Combine("submission_format.csv"),
            [$"id,{string.Join(",", classes)}", .. rows.Select(r => r[0]).Reverse().Select(id => id + string.Concat(classes.Select(_ => ",0")))]);

        var predict = CliRunner.Run("predict", model, "--csv", dir.Combine("test_features.csv"), "--out", dir.Combine("preds.csv"));
        Assert.True(predict.ExitCode == 0, predict.Output + predict.Errors);
        var submit = CliRunner.Run("submit", model, "--features", dir.Combine("test_features.csv"), "--format", dir.Combine("submission_format.csv"),
            "--out", dir.Combine("submission.csv"));
        Assert.True(submit.ExitCode == 0, submit.Output + submit.Errors);
        var check = CliRunner.Run("check-submission", dir.Combine("submission.csv"), "--format", dir.Combine("submission_format.csv"));
        Assert.True(check.ExitCode == 0, check.Output);

        // The same image gets the same probability per class name in the predictions and the submission.
        var preds = File.ReadAllLines(dir.Combine("preds.csv"));
        var predHeader = preds[0].Split(',');
        var firstId = rows[0][0];
        var predRow = preds.Single(l => l.StartsWith(firstId + ",", StringComparison.Ordinal)).Split(',');
        var submission = File.ReadAllLines(dir.Combine("submission.csv"));
        Assert.Equal(rows.Select(r => r[0]).Reverse(), submission.Skip(1).Select(l => l.Split(',')[0]));
        var subHeader = submission[0].Split(',');
        var subRow = submission.Single(l => l.StartsWith(firstId + ",", StringComparison.Ordinal)).Split(',');
        foreach (var c in classes)
            Assert.Equal(double.Parse(predRow[Array.IndexOf(predHeader, c)], CultureInfo.InvariantCulture),
                double.Parse(subRow[Array.IndexOf(subHeader, c)], CultureInfo.InvariantCulture), 5);

        // A hand-edited submission with two columns swapped is caught, by name.
        (subHeader[1], subHeader[2]) = (subHeader[2], subHeader[1]);
        File.WriteAllLines(dir.Combine("edited.csv"), [string.Join(",", subHeader), .. submission.Skip(1)]);
        var edited = CliRunner.Run("check-submission", dir.Combine("edited.csv"), "--format", dir.Combine("submission_format.csv"));
        Assert.Equal(1, edited.ExitCode);
        Assert.Contains("columns are not in the format's order", edited.Output);
    }
}
