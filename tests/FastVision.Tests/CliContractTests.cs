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
