using System.Reflection;

namespace FastVision.Tests;

/// <summary>Runs the fastvision command in-process (its real entry point) and captures what it prints.</summary>
internal static class CliRunner
{
    private static readonly MethodInfo EntryPoint = Assembly.Load("FastVision.Cli").EntryPoint!;

    public static (int ExitCode, string Output, string Errors) Run(params string[] args)
    {
        var (stdout, stderr) = (Console.Out, Console.Error);
        var output = new StringWriter();
        var errors = new StringWriter();
        Console.SetOut(output);
        Console.SetError(errors);
        try
        {
            var code = (int)EntryPoint.Invoke(null, [args])!;
            return (code, output.ToString(), errors.ToString());
        }
        finally
        {
            Console.SetOut(stdout);
            Console.SetError(stderr);
        }
    }
}
