using System.CommandLine;
using System.Globalization;
using System.Text;
using FastVision.Callbacks;

namespace FastVision.Cli;

/// <summary>--tensorboard: the TensorBoard log of a training command, which starts with the command line and every option's value as text.</summary>
internal sealed class TrackingArguments
{
    private readonly Option<string?> tensorBoard = new("--tensorboard")
    {
        Description = "Write TensorBoard event files into this folder (a fold's into DIR/fold-K): per-batch loss, learning rates and momentum, " +
                      "per-epoch metrics, the batch, class-gallery, confusion-matrix, top-losses and LR-finder pictures, the command line (view with: tensorboard --logdir DIR)",
    };

    public IEnumerable<Option> Options => [tensorBoard];

    /// <summary>The log of one model of the command (<paramref name="fold"/>: a fold's subfolder); null without --tensorboard.</summary>
    public TensorBoardCallback? Start(ParseResult parse, string? fold = null)
    {
        if (parse.GetValue(tensorBoard) is not { } directory) return null;
        var log = new TensorBoardCallback(fold is null ? directory : Path.Combine(directory, fold));
        log.AddText("run/command", $"    fastvision {string.Join(' ', parse.Tokens.Select(t => Quote(t.Value)))}"); // indented: markdown's code block
        log.AddText("run/options", OptionTable(parse));
        return log;
    }

    /// <summary>Every option of the command with the value it had, given or default, as a markdown table (options without a value left out).</summary>
    private static string OptionTable(ParseResult parse)
    {
        var table = new StringBuilder("| option | value |\n| --- | --- |\n");
        foreach (var option in parse.CommandResult.Command.Options)
            if (parse.GetResult(option) is { } result && result.GetValueOrDefault<object?>() is { } value)
                table.Append(CultureInfo.InvariantCulture, $"| {option.Name} | `{Convert.ToString(value, CultureInfo.InvariantCulture)?.Replace("|", "\\|")}` |\n"); // a code span: regexes stay literal
        return table.ToString();
    }

    private static string Quote(string token) => token.Length > 0 && !token.Any(c => char.IsWhiteSpace(c) || c is '"' or '\'') ? token : $"'{token.Replace("'", "'\\''")}'";
}
