using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace FastVision.Tests;

/// <summary>
/// The sample notebook runs headlessly, as CI runs it: FastVision packed to a local folder, the notebook's
/// <c>#r "nuget: FastVision"</c> pointed at that package, the NuGet tool dotnet-repl (the repository's tool manifest)
/// executing every cell and writing the outputs, then each cell's outputs checked for its tables and pictures.
/// Part 2 (mct-20) runs when FASTVISION_NOTEBOOK_MCT20=1 and the set is present; otherwise the notebook must say it skipped.
/// </summary>
public partial class SampleNotebookTests(ITestOutputHelper output)
{
    private const string PackageDirective = "#r \"nuget: FastVision\"";

    [Fact]
    public void SampleNotebookRunsHeadlesslyAndShowsEachStep()
    {
        var root = PackagingTests.RepositoryRoot();
        using var dir = new TempDir();
        // A version of its own, so the NuGet cache never serves an older build of the same number.
        var version = $"{typeof(Inference.ModelBundle).Assembly.GetName().Version!.ToString(3)}-notebook.{DateTime.UtcNow:yyyyMMddHHmmss}.{Environment.ProcessId}";
        var feed = dir.Combine("feed");
        Run("dotnet", root, ["pack", Path.Combine(root, "src", "FastVision"), "-c", "Release", "-o", feed, $"-p:Version={version}"]);
        Run("dotnet", root, ["tool", "restore"]);

        var sample = JsonNode.Parse(File.ReadAllText(Path.Combine(root, "notebooks", "camera-traps.ipynb")))!;
        var loadCell = Assert.Single(Cells(sample), c => Source(c).Trim() == PackageDirective);
        loadCell["source"] = new JsonArray($"#i \"nuget: {feed}\"\n", $"#r \"nuget: FastVision, {version}\"");
        var notebook = dir.Combine("camera-traps.ipynb");
        File.WriteAllText(notebook, sample.ToJsonString());

        var mct20 = Environment.GetEnvironmentVariable("FASTVISION_NOTEBOOK_MCT20") == "1" ? SharedData.Mct20 : null;
        var executed = dir.Combine("executed.ipynb");
        try
        {
            Run("dotnet", root, ["tool", "run", "dotnet-repl", "--run", notebook, "--exit-after-run", "--output-path", executed],
                new Dictionary<string, string> { ["FASTVISION_MCT20"] = mct20 ?? dir.Combine("no-mct-20") });
        }
        finally
        {
            DeleteFromNuGetCache(version);
        }
        if (Environment.GetEnvironmentVariable("FASTVISION_NOTEBOOK_OUT") is { Length: > 0 } keep) File.Copy(executed, keep, overwrite: true);

        var cells = Cells(JsonNode.Parse(File.ReadAllText(executed))!).ToList();
        foreach (var cell in cells) Assert.DoesNotContain(cell["outputs"]!.AsArray(), o => (string?)o!["output_type"] == "error");
        string Shown(string code) => Html(Assert.Single(cells, c => Source(c).Contains(code, StringComparison.Ordinal)));

        var data = Shown("ImageDataLoaders.FromFolder");
        Assert.Contains("<table class=\"fastvision-classes\">", data);
        Assert.Equal(1, PngCount(data));
        var lr = Shown("learn.LrFind()");
        Assert.Contains("<table class=\"fastvision-lr-suggestions\">", lr);
        Assert.Equal(1, PngCount(lr));
        var training = Shown("learn.FineTune(2");
        Assert.Contains("<table class=\"fastvision-epochs\">", training); // the live table, not terminal text
        Assert.DoesNotContain("\u001b[", training);
        var learner = Html(Assert.Single(cells, c => Source(c).Trim() == "learn"));
        Assert.Contains("<table class=\"fastvision-epochs\">", learner);
        Assert.Equal(1, PngCount(learner));
        var interp = Shown("ClassificationInterpretation.FromLearner(learn)");
        Assert.Contains("<table class=\"fastvision-per-class\">", interp);
        Assert.Equal(2, PngCount(interp));
        Assert.Contains("<table class=\"fastvision-predictions\">", Shown("predictor.Predict("));
        var part2 = Shown("FASTVISION_MCT20");
        if (mct20 is null) Assert.Contains("part 2 skipped", part2);
        else
        {
            Assert.Contains("<table class=\"fastvision-classes\">", part2);
            Assert.Contains("<table class=\"fastvision-per-class\">", part2);
        }
    }

    private static IEnumerable<JsonNode> Cells(JsonNode notebook) =>
        notebook["cells"]!.AsArray().Select(c => c!).Where(c => (string?)c["cell_type"] == "code");

    private static string Source(JsonNode cell) => cell["source"] is JsonArray lines ? string.Concat(lines.Select(l => (string?)l)) : (string?)cell["source"] ?? "";

    /// <summary>All text/html and text/plain output of a cell.</summary>
    private static string Html(JsonNode cell) => string.Concat(cell["outputs"]!.AsArray().Select(o => o!["data"] is JsonObject data
        ? string.Concat(data.Where(kv => kv.Key.StartsWith("text/", StringComparison.Ordinal)).Select(kv => kv.Value is JsonArray a ? string.Concat(a.Select(l => (string?)l)) : (string?)kv.Value))
        : o["text"] is JsonArray text ? string.Concat(text.Select(l => (string?)l)) : ""));

    private static int PngCount(string html) => EmbeddedPng().Count(html);

    [GeneratedRegex("src=\"data:image/png;base64,iVBORw0KGgo")]
    private static partial Regex EmbeddedPng();

    private static void DeleteFromNuGetCache(string version)
    {
        var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } p ? p : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        try { Directory.Delete(Path.Combine(packages, "fastvision", version.ToLowerInvariant()), recursive: true); } catch (DirectoryNotFoundException) { }
    }

    private string Run(string file, string workingDirectory, string[] args, IReadOnlyDictionary<string, string>? environment = null) =>
        TestProcess.Run(file, args, workingDirectory, TimeSpan.FromMinutes(20), output.WriteLine, environment);
}
