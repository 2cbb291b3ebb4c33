using System.Globalization;
using FastVision.Inference;

namespace FastVision.Cli;

/// <summary>What train --folds prints after its folds: the per-fold table, the out-of-fold figures, the held-out test set's.</summary>
internal static class CrossValidationRun
{
    public static int Report(CrossValidationResult result, string outDir, TimeSpan elapsed)
    {
        var inv = CultureInfo.InvariantCulture;
        var plan = result.Plan;
        Console.WriteLine();
        Console.WriteLine("fold  train  valid  valid_loss  accuracy");
        foreach (var f in result.Folds)
            Console.WriteLine(string.Create(inv, $"{f.Fold + 1,4}  {plan.FoldOf.Count(k => k != f.Fold),5}  {plan.FoldOf.Count(k => k == f.Fold),5}  {f.Last.ValidLoss,10:F4}  {f.Last.Accuracy,8:F4}"));
        var oof = result.OutOfFoldScores;
        Console.WriteLine(string.Create(inv,
            $"out-of-fold ({oof.Images} images): log_loss {result.RawLogLoss:F4} -> {oof.LogLoss:F4} calibrated (temperature {result.Temperature:F3}), accuracy {oof.Accuracy:F4}, balanced accuracy {oof.BalancedAccuracy:F4}"));
        if (result.HoldoutScores is { } test)
            Console.WriteLine($"held-out test set, ensemble of {result.Folds.Count}: {test}");
        var holdout = result.HoldoutScores is { } h ? string.Create(inv, $" test_log_loss={h.LogLoss:F4} test_accuracy={h.Accuracy:F4}") : "";
        return CliOutput.Result(string.Create(inv,
                $"train: folds={result.Folds.Count} oof_log_loss={oof.LogLoss:F4} oof_accuracy={oof.Accuracy:F4} oof_balanced_accuracy={oof.BalancedAccuracy:F4}{holdout} time={elapsed.TotalSeconds:F0}s model={Path.GetFullPath(outDir)}"),
            new
            {
                Command = "train", Folds = result.Folds.Count, OofLogLoss = oof.LogLoss, OofAccuracy = oof.Accuracy, OofBalancedAccuracy = oof.BalancedAccuracy,
                result.Temperature, Holdout = result.HoldoutScores, Model = Path.GetFullPath(outDir),
            });
    }
}
