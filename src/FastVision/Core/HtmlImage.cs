using static System.Net.WebUtility;

namespace FastVision;

/// <summary>A PNG embedded in HTML as a data URI: the run report's pictures and the notebook displays share it.</summary>
public static class HtmlImage
{
    public static string Png(string alt, byte[] png) => $"<img alt=\"{HtmlEncode(alt)}\" src=\"data:image/png;base64,{Convert.ToBase64String(png)}\">";
}
