using FastVision.Callbacks;
using FastVision.Interpretation;
using FastVision.Training;

namespace FastVision.Reporting;

/// <summary>How and where a run trained, for the report's environment and timing sections.</summary>
public sealed record RunInfo(string FastVisionVersion, string TorchSharpVersion, string Architecture, string Device, string Precision,
    int Threads, int Cores, string OperatingSystem, string CommandLine, DateTimeOffset Started, double Seconds, double? LearningRate)
{
    public static RunInfo Capture(Learner learn, DateTimeOffset started, double? learningRate) => new(
        Inference.ModelBundle.Version,
        typeof(TorchSharp.torch).Assembly.GetName().Version?.ToString() ?? "?",
        (learn.Model as Models.VisionModel)?.Architecture?.Name ?? learn.Model.GetName(), learn.Device.ToString(), learn.Options.MixedPrecision?.ToString() ?? "fp32",
        TorchSharp.torch.get_num_threads(), Environment.ProcessorCount, System.Runtime.InteropServices.RuntimeInformation.OSDescription,
        string.Join(' ', Environment.GetCommandLineArgs().Skip(1)), started, (DateTimeOffset.UtcNow - started).TotalSeconds, learningRate);
}

/// <summary>The structured interpretation a run keeps next to its model (the report's tables).</summary>
public sealed record InterpretationSummary(IReadOnlyList<string> Classes, int[][] ConfusionMatrix, IReadOnlyList<ConfusedPair> MostConfused,
    IReadOnlyList<ClassScores> PerClass, IReadOnlyList<TopLossRow> TopLosses)
{
    public static InterpretationSummary From(ClassificationInterpretation interp, int topLosses = 9)
    {
        var m = interp.ConfusionMatrix();
        int n = interp.Classes.Count;
        return new InterpretationSummary(interp.Classes, [.. Enumerable.Range(0, n).Select(a => Enumerable.Range(0, n).Select(p => m[a, p]).ToArray())],
            interp.MostConfused(), interp.PerClass(),
            [.. interp.TopLosses(topLosses).Select(t => new TopLossRow(t.Item.Path, t.Actual, t.Predicted, t.Loss, t.Probability))]);
    }
}

public sealed record TopLossRow(string Path, string Actual, string Predicted, double Loss, double Probability);

/// <summary>The files a run folder holds besides the model bundle, by name.</summary>
public static class RunFiles
{
    public const string Run = "run.json", Interpretation = "interpretation.json", InterpretationText = "interpretation.txt", Data = "data.txt",
        Batch = "batch.png", ClassGallery = "class_gallery.png", LrFind = "lr_find.png", Loss = "loss.png", Schedule = "schedule.png", ConfusionMatrix = "confusion_matrix.png",
        TopLosses = "top_losses.png", Report = "report.html", Metrics = "metrics.csv";

    /// <summary>The pictures a TensorBoard log of the run gets, as images/NAME (e.g. images/confusion_matrix).</summary>
    public static readonly string[] TensorBoardImages = [Batch, ClassGallery, LrFind, ConfusionMatrix, TopLosses];

    /// <summary>Adds the <see cref="TensorBoardImages"/> this run wrote to its TensorBoard log, at the log's current step.</summary>
    public static void LogImages(string directory, TensorBoardCallback tensorBoard)
    {
        foreach (var file in TensorBoardImages)
        {
            var path = Path.Combine(directory, file);
            if (File.Exists(path)) tensorBoard.AddImage($"images/{Path.GetFileNameWithoutExtension(file)}", path);
        }
    }

    /// <summary>The interpretation as text, JSON, the confusion matrix (row shares with <paramref name="normalize"/>) and the top-losses grid.</summary>
    public static void WriteInterpretation(string directory, ClassificationInterpretation interp, bool normalize = false)
    {
        Directory.CreateDirectory(directory);
        AtomicFile.WriteAllText(Path.Combine(directory, InterpretationText), interp.Report(normalize: normalize));
        WriteJson(directory, Interpretation, InterpretationSummary.From(interp));
        InterpretationPlots.ConfusionMatrix(interp, Path.Combine(directory, ConfusionMatrix), normalize);
        InterpretationPlots.TopLosses(interp, Path.Combine(directory, TopLosses));
    }

    public static void WriteJson<T>(string directory, string name, T value) => JsonFiles.Write(Path.Combine(directory, name), value);

    /// <summary>The run file <paramref name="name"/>, or null when this run did not write it.</summary>
    public static T? ReadJson<T>(string directory, string name) where T : class
    {
        var path = Path.Combine(directory, name);
        return File.Exists(path) ? JsonFiles.Read<T>(path) : null;
    }
}
