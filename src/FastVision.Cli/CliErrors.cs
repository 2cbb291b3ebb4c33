using FastVision.Data;
using FastVision.Inference;
using FastVision.Native;

namespace FastVision.Cli;

/// <summary>
/// Exit codes: 0 ok, 1 a problem with the user's input (one clear line), 2 an internal error (one line with the path of a
/// log holding the details).
/// </summary>
internal static class CliErrors
{
    public static int Run(Func<int> action)
    {
        try
        {
            return action();
        }
        catch (Exception e) when (IsUserError(e))
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"internal error: {e.GetType().Name}: {e.Message} (details: {WriteLog(e)})");
            return 2;
        }
    }

    private static bool IsUserError(Exception e) =>
        e is DataSourceException or TorchRuntimeException or FileNotFoundException or DirectoryNotFoundException
            or ArgumentException or InvalidDataException or OnnxMismatchException or Models.WeightsUnavailableException;

    /// <summary>The exception with its stack and the command line, in ~/.cache/fastvision/logs.</summary>
    private static string WriteLog(Exception e)
    {
        try
        {
            var dir = Path.Combine(FastVisionPaths.CacheDirectory, "logs");
            Directory.CreateDirectory(dir);
            var path = Path.Combine(dir, $"fastvision-{DateTime.UtcNow:yyyyMMdd-HHmmss-fff}.log");
            File.WriteAllText(path, $"fastvision {string.Join(' ', Environment.GetCommandLineArgs().Skip(1))}\n{DateTime.UtcNow:O}\n{e}\n");
            return path;
        }
        catch (IOException)
        {
            return "no log: the cache folder is not writable; " + e;
        }
    }
}
