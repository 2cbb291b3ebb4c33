using System.Globalization;
using FastVision.Data;
using FastVision.Inference;
using FastVision.Metrics;
using FastVision.Training;
using static TorchSharp.torch;

namespace FastVision.Cli;

/// <summary>
/// train --folds K: K models on K stratified group folds (by site, else every image its own group), each validated on the
/// fold it did not see; the out-of-fold predictions give honest figures for new sites (log loss, accuracy, balanced accuracy),
/// one temperature fitted on them, and the folder becomes an ensemble bundle (<see cref="EnsembleBundle"/>) that predict,
/// evaluate and submit take.
/// </summary>
internal static class CrossValidationRun
{
    /// <summary>The folds of <paramref name="data"/>: whole sites when every image has one, else whole sequences, else single images.</summary>
    public static GroupFolds Folds(DataSet data, int count, int seed) =>
        data.Items.All(i => i.Site is not null) ? GroupFolds.BySite(count, seed)
        : data.Items.All(i => i.Sequence is not null) ? new GroupFolds(i => i.Sequence, count, "sequence", seed)
        : new GroupFolds(i => i.Path, count, "image", seed);

    /// <summary>The data set with fold <paramref name="fold"/> (of <paramref name="foldOf"/>) as its validation part.</summary>
    public static DataSet FoldData(DataSet data, GroupFolds folds, int[] foldOf, int fold)
    {
        var (train, valid) = GroupFolds.Split(foldOf, fold);
        return data with { Train = train, Valid = valid, Split = folds.Fold(fold).Describe() };
    }

    /// <summary>The folder of fold <paramref name="fold"/>'s bundle inside the ensemble's folder.</summary>
    public static string FoldFolder(int fold) => $"fold-{fold + 1}";

    /// <summary>
    /// After every fold: out-of-fold metrics (raw and calibrated), oof.csv, cv.json and ensemble.json in <paramref name="outDir"/>;
    /// returns the result line. <paramref name="oof"/> holds, per data item, its fold model's logits.
    /// </summary>
    public static int Finish(DataSet data, int[] folds, IReadOnlyDictionary<int, float[]> oof, IReadOnlyList<EpochResult> lastEpochs, string outDir, TimeSpan elapsed)
    {
        var inv = CultureInfo.InvariantCulture;
        var classIndex = data.Classes.Select((c, k) => (c, k)).ToDictionary(p => p.c, p => p.k);
        var rows = oof.OrderBy(kv => kv.Key).ToList();
        var targets = rows.Select(r => classIndex[data.Items[r.Key].Label!]).ToArray();
        using var logits = tensor(rows.SelectMany(r => r.Value).ToArray(), [rows.Count, data.Classes.Count]);
        using var target = tensor(targets.Select(t => (long)t).ToArray());
        double temperature = TemperatureScaling.Fit(logits, target);
        float[][] Probabilities(double t) { using var p = logits.div(t).softmax(1); return [.. Enumerable.Range(0, rows.Count).Select(r => p[r].data<float>().ToArray())]; }
        var raw = Metric.OfProbabilities(Probabilities(1), targets, [new LogLoss(), new Accuracy()]);
        var calibrated = Probabilities(temperature);
        var scores = Metric.OfProbabilities(calibrated, targets, [new LogLoss(), new Accuracy()]);
        double balanced = BalancedAccuracy(calibrated, targets, data.Classes.Count);

        Console.WriteLine();
        Console.WriteLine("fold  train  valid  valid_loss  accuracy");
        for (int k = 0; k < lastEpochs.Count; k++)
            Console.WriteLine(string.Create(inv, $"{k + 1,4}  {folds.Count(f => f != k),5}  {folds.Count(f => f == k),5}  {lastEpochs[k].ValidLoss,10:F4}  {lastEpochs[k].Accuracy,8:F4}"));
        Console.WriteLine(string.Create(inv,
            $"out-of-fold ({rows.Count} images): log_loss {raw["log_loss"]:F4} -> {scores["log_loss"]:F4} calibrated (temperature {temperature:F3}), accuracy {scores["accuracy"]:F4}, balanced accuracy {balanced:F4}"));

        var oofPath = Path.Combine(outDir, "oof.csv");
        AtomicFile.WriteAllText(oofPath, string.Join("\n", new[] { "id,path,fold,label," + string.Join(",", data.Classes) }
            .Concat(rows.Select((r, n) => string.Join(",", new[] { data.Items[r.Key].Id ?? "", data.Items[r.Key].Path, (folds[r.Key] + 1).ToString(inv), data.Items[r.Key].Label! }
                .Concat(calibrated[n].Select(p => p.ToString("G7", inv))))))) + "\n");
        var members = Enumerable.Range(0, lastEpochs.Count).Select(FoldFolder).ToArray();
        JsonFiles.Write(Path.Combine(outDir, "cv.json"), new
        {
            Folds = lastEpochs.Select((e, k) => new { Fold = k + 1, Train = folds.Count(f => f != k), Valid = folds.Count(f => f == k), e.ValidLoss, e.Accuracy }),
            OutOfFold = new { Images = rows.Count, RawLogLoss = raw["log_loss"], LogLoss = scores["log_loss"], Accuracy = scores["accuracy"], BalancedAccuracy = balanced, Temperature = temperature },
        });
        new EnsembleBundle(members, temperature).Save(outDir);
        return CliOutput.Result(string.Create(inv,
                $"train: folds={lastEpochs.Count} oof_log_loss={scores["log_loss"]:F4} oof_accuracy={scores["accuracy"]:F4} oof_balanced_accuracy={balanced:F4} time={elapsed.TotalSeconds:F0}s model={Path.GetFullPath(outDir)}"),
            new { Command = "train", Folds = lastEpochs.Count, OofLogLoss = scores["log_loss"], OofAccuracy = scores["accuracy"], OofBalancedAccuracy = balanced, Temperature = temperature, Model = Path.GetFullPath(outDir) });
    }

    /// <summary>The mean over classes (present in <paramref name="targets"/>) of the share of their images predicted right.</summary>
    public static double BalancedAccuracy(IReadOnlyList<float[]> probabilities, IReadOnlyList<int> targets, int classes)
    {
        var recalls = Enumerable.Range(0, classes).Select(c =>
        {
            var ofClass = Enumerable.Range(0, targets.Count).Where(i => targets[i] == c).ToList();
            return ofClass.Count == 0 ? (double?)null : ofClass.Count(i => Array.IndexOf(probabilities[i], probabilities[i].Max()) == c) / (double)ofClass.Count;
        }).Where(r => r is not null).ToList();
        return recalls.Count == 0 ? double.NaN : recalls.Average(r => r!.Value);
    }
}
