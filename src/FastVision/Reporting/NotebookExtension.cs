using FastVision.Native;

namespace FastVision.Reporting;

/// <summary>
/// What FastVision's package extension (<c>interactive-extensions/dotnet/extension.dib</c>) runs when a notebook loads
/// the package with <c>#r "nuget: FastVision"</c>: libtorch is started, the formatters are registered, and training shows
/// its table through the notebook's display. No user code is needed.
/// </summary>
public static class NotebookExtension
{
    /// <param name="showHtml">The notebook's display: shows HTML in the running cell, returns the function that replaces it.</param>
    public static void Load(Func<string, Action<string>> showHtml)
    {
        // Before any tensor, so libtorch starts with FastVision's settings and, loaded from the NuGet cache, can load at all.
        TorchRuntime.EnsureInitialized();
        NotebookFormatters.Register();
        InteractiveDisplay.ShowHtml = showHtml;
    }
}
