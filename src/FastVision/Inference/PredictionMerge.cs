using FastVision.Data;

namespace FastVision.Inference;

/// <summary>What <see cref="PredictionMerge.Run"/> wrote.</summary>
public sealed record MergeResult(string Output, int Parts, int Rows, int Failures);

/// <summary>
/// Joins the part files of a sharded prediction job into one output. Every part must have a complete manifest of the same
/// identity (model, options, format) and shard count, every shard must be there once, and every image must appear exactly once:
/// when the inputs the manifests list are reachable from here they are listed again, so missing images are named; otherwise
/// each part's line count must match the images its shard was assigned. All problems are reported together and nothing is
/// written. The merged lines are in <see cref="ImageInput.WalkOrder"/> of their keys, written through a temp file and a rename.
/// </summary>
public static class PredictionMerge
{
    private const int Listed = 10;

    public static MergeResult Run(IReadOnlyList<string> parts, string output)
    {
        // A glob such as preds.shard-*.json also matches the parts' manifests, which are not parts.
        parts = [.. parts.Where(p => !p.EndsWith(PredictionManifest.Suffix, StringComparison.Ordinal))];
        if (parts.Count == 0) throw new ArgumentException("Nothing to merge: give the part files (e.g. preds.shard-*.csv).");
        var manifests = parts.Select(p => (Path: Path.GetFullPath(p), Manifest: PredictionManifest.Read(p))).ToList();
        var first = manifests[0].Manifest;
        var problems = new List<string>();
        foreach (var (path, manifest) in manifests.Skip(1))
            if (manifest.Identity.Differences(first.Identity) is { Count: > 0 } differences)
                problems.Add($"{path}: another model or options than {manifests[0].Path} ({string.Join("; ", differences)})");
        foreach (var (path, manifest) in manifests)
        {
            if (manifest.Shard.Count != first.Shard.Count) problems.Add($"{path}: shard {manifest.Shard} of a {manifest.Shard.Count}-way split, not {first.Shard.Count}");
            if (!manifest.Complete) problems.Add($"{path}: shard {manifest.Shard} did not finish; run it again with the same command (it resumes)");
        }
        foreach (var group in manifests.GroupBy(m => m.Manifest.Shard.Index).Where(g => g.Count() > 1))
            problems.Add($"shard {group.Key}/{first.Shard.Count} is given {group.Count()} times: {string.Join(", ", group.Select(g => g.Path))}");
        var absent = Enumerable.Range(0, first.Shard.Count).Except(manifests.Select(m => m.Manifest.Shard.Index)).ToList();
        if (absent.Count > 0) problems.Add($"shard(s) {string.Join(", ", absent.Select(i => $"{i}/{first.Shard.Count}"))} missing");
        if (problems.Count > 0) throw new InvalidDataException($"cannot merge: {string.Join("; ", problems)}.");

        var format = first.CreateFormat();
        var lines = new Dictionary<string, string>(StringComparer.Ordinal);
        var duplicates = new List<string>();
        int failures = 0;
        foreach (var (path, manifest) in manifests)
        {
            int rows = 0;
            foreach (var (record, line) in PredictionOutput.Read(path, format))
            {
                rows++;
                if (!lines.TryAdd(record.File, line)) duplicates.Add(record.File);
                else if (record.Failed) failures++;
            }
            if (rows != manifest.Rows) problems.Add($"{path}: {rows} lines where its manifest counts {manifest.Rows} (edited since?)");
        }
        if (duplicates.Count > 0) problems.Add($"{duplicates.Count} image(s) appear more than once: {Names(duplicates)}");
        problems.AddRange(Missing(manifests.Select(m => m.Manifest).ToList(), lines));
        if (problems.Count > 0) throw new InvalidDataException($"cannot merge: {string.Join("; ", problems)}.");

        var full = Path.GetFullPath(output);
        AtomicFile.Write(full, temp =>
        {
            using var merged = PredictionOutput.Create(temp, format);
            merged.AppendLines(lines.OrderBy(kv => kv.Key, ImageInput.WalkOrder).Select(kv => (kv.Key, kv.Value)));
            merged.Complete();
        });
        (first with { Shard = Shard.All, Assigned = lines.Count, Complete = true, Rows = lines.Count, Failures = failures }).Write(full);
        return new MergeResult(full, manifests.Count, lines.Count, failures);
    }

    /// <summary>Images of the job that no part holds: named when the inputs can be listed here, else counted per part.</summary>
    private static IEnumerable<string> Missing(List<PredictionManifest> manifests, Dictionary<string, string> lines)
    {
        var inputs = manifests[0].Inputs;
        if (inputs.All(i => i.Kind == ImageInputKind.Folder ? Directory.Exists(i.Path) : File.Exists(i.Path)))
        {
            var missing = ImageInput.EnumerateAll(inputs).Select(i => i.Key).Where(k => !lines.ContainsKey(k)).ToList();
            if (missing.Count > 0) yield return $"{missing.Count} image(s) of the inputs are in no part: {Names(missing)}";
            yield break;
        }
        foreach (var m in manifests.Where(m => m.Rows != m.Assigned))
            yield return $"shard {m.Shard} holds {m.Rows} of the {m.Assigned} images it was assigned";
    }

    private static string Names(IReadOnlyList<string> keys) => string.Join(", ", keys.Take(Listed)) + (keys.Count > Listed ? $", ... ({keys.Count - Listed} more)" : "");
}
