using FastVision.Data;
using FastVision.Native;

namespace FastVision.Cli;

/// <summary>Exit codes: 0 ok, 1 a problem with the user's input (one clear line), 2 an internal error.</summary>
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
            Console.Error.WriteLine($"internal error: {e}");
            return 2;
        }
    }

    private static bool IsUserError(Exception e) =>
        e is DataSourceException or TorchRuntimeException or FileNotFoundException or DirectoryNotFoundException
            or ArgumentException or InvalidDataException;
}
