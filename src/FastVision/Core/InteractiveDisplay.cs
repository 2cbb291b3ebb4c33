namespace FastVision;

/// <summary>
/// Where an interactive host shows rich output in place. FastVision's .NET Interactive extension sets it when a notebook
/// loads the package; elsewhere it stays null and training writes its plain table to the console.
/// </summary>
public static class InteractiveDisplay
{
    /// <summary>Shows an HTML fragment in the running cell and returns the function that replaces it in place.</summary>
    public static Func<string, Action<string>>? ShowHtml { get; set; }
}
