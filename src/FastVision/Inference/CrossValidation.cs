using FastVision.Data;
using FastVision.Training;

namespace FastVision.Inference;

/// <summary>One fold to train: its data (validation = the fold), the folder of its bundle, and the checkpoints to resume from.</summary>
/// <param name="ResumeFrom">The fold's checkpoints folder when the run resumes and the fold was interrupted mid-way; null: start afresh.</param>
public sealed record CrossValidationFold(int Index, int Count, DataSet Data, string Directory, string? ResumeFrom)
{
    /// <summary>Where the fold's learner writes its checkpoints (what <see cref="ResumeFrom"/> names on a resume).</summary>
    public string Checkpoints => Checkpoint.FolderOf(Directory);
}

/// <summary>A fold model after its fit (disposed by the run) and, when the caller made them already, its validation predictions.</summary>
public sealed record TrainedFold(Learner Learner, Predictions? Validation = null);

/// <summary>
/// Cross-validation over a <see cref="CrossValidationPlan"/>: one model per fold, trained by the caller's function (any
/// recipe), its validation fold and the held-out items predicted, then the figures (<see cref="CrossValidationResult"/>) and
/// the files that make <paramref name="directory"/> an ensemble bundle. Each finished fold leaves <see cref="FoldPredictions"/>
/// in its folder, so a killed run resumed with the same plan keeps the finished folds and continues the interrupted one from
/// its last checkpoint (<see cref="CrossValidationFold.ResumeFrom"/>).
/// </summary>
public sealed class CrossValidation(CrossValidationPlan plan, string directory)
{
    private const string PlanFile = "cv-plan.json";

    /// <summary>The folder of fold <paramref name="fold"/>'s bundle inside the ensemble's folder.</summary>
    public static string FoldFolder(int fold) => $"fold-{fold + 1}";

    public CrossValidationPlan Plan => plan;

    /// <param name="train">Trains (and exports, if wanted) the model of one fold.</param>
    /// <param name="resume">Keep the folds a previous run of this plan finished and continue its interrupted one.</param>
    /// <param name="onFold">Called after every fold with its predictions (printing, extra predictions of the trained model).</param>
    public CrossValidationResult Run(Func<CrossValidationFold, TrainedFold> train, bool resume = false, EnsembleCombination combination = EnsembleCombination.Mean,
        Action<CrossValidationFold, Learner?, FoldPredictions>? onFold = null)
    {
        Directory.CreateDirectory(directory);
        CheckPlan(resume);
        var folds = new List<FoldPredictions>();
        for (int k = 0; k < plan.Count; k++)
        {
            var dir = Path.Combine(directory, FoldFolder(k));
            var fold = new CrossValidationFold(k, plan.Count, plan.FoldData(k), dir, null);
            if (resume && File.Exists(Path.Combine(dir, FoldPredictions.File)))
            {
                var saved = FoldPredictions.Read(dir, k, plan);
                folds.Add(saved);
                onFold?.Invoke(fold, null, saved);
                continue;
            }
            if (resume && Checkpoint.Exists(fold.Checkpoints)) fold = fold with { ResumeFrom = fold.Checkpoints };
            var trained = train(fold);
            using (trained.Learner)
            using (trained.Validation)
            {
                var predictions = FoldPredictions.Of(trained.Learner, k, plan, trained.Validation);
                Directory.CreateDirectory(dir);
                predictions.Save(dir);
                folds.Add(predictions);
                onFold?.Invoke(fold, trained.Learner, predictions);
            }
        }
        var result = CrossValidationResult.Score(plan, folds, combination);
        result.Save(directory);
        return result;
    }

    /// <summary>A new run records its plan; a resumed one must have the same (same data, folds, holdout and seed).</summary>
    private void CheckPlan(bool resume)
    {
        var path = Path.Combine(directory, PlanFile);
        var fingerprint = plan.Fingerprint();
        if (resume && File.Exists(path))
        {
            var saved = JsonFiles.Read<SavedPlan>(path);
            if (saved.Fingerprint != fingerprint)
                throw new InvalidDataException($"{path}: the run being resumed split other data into its folds (other images, folds, holdout or seed); start it afresh or resume with the same options.");
            return;
        }
        if (resume && Directory.EnumerateFiles(directory, FoldPredictions.File, SearchOption.AllDirectories).Any())
            throw new InvalidDataException($"{directory}: finished folds but no {PlanFile}; they cannot be checked against this run's folds.");
        JsonFiles.Write(path, new SavedPlan(fingerprint, plan.Data.Split));
    }

    private sealed record SavedPlan(string Fingerprint, string Split);
}
