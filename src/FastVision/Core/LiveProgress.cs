using System.Text;
using Spectre.Console;

namespace FastVision;

/// <summary>
/// Spectre.Console progress bars (description, bar, percentage, ETA) driven from the caller's thread. Spectre's
/// <see cref="Progress"/> owns a delegate for its whole lifetime, so it runs on a background task that waits until
/// this object is disposed. Lines written to <see cref="Writer"/> go through the same console and appear above
/// the bars instead of tearing them.
/// </summary>
public sealed class LiveProgress : IDisposable
{
    private readonly TaskCompletionSource finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task running;
    private readonly ProgressContext context;

    public LiveProgress(IAnsiConsole console)
    {
        var ready = new TaskCompletionSource<ProgressContext>(TaskCreationOptions.RunContinuationsAsynchronously);
        var progress = console.Progress().AutoClear(true).HideCompleted(true).Columns(
            new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(),
            new RemainingTimeColumn(), new SpinnerColumn());
        running = Task.Run(() => progress.StartAsync(async ctx =>
        {
            ready.SetResult(ctx);
            await finished.Task;
        }));
        // A failure to start (e.g. another live display) surfaces here rather than as a silent hang.
        Task.WaitAny(ready.Task, running);
        if (!ready.Task.IsCompleted) running.GetAwaiter().GetResult();
        context = ready.Task.Result;
        Writer = new ConsoleLineWriter(console);
    }

    /// <summary>Progress bars when the output is an interactive terminal; plain lines otherwise.</summary>
    public static bool IsInteractive(TextWriter writer) =>
        ReferenceEquals(writer, Console.Out) && writer != TextWriter.Null && !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;

    /// <summary>Writes whole lines above the bars.</summary>
    public TextWriter Writer { get; }

    /// <summary>Runs <paramref name="work"/>, which calls its argument once per step, with one bar when <paramref name="writer"/> is interactive.</summary>
    public static T Track<T>(TextWriter writer, string description, int steps, Func<Action, T> work)
    {
        if (!IsInteractive(writer)) return work(() => { });
        using var live = new LiveProgress(AnsiConsole.Console);
        var task = live.AddTask(description, steps);
        return work(() => task.Increment(1));
    }

    public ProgressTask AddTask(string description, double total) => context.AddTask(Markup.Escape(description), maxValue: Math.Max(1, total));

    public void Dispose()
    {
        Writer.Flush();
        finished.TrySetResult();
        running.GetAwaiter().GetResult();
    }

    private sealed class ConsoleLineWriter(IAnsiConsole console) : TextWriter
    {
        private readonly StringBuilder line = new();

        public override Encoding Encoding => Encoding.UTF8;

        public override void Write(char value)
        {
            if (value == '\n') Flush();
            else if (value != '\r') line.Append(value);
        }

        public override void Flush()
        {
            if (line.Length == 0) return;
            console.WriteLine(line.ToString());
            line.Clear();
        }
    }
}
