using System.Text.Json;
using FastVision.Cli;
using FastVision.Models;

namespace FastVision.Tests;

/// <summary>What scripts rely on: --json results, --quiet, exit codes 0/1/2 and the internal-error log.</summary>
public class CliContractTests
{
    [Fact]
    public void JsonModeReturnsOneParsableObject()
    {
        var models = CliRunner.Run("models", "--json");
        Assert.Equal(0, models.ExitCode);
        using var doc = JsonDocument.Parse(models.Output); // nothing but the object on stdout
        Assert.Equal("models", doc.RootElement.GetProperty("command").GetString());
        Assert.Equal(Architectures.All.Select(a => a.Name), doc.RootElement.GetProperty("models").EnumerateArray().Select(m => m.GetProperty("name").GetString()));
        Assert.True(doc.RootElement.GetProperty("models")[0].GetProperty("weights_offline").GetBoolean());
    }

    [Fact]
    public void QuietModePrintsOnlyTheResultLineAndUserErrorsExitWithOne()
    {
        using var dir = new TempDir();
        File.WriteAllLines(dir.Combine("format.csv"), ["id,a,b", "x,0,0"]);
        File.WriteAllLines(dir.Combine("sub.csv"), ["id,a,b", "x,0.5,0.4"]);
        var quiet = CliRunner.Run("check-submission", dir.Combine("sub.csv"), "--format", dir.Combine("format.csv"), "--quiet");
        Assert.Equal(1, quiet.ExitCode); // the row sums to 0.9
        Assert.Equal("check-submission: 1 problem(s)", quiet.Output.Trim());

        var missing = CliRunner.Run("predict", dir.Combine("no-model"), dir.Combine("sub.csv"));
        Assert.Equal(1, missing.ExitCode);
        Assert.StartsWith("error: ", missing.Errors);
        Assert.Contains("model.json", missing.Errors);
        Assert.Single(missing.Errors.Trim().Split('\n')); // one line, no stack
    }

    [Fact]
    public void DataReportsTheCsvLayoutWithItsGroups()
    {
        using var dir = new TempDir();
        LayoutFixtures.LabelsCsv(dir.Path);
        var run = CliRunner.Run("data", "--data", dir.Path, "--format", "csv", "--csv", "labels.csv", "--path-col", "filepath", "--label-col", "label",
            "--group-col", "camera", "--size", "32", "--batch-size", "4", "--show-batch", dir.Combine("batch.png"));
        Assert.True(run.ExitCode == 0, run.Errors);
        Assert.Contains("(csv layout)", run.Output);
        Assert.Contains("group column 'camera'", run.Output);
        Assert.Contains("split:  by site", run.Output);
        Assert.Contains("sites: 6", run.Output);
        Assert.Matches(@"\ncam0 +\d+ +\d+", run.Output);

        var byColumn = CliRunner.Run("data", "--data", dir.Path, "--csv", "labels.csv", "--valid-col", "is_valid", "--size", "32", "--batch-size", "4",
            "--show-batch", dir.Combine("batch.png"));
        Assert.True(byColumn.ExitCode == 0, byColumn.Errors);
        Assert.Contains("(csv layout)", byColumn.Output); // --csv alone chooses the layout
        Assert.Contains("split:  CSV column 'is_valid' → 18 train / 6 valid", byColumn.Output);

        var elsewhere = CliRunner.Run("data", "--data", dir.Path, "--format", "folder", "--label-col", "label");
        Assert.Equal(1, elsewhere.ExitCode);
        Assert.Contains("error: --label-col applies to --format csv, not to the folder layout.", elsewhere.Errors);
    }

    [Fact]
    public void DataReportsACamtrapDpPackageBySite()
    {
        using var dir = new TempDir();
        LayoutFixtures.CamtrapPackage(dir.Path);
        var run = CliRunner.Run("data", "--data", dir.Path, "--format", "camtrap-dp", "--size", "32", "--batch-size", "4", "--show-batch", dir.Combine("batch.png"));
        Assert.True(run.ExitCode == 0, run.Errors);
        Assert.Contains("(camtrap-dp layout)", run.Output);
        Assert.Contains("sites: 3", run.Output);
        Assert.Matches(@"\nL1 +\d+ +\d+", run.Output);
        Assert.Contains("warning: media.csv: 1 image(s) have observations of different labels", run.Output);
        Assert.Contains("(camtrap-dp layout)", CliRunner.Run("data", "--data", dir.Path, "--size", "32", "--batch-size", "4", "--show-batch", dir.Combine("batch.png")).Output);

        LayoutFixtures.EditLine(dir.Combine("media.csv"), 3, l => l.Replace(",d1,", ",d9,"));
        var bad = CliRunner.Run("data", "--data", dir.Path, "--format", "camtrap-dp");
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("media.csv row 3: media 'd1-m1' names deployment 'd9', which is not in deployments.csv", bad.Errors);
    }

    [Fact]
    public void DataReportsFolderLabelsFromAChosenLevel()
    {
        using var dir = new TempDir();
        LayoutFixtures.SequenceTree(dir.Path);
        var run = CliRunner.Run("data", "--data", dir.Path, "--label-from", "grandparent", "--group-from", "parent", "--size", "32", "--batch-size", "4",
            "--show-batch", dir.Combine("batch.png"));
        Assert.True(run.ExitCode == 0, run.Errors);
        Assert.Contains("labels: grandparent folder name", run.Output);
        Assert.Contains("sites: 12", run.Output);
        Assert.Matches(@"\nAgouti +\d+ +\d+ +12\n", run.Output);
        var bad = CliRunner.Run("data", "--data", dir.Path, "--label-from", "uncle");
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("--label-from: 'uncle' is not a folder level", bad.Errors);
    }

    [Fact]
    public void InternalErrorsExitWithTwoAndLeaveTheStackInALog()
    {
        var errors = new StringWriter();
        var stderr = Console.Error;
        Console.SetError(errors);
        int code;
        try
        {
            code = CliErrors.Run(() => throw new InvalidOperationException("boom"));
        }
        finally
        {
            Console.SetError(stderr);
        }
        Assert.Equal(2, code);
        var line = errors.ToString().Trim();
        Assert.StartsWith("internal error: InvalidOperationException: boom (details: ", line);
        var log = line[(line.IndexOf("details: ", StringComparison.Ordinal) + "details: ".Length)..^1];
        Assert.True(File.Exists(log), log);
        Assert.Contains("InternalErrorsExitWithTwoAndLeaveTheStackInALog", File.ReadAllText(log)); // the stack
        File.Delete(log);
    }
}
