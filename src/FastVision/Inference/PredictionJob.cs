using FastVision.Data;

namespace FastVision.Inference;

/// <summary>How a <see cref="PredictionJob"/> runs: where it writes, in which format, which shard, and what it starts from.</summary>
public sealed record PredictionJobOptions
{
    /// <summary>The output file; a shard writes its part beside it (<see cref="Shard.PartPath"/>).</summary>
    public required string Output { get; init; }

    /// <summary>The model folder the predictor was loaded from (its files are fingerprinted into the run's identity).</summary>
    public required string Model { get; init; }

    public PredictionFileFormat Format { get; init; } = PredictionFileFormat.Csv;
    public Shard Shard { get; init; } = Shard.All;

    /// <summary>Start over even when the output exists; otherwise an existing output of the same identity is resumed.</summary>
    public bool Overwrite { get; init; }

    /// <summary>MegaDetector results for the inputs (paths relative to each input's root).</summary>
    public MegaDetectorResults? Detections { get; init; }
}

/// <summary>What a job did: its part file, images listed for its shard, lines that were already there, and what this run added.</summary>
/// <param name="WithDetections">Images of the shard the detections file lists (0 without one).</param>
/// <param name="Added">What this run predicted.</param>
/// <param name="Summary">The whole output: a resumed job's earlier lines and this run's.</param>
public sealed record PredictionJobResult(string Output, int Assigned, int Resumed, PredictionSummary Added, PredictionSummary Summary)
{
    public int Predicted => Added.Predicted;
    public int Failed => Added.Failed;
    public IReadOnlyDictionary<string, int> PredictedClasses => Added.Counts;

    public int WithDetections { get; init; }
}

/// <summary>A batch a job has just written, and how far the shard is (images in the output, images assigned to the shard).</summary>
public sealed record PredictionProgress(IReadOnlyList<PredictionRecord> Batch, int Done, int Assigned);

/// <summary>
/// Prediction at the scale of a season: the inputs are listed lazily in their documented order (<see cref="ImageInput"/>), the
/// shard keeps its share, images already in the output are skipped (resume), and the rest are predicted a batch at a time —
/// the next batch decoding while the engine runs this one — and appended to the output as each finishes (flushed). A kill loses
/// at most the batches in flight; memory stays flat in the number of images. An image that cannot be read gets a failure line
/// and the job goes on. The manifest beside the output (<see cref="PredictionManifest"/>) ties it to the model and options.
/// </summary>
/// <remarks>
/// With test-time augmentation each batch draws its augmentations from the seed and its first image's key, so probabilities
/// depend on which images share a batch; without it a sharded or resumed run gives the same probabilities as one run.
/// </remarks>
public static class PredictionJob
{
    /// <summary>Batches decoded ahead of the engine (one in the engine, one decoding): the memory bound.</summary>
    private const int InFlight = 2;

    /// <param name="progress">Called after every batch written.</param>
    public static PredictionJobResult Run(Predictor predictor, IReadOnlyList<ImageInput> inputs, PredictionJobOptions options, Action<PredictionProgress>? progress = null)
    {
        if (inputs.Count == 0) throw new ArgumentException("Nothing to predict: give image files, folders, list files or a features CSV.");
        var part = options.Shard.PartPath(Path.GetFullPath(options.Output));
        var manifest = Manifest(predictor, inputs, options);
        var whole = new PredictionSummary(predictor.Classes);
        using var output = Open(part, manifest, options.Overwrite, whole.Add);

        // Lists once (cheap: no pixels) to check the keys and count before any work.
        int assigned = 0, withDetections = 0;
        foreach (var image in ImageInput.EnumerateAll(inputs, options.Detections).Where(i => options.Shard.Contains(i.Key)))
        {
            assigned++;
            if (image.Item.Detections is not null) withDetections++;
        }
        manifest = manifest with { Assigned = assigned };
        manifest.Write(part);

        var summary = new PredictionSummary(predictor.Classes);
        int done = output.Resumed;
        var pending = new Queue<(ListedImage[] Batch, Task<PredictionSet> Prediction)>();
        void Finish()
        {
            var (batch, prediction) = pending.Dequeue();
            var records = Records(batch, prediction.GetAwaiter().GetResult(), predictor.Metadata.Pipeline.Crop);
            output.Append(records);
            summary.Add(records);
            whole.Add(records);
            done += batch.Length;
            progress?.Invoke(new PredictionProgress(records, done, assigned));
        }
        try
        {
            var todo = ImageInput.EnumerateAll(inputs, options.Detections).Where(i => options.Shard.Contains(i.Key) && !output.Keys.Contains(i.Key));
            foreach (var batch in todo.Chunk(predictor.Options.BatchSize))
            {
                int seed = Seeds.Derive(predictor.Options.Seed, (int)(Shard.Hash(batch[0].Key) % int.MaxValue));
                pending.Enqueue((batch, Task.Run(() => predictor.Predict([.. batch.Select(b => b.Item)], seed: seed))));
                if (pending.Count >= InFlight) Finish();
            }
            while (pending.Count > 0) Finish();
        }
        finally
        {
            // Whatever stopped the job, the batches already started finish before the output closes (nothing writes after it).
            foreach (var (_, prediction) in pending) prediction.ContinueWith(_ => { }).Wait();
        }
        output.Complete();
        (manifest with { Complete = true, Rows = output.Keys.Count, Failures = output.Failures }).Write(part);
        return new PredictionJobResult(part, assigned, output.Resumed, summary, whole) { WithDetections = withDetections };
    }

    /// <summary>
    /// Writes predictions made in memory (<paramref name="predictions"/> of <paramref name="listed"/>, e.g. pooled over sequences) as
    /// the job's output and manifest, whole (temp file and rename): the same lines a streamed run writes.
    /// </summary>
    public static PredictionJobResult Write(Predictor predictor, IReadOnlyList<ImageInput> inputs, PredictionJobOptions options, IReadOnlyList<ListedImage> listed, PredictionSet predictions)
    {
        if (!options.Shard.IsAll) throw new ArgumentException("Predictions made in memory are written whole, not as a shard.");
        var path = Path.GetFullPath(options.Output);
        var manifest = Manifest(predictor, inputs, options);
        var records = Records(listed, predictions, predictor.Metadata.Pipeline.Crop);
        AtomicFile.Write(path, temp =>
        {
            using var output = PredictionOutput.Create(temp, manifest.CreateFormat());
            output.Append(records);
            output.Complete();
        });
        var summary = new PredictionSummary(predictor.Classes);
        summary.Add(records);
        (manifest with { Assigned = listed.Count, Complete = true, Rows = records.Count, Failures = summary.Failed }).Write(path);
        return new PredictionJobResult(path, listed.Count, 0, summary, summary) { WithDetections = listed.Count(l => l.Item.Detections is not null) };
    }

    private static PredictionManifest Manifest(Predictor predictor, IReadOnlyList<ImageInput> inputs, PredictionJobOptions options) =>
        new(ModelBundle.Version, Path.GetFullPath(options.Model), Identity(predictor, inputs, options), options.Shard, [.. inputs], options.Detections?.Path,
            $"FastVision {ModelBundle.Version} {predictor.Metadata.Architecture}", options.Detections?.Categories);

    /// <summary>The identity a run of <paramref name="predictor"/> with <paramref name="options"/> writes into its manifest.</summary>
    public static PredictionIdentity Identity(Predictor predictor, IReadOnlyList<ImageInput> inputs, PredictionJobOptions options)
    {
        var o = predictor.Options;
        return new PredictionIdentity(PredictionManifest.Fingerprint(options.Model), predictor.Metadata.Architecture, [.. predictor.Classes], predictor.Metadata.Pipeline.Size,
            predictor.EngineName, o.Tta is { } t ? $"{t.Passes} passes, beta {t.Beta}, seed {o.Seed}" : null, o.Calibrated, predictor.Temperature, o.Ensemble.ToString(),
            options.Detections is { } d ? PredictionManifest.FileFingerprint(d.Path) : null, options.Format, inputs.Any(i => i.Kind == ImageInputKind.FeaturesCsv));
    }

    /// <summary>The output to append to: a new one, or the existing one when its manifest has the same identity (resume).</summary>
    private static PredictionOutput Open(string part, PredictionManifest manifest, bool overwrite, Action<PredictionRecord> existing)
    {
        if (overwrite || !File.Exists(part)) return PredictionOutput.Create(part, manifest.CreateFormat());
        var previous = PredictionManifest.Read(part);
        var differences = manifest.Identity.Differences(previous.Identity);
        if (differences.Count > 0)
            throw new InvalidDataException($"{part}: written by another model or other options ({string.Join("; ", differences)}); " +
                "choose another --out, or --overwrite to start over.");
        return PredictionOutput.Resume(part, manifest.CreateFormat(), existing);
    }

    /// <summary>One record per image, in order: its probabilities, else why it was skipped.</summary>
    private static List<PredictionRecord> Records(IReadOnlyList<ListedImage> images, PredictionSet predictions, DetectionCrop? crop)
    {
        var rows = new Dictionary<string, float[]>(StringComparer.Ordinal);
        foreach (var row in predictions.Rows) rows.TryAdd(row.Item.Path, row.Probabilities);
        var skipped = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (file, reason) in predictions.Skipped) skipped.TryAdd(file, reason);
        // The line names the image by its key: a reason starting with the image's full path loses it.
        string Reason(ImageItem item) => skipped.GetValueOrDefault(item.Path) is { } reason
            ? reason.StartsWith(item.Path + ": ", StringComparison.Ordinal) ? reason[(item.Path.Length + 2)..] : reason
            : "not predicted";
        return [.. images.Select(image => rows.TryGetValue(image.Item.Path, out var p) ? PredictionRecord.Of(image, p, crop) : PredictionRecord.FailureOf(image, Reason(image.Item)))];
    }
}
