using System.CommandLine;
using System.Globalization;
using FastVision.Models;

namespace FastVision.Cli;

/// <summary>
/// <c>fastvision weights list | download NAME... | where NAME... | verify [NAME...]</c>: the pretrained weights the registry
/// knows, fetched and checked like a package manager's packages (for preparing an offline machine, too).
/// </summary>
internal static class WeightsCommand
{
    public static Command Create()
    {
        var command = new Command("weights", "List, download, locate and verify pretrained weights (torchvision and Hugging Face Hub; the caches PyTorch and Hugging Face tools use are read too).\n" +
            "Example: fastvision weights download resnet50 convnext_tiny.fb_in22k_ft_in1k");
        command.Subcommands.Add(List());
        command.Subcommands.Add(Download());
        command.Subcommands.Add(Where());
        command.Subcommands.Add(Verify());
        return command;
    }

    private static Argument<string[]> Names(ArgumentArity arity) => new("NAME")
    {
        Description = "resnet50 (its default weights), resnet50.tv_in1k, convnext_tiny.fb_in22k_ft_in1k, ...", Arity = arity,
    };

    private static Command List()
    {
        var store = new WeightStoreArguments();
        var command = new Command("list", "Every registered weight set: name, source, whether and where it is on this machine");
        foreach (var o in store.Options) command.Options.Add(o);
        command.SetAction(parse =>
        {
            var weightStore = store.Read(parse);
            var rows = Architectures.AllWeights.Select(w => (w.Name, w.Config, Cached: w.Config.Weights.Cached(weightStore))).ToList();
            int width = rows.Max(r => r.Name.Length) + 2;
            Console.WriteLine($"{"name".PadRight(width)}{"size",-6}{"top-1",-8}{"GMACs",-7}{"cached",-9}source");
            foreach (var (name, config, cached) in rows)
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{name.PadRight(width)}{config.InputSize,-6}{config.Top1?.ToString("F2", CultureInfo.InvariantCulture) ?? "-",-8}{config.GMacs?.ToString("G3", CultureInfo.InvariantCulture) ?? "-",-7}{(config.Weights.ShipsWithFastVision ? "built in" : cached is null ? "no" : "yes"),-9}{config.Weights.Source}"));
            return CliOutput.Result($"weights: {rows.Count} registered, {rows.Count(r => r.Cached is not null)} on this machine",
                new
                {
                    Command = "weights list",
                    Weights = rows.Select(r => new { r.Name, r.Config.InputSize, r.Config.Top1, r.Config.GMacs, r.Config.Weights.Source, Path = r.Cached }),
                });
        });
        return command;
    }

    private static Command Download()
    {
        var store = new WeightStoreArguments();
        var names = Names(ArgumentArity.OneOrMore);
        var command = new Command("download", "Fetch weights into the cache (resumable, checked); already cached ones are only located");
        command.Arguments.Add(names);
        foreach (var o in store.Options) command.Options.Add(o);
        command.SetAction(parse =>
        {
            var weightStore = store.Read(parse);
            var paths = new Dictionary<string, string>();
            foreach (var name in parse.GetValue(names)!)
            {
                var config = Resolve(name, weightStore);
                paths[name] = config.Weights.Fetch(weightStore);
                Console.WriteLine($"{name}: {paths[name]}");
            }
            return CliOutput.Result($"weights: {paths.Count} ready", new { Command = "weights download", Paths = paths });
        });
        return command;
    }

    private static Command Where()
    {
        var store = new WeightStoreArguments();
        var names = Names(ArgumentArity.OneOrMore);
        var command = new Command("where", "Where weights are on this machine, or where to put them and where to get them (no network)");
        command.Arguments.Add(names);
        foreach (var o in store.Options) command.Options.Add(o);
        command.SetAction(parse =>
        {
            var weightStore = store.Read(parse) with { Offline = true }; // 'where' never downloads, even a hub config.json
            var found = new Dictionary<string, string?>();
            foreach (var name in parse.GetValue(names)!)
            {
                var source = Resolve(name, weightStore).Weights;
                found[name] = source.Cached(weightStore);
                Console.WriteLine(found[name] is { } path ? $"{name}: {path}" : $"{name}: not on this machine; get {source.Source} ({source.FileName}) and put it in a --weights-dir folder or {weightStore.Directory}");
            }
            return CliOutput.Result(string.Join("\n", found.Select(f => $"{f.Key}: {f.Value ?? "missing"}")), new { Command = "weights where", Paths = found },
                found.Values.All(v => v is not null) ? 0 : 1);
        });
        return command;
    }

    private static Command Verify()
    {
        var store = new WeightStoreArguments();
        var names = Names(ArgumentArity.ZeroOrMore);
        var command = new Command("verify", "Check cached weights (torchvision: the SHA-256 in the file name; hub: the announced SHA-256, else the safetensors length); all cached ones by default");
        command.Arguments.Add(names);
        foreach (var o in store.Options) command.Options.Add(o);
        command.SetAction(parse =>
        {
            var weightStore = store.Read(parse) with { Offline = true };
            var given = parse.GetValue(names) ?? [];
            var sources = given.Length > 0
                ? given.Select(n => (Name: n, Resolve(n, weightStore).Weights))
                : Architectures.AllWeights.Select(w => (w.Name, w.Config.Weights));
            var problems = new Dictionary<string, string>();
            int checkedFiles = 0;
            foreach (var (name, source) in sources)
            {
                if (source.Cached(weightStore) is not { } path)
                {
                    if (given.Length > 0) problems[name] = "not on this machine";
                    continue;
                }
                checkedFiles++;
                var problem = source.Verify(path);
                Console.WriteLine($"{name}: {path}: {problem ?? "ok"}");
                if (problem is not null) problems[name] = problem;
            }
            return CliOutput.Result($"verify: {checkedFiles} file(s) checked, {problems.Count} problem(s)", new { Command = "weights verify", Checked = checkedFiles, Problems = problems },
                problems.Count == 0 ? 0 : 1);
        });
        return command;
    }

    /// <summary>The configuration a name means; a name without pretrained weights is refused.</summary>
    private static PretrainedConfig Resolve(string name, WeightStore store) =>
        Architectures.Resolve(name, store).Weights ?? throw new ArgumentException($"'{name}' has no pretrained weights registered.");
}
