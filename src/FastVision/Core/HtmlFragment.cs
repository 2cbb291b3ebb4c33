namespace FastVision;

/// <summary>
/// HTML that a notebook shows as it is. The notebook extension displays <see cref="InteractiveDisplay.ShowHtml"/>'s
/// fragments through this type because a plain string, or another assembly's HtmlString, is shown as text.
/// </summary>
public sealed record HtmlFragment(string Html);
