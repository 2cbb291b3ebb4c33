using System.CommandLine;
using System.Text.Json;

namespace FastVision.Cli;

/// <summary>
/// What goes to stdout. By default: reports for people, then one result line. <c>--quiet</c>: only the result line.
/// <c>--json</c>: only the result as one JSON object (for scripts). Errors always go to stderr.
/// </summary>
internal static class CliOutput
{
    private static readonly JsonSerializerOptions JsonOptions = new(JsonFiles.Options)
    {
        WriteIndented = false, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };
    private static TextWriter results = Console.Out;
    private static bool json;

    public static readonly Option<bool> Quiet = new("--quiet", "-q") { Description = "Print only the result line (errors still go to stderr)", Recursive = true };
    public static readonly Option<bool> Json = new("--json") { Description = "Print only the result, as one JSON object", Recursive = true };

    /// <summary>Silences everything but the result for --quiet/--json until disposed.</summary>
    public static IDisposable Configure(ParseResult parse)
    {
        var original = Console.Out;
        results = original;
        json = parse.GetValue(Json);
        if (json || parse.GetValue(Quiet)) Console.SetOut(TextWriter.Null);
        return new Restore(original);
    }

    /// <summary>The command's result: <paramref name="line"/> for people, <paramref name="data"/> under --json.</summary>
    public static int Result(string line, object data, int exitCode = 0)
    {
        results.WriteLine(json ? JsonSerializer.Serialize(data, JsonOptions) : line);
        results.Flush();
        return exitCode;
    }

    private sealed class Restore(TextWriter original) : IDisposable
    {
        public void Dispose()
        {
            Console.SetOut(original);
            results = original;
            json = false;
        }
    }
}
