using System.Text;
using static System.Net.WebUtility;

namespace FastVision;

/// <summary>A plain HTML table of text cells, encoded: the run report's tables and the notebook displays share it.</summary>
public static class HtmlTable
{
    public static string Of(IEnumerable<string> header, IEnumerable<IEnumerable<string>> rows, string? cssClass = null)
    {
        var html = new StringBuilder(cssClass is null ? "<table>" : $"<table class=\"{HtmlEncode(cssClass)}\">");
        html.Append("<tr>").AppendJoin("", header.Select(h => $"<th>{HtmlEncode(h)}</th>")).Append("</tr>");
        foreach (var row in rows) html.Append("<tr>").AppendJoin("", row.Select(c => $"<td>{HtmlEncode(c)}</td>")).Append("</tr>");
        return html.Append("</table>").ToString();
    }
}
