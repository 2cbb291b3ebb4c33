using System.Threading.Channels;
using FastVision.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace FastVision.Data;

/// <summary>
/// A batch as decoded: images uint8 [B, H, W, 4] (RGBA), class indices [B], and where it sits in the epoch. Rendered on the CPU
/// (<see cref="Rendered"/>), the images are at the model's size with their geometry done; otherwise they are the presized
/// squares the tensor path augments on its device.
/// </summary>
public sealed class Batch(Tensor images, Tensor labels, int epoch, int index, int[] items) : IDisposable
{
    public Tensor Images { get; } = images;
    public Tensor Labels { get; } = labels;
    public int Epoch { get; } = epoch;
    public int Index { get; } = index;

    /// <summary>Positions of the batch's images in <see cref="DataLoader.Items"/>.</summary>
    public int[] Items { get; } = items;

    /// <summary>The draws each image was rendered with in the decoder threads (their lighting is still to apply); null: presized, not rendered.</summary>
    internal AugTransforms.AugDraw[]? Rendered { get; init; }

    public long Count => Labels.shape[0];

    public void Dispose()
    {
        Images.Dispose();
        Labels.Dispose();
    }
}

/// <summary>How a loader reads and batches (shared by the training and validation loaders of one data set); what it does to the pixels is its <see cref="ImagePipeline"/>.</summary>
public sealed record LoaderSettings
{
    public int BatchSize { get; init; } = 32;
    public int Seed { get; init; } = 42;

    /// <summary>
    /// The training loader draws each epoch's images with replacement, each with probability inversely proportional to its
    /// class's count, so every class is seen about equally often (a weighted random sampler); validation is unaffected.
    /// </summary>
    public bool BalancedSampling { get; init; }

    public PresizeCache? Cache { get; init; }
    public required DataIssues Issues { get; init; }
    public long MaxPixels { get; init; } = ImageDecoder.DefaultMaxPixels;

    /// <summary>Decoding threads; batches are decoded one ahead of the consumer.</summary>
    public int Workers { get; init; } = Environment.ProcessorCount;

    /// <summary>
    /// On a CPU device, render each image to the model size in the decoder threads (the default, <see cref="Presize.Render"/>);
    /// false: the tensor path there too (presized squares, grid_sample), which is what other devices run.
    /// </summary>
    public bool RenderOnCpu { get; init; } = true;

    /// <summary>Batch buffers shared by loaders of these settings (a predictor's one-batch loaders); null: each loader its own.</summary>
    internal BufferPool? Buffers { get; init; }
}

/// <summary>
/// Iterates items in batches (fastai's DataLoader): the training loader shuffles, drops the last partial
/// batch and crops at random; the validation loader keeps order and crops centered. Images are decoded in
/// parallel one batch ahead of the consumer through a bounded channel, so memory stays flat however many
/// files there are. An image that fails to decode mid-epoch is skipped (and reported) or stops the epoch
/// with its name, as <see cref="DataIssues.Policy"/> says. Every random choice derives from the seed and
/// the epoch, so a seed gives the same batches and augmentations on every run.
/// </summary>
public sealed class DataLoader : IBatchSource
{
    private readonly int[] labels;
    private readonly IReadOnlyList<string> classes;
    private readonly BufferPool buffers;
    private int nextEpoch;
    private ImagePipeline pipeline;
    private (Device Device, Tensor Mean, Tensor Std)? normalizationTensors;

    /// <param name="pipeline">What is done to the pixels; validation loaders ignore its augmentation.</param>
    /// <param name="isTrain">Shuffled, drop_last, augmented (fastai's train loader); otherwise ordered and complete.</param>
    /// <param name="augment">Augment regardless of <paramref name="isTrain"/>: test-time augmentation is ordered but augmented.</param>
    public DataLoader(IReadOnlyList<ImageItem> items, IReadOnlyList<string> classes, ImagePipeline pipeline, LoaderSettings settings, bool isTrain, bool? augment = null)
    {
        Native.TorchRuntime.EnsureInitialized(); // batches are tensors: libtorch must start with FastVision's settings
        Device = CPU; // not an initializer: those run before this body, and torch's first use would start libtorch unprepared
        Items = items;
        this.classes = classes;
        this.pipeline = pipeline;
        Settings = settings;
        buffers = settings.Buffers ?? new BufferPool();
        IsTrain = isTrain;
        Augmented = augment ?? isTrain;
        var index = classes.Select((c, i) => (c, i)).ToDictionary(p => p.c, p => p.i);
        labels = items.Select(it => it.Label switch
        {
            null when !isTrain => Unlabelled, // prediction: images without a known class
            null => throw new ArgumentException($"{it.Describe()}: unlabelled item in a training loader."),
            var label => index.TryGetValue(label, out var i) ? i : throw new ArgumentException($"{it.Describe()}: class '{label}' is not one of {string.Join(", ", classes)}."),
        }).ToArray();
    }

    /// <summary>The label of an item whose class is unknown (prediction).</summary>
    public const int Unlabelled = -1;

    public IReadOnlyList<ImageItem> Items { get; }
    public LoaderSettings Settings { get; }
    public bool IsTrain { get; }

    /// <summary>Random presize position and the pipeline's augmentation (training, and test-time augmentation).</summary>
    public bool Augmented { get; }
    public int Count => Items.Count;
    public int BatchSize => Settings.BatchSize;
    public int Size => Pipeline.Size;

    /// <summary>The preprocessing recipe; a vision learner fills in its model's normalization.</summary>
    public ImagePipeline Pipeline
    {
        get => pipeline;
        set { pipeline = value; normalizationTensors = null; }
    }

    /// <summary>
    /// Where batches are augmented (fastai's dls.device); a learner sets its model's. On the CPU each image is rendered to the
    /// model size in the decoder threads, one resampling from the decoded pixels (unless <see cref="LoaderSettings.RenderOnCpu"/>
    /// is off); on other devices the presized squares are moved there and augmented as tensors (grid_sample), as fastai does.
    /// </summary>
    public Device Device { get; set; }

    /// <summary>True when batches come rendered at the model size from the decoder threads (see <see cref="Device"/>).</summary>
    public bool RendersOnCpu => Settings.RenderOnCpu && Device.type == DeviceType.CPU;

    /// <summary>Batches per epoch (before any skipped image).</summary>
    public int BatchCount => IsTrain ? Count / BatchSize : (Count + BatchSize - 1) / BatchSize;

    public int LabelOf(int item) => labels[item];

    /// <summary>A loader like this one (classes, pipeline, settings, order and augmentation) over other items, e.g. another view of them.</summary>
    public DataLoader WithItems(IReadOnlyList<ImageItem> items) => new(items, classes, pipeline, Settings, IsTrain, Augmented) { Device = Device };

    /// <summary>A loader like this one with other reading settings (e.g. another cache, or the tensor path on the CPU to compare with).</summary>
    public DataLoader WithSettings(LoaderSettings settings) => new(Items, classes, pipeline, settings, IsTrain, Augmented) { Device = Device };

    /// <summary>The next epoch's batches.</summary>
    public IEnumerable<Batch> GetBatches(CancellationToken cancellation = default) => GetBatches(nextEpoch++, cancellation);

    /// <summary>The batches of epoch <paramref name="epoch"/>: the same for the same seed and epoch.</summary>
    public IEnumerable<Batch> GetBatches(int epoch, CancellationToken cancellation = default) => Iterate(EpochOrder(epoch), epoch, cancellation);

    /// <summary>Positions in <see cref="Items"/> in the order epoch <paramref name="epoch"/> visits them: shuffled from the seed and epoch (training), else in order.</summary>
    internal int[] EpochOrder(int epoch)
    {
        if (IsTrain && Settings.BalancedSampling) return BalancedOrder(new Random(Seeds.Derive(Settings.Seed, epoch, 3)));
        var order = Enumerable.Range(0, Count).ToArray();
        if (IsTrain) new Random(Seeds.Derive(Settings.Seed, epoch)).Shuffle(order);
        return order;
    }

    /// <summary>Count draws with replacement, item i with weight 1 / (images of its class).</summary>
    private int[] BalancedOrder(Random rng)
    {
        var perClass = labels.GroupBy(l => l).ToDictionary(g => g.Key, g => g.Count());
        var cumulative = new double[Count];
        double sum = 0;
        for (int i = 0; i < Count; i++) cumulative[i] = sum += 1.0 / perClass[labels[i]];
        return [.. Enumerable.Range(0, Count).Select(_ =>
        {
            int at = Array.BinarySearch(cumulative, rng.NextDouble() * sum);
            return Math.Min(at < 0 ? ~at : at, Count - 1);
        })];
    }

    /// <summary>The seed <see cref="AugTransforms.Apply"/> gets for batch <paramref name="index"/> of epoch <paramref name="epoch"/>.</summary>
    internal int AugmentSeed(int epoch, int index) => Seeds.Derive(Settings.Seed, epoch, index, 1);

    /// <summary>Where an augmented loader's presize crop sits along the long side (0..1) for an item in an epoch; others crop at 0.5.</summary>
    internal double PresizePosition(int epoch, int item) =>
        Augmented ? new Random(Seeds.Derive(Settings.Seed, epoch, item, 2)).NextDouble() : 0.5;

    /// <summary>What bytes are multiplied by to reach [0, 1] (written to preprocess.json for other engines).</summary>
    public const float ByteScale = 1f / 255;

    /// <summary>
    /// uint8 RGBA [B, H, W, 4] → float RGB [B, 3, Size, Size] on <paramref name="device"/>: scaled to [0, 1], augmented
    /// (training) or resized (validation) unless the decoder threads rendered it already (then only the lighting is left), then
    /// normalized unless <paramref name="normalize"/> is false.
    /// </summary>
    public Tensor Prepare(Batch batch, Device device, bool normalize = true)
    {
        using var scope = NewDisposeScope();
        // Channels-last float (the permuted view keeps HWC memory order): grid_sample reads it about 2x faster.
        var x = batch.Images.to(device).permute(0, 3, 1, 2).to(ScalarType.Float32).narrow(1, 0, 3); // drop alpha after the (dense) conversion
        if (batch.Rendered is { } draws)
        {
            using var byteRange = 255f.ToScalar(); // explicit and alive across the call (see AugTransforms.Apply)
            x = AugTransforms.ApplyLighting(x.div_(byteRange), draws);
        }
        else if (Augmented && !Pipeline.Augment.IsResizeOnly) x = Pipeline.Augment.Apply(x, Size, AugmentSeed(batch.Epoch, batch.Index), scale: ByteScale);
        else if (x.shape[2] != Size || x.shape[3] != Size) x = AugTransforms.None.Apply(x, Size, 0, scale: ByteScale);
        else
        {
            using var byteRange = 255f.ToScalar(); // explicit and alive across the call (see AugTransforms.Apply)
            x = x.div_(byteRange);
        }
        if (normalize && Pipeline.Normalization is not null)
        {
            var (_, mean, std) = NormalizationOn(device);
            x = x.sub_(mean).div_(std);
        }
        return x.MoveToOuterDisposeScope();
    }

    private (Device, Tensor, Tensor) NormalizationOn(Device device)
    {
        if (normalizationTensors is { } cached && cached.Device.type == device.type && cached.Device.index == device.index) return cached;
        var stats = Pipeline.Normalization!;
        var mean = tensor(stats.Mean, [1, 3, 1, 1]).to(device).DetachFromDisposeScope();
        var std = tensor(stats.Std, [1, 3, 1, 1]).to(device).DetachFromDisposeScope();
        normalizationTensors = (device, mean, std);
        return normalizationTensors.Value;
    }

    private IEnumerable<Batch> Iterate(int[] order, int epoch, CancellationToken cancellation)
    {
        var channel = Channel.CreateBounded<(byte[] Pixels, long[] Labels, int[] Items, int Index, AugTransforms.AugDraw[]? Rendered)>(
            new BoundedChannelOptions(2) { SingleReader = true, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        var producer = Task.Run(async () =>
        {
            try
            {
                int index = 0;
                for (int start = 0; start < order.Length; start += BatchSize)
                {
                    int n = Math.Min(BatchSize, order.Length - start);
                    if (n < BatchSize && IsTrain) break; // drop_last
                    var decoded = DecodeBatch(order.AsSpan(start, n).ToArray(), epoch, index);
                    if (decoded.Labels.Length == 0) continue; // every image of the batch was skipped
                    await channel.Writer.WriteAsync((decoded.Pixels, decoded.Labels, decoded.Items, index++, decoded.Rendered), stop.Token).ConfigureAwait(false);
                }
                channel.Writer.Complete();
            }
            catch (Exception e)
            {
                channel.Writer.Complete(e);
            }
        }, stop.Token);

        try
        {
            int p = RendersOnCpu ? Size : Pipeline.Presize.Size;
            while (true)
            {
                (byte[] Pixels, long[] Labels, int[] Items, int Index, AugTransforms.AugDraw[]? Rendered) next;
                try
                {
                    if (!channel.Reader.WaitToReadAsync(stop.Token).AsTask().GetAwaiter().GetResult()) break;
                    if (!channel.Reader.TryRead(out next)) continue;
                }
                catch (ChannelClosedException e) when (e.InnerException is not null)
                {
                    throw e.InnerException;
                }
                int b = next.Labels.Length;
                var pixels = next.Pixels.Length == b * p * p * 4 ? next.Pixels : next.Pixels[..(b * p * p * 4)];
                var images = tensor(pixels, [b, p, p, 4], ScalarType.Byte); // copies: the buffer can go back to the pool
                buffers.Return(next.Pixels);
                yield return new Batch(images, tensor(next.Labels, ScalarType.Int64), epoch, next.Index, next.Items) { Rendered = next.Rendered };
            }
            producer.GetAwaiter().GetResult();
        }
        finally
        {
            stop.Cancel();
            try { producer.Wait(); } catch (AggregateException) { } // the consumer stopped early or failed
        }
    }

    /// <summary>
    /// Decodes batch <paramref name="index"/> of <paramref name="epoch"/> in parallel: rendered at the model size with its draws
    /// (<see cref="RendersOnCpu"/>; identity draws when not augmented), or presized. Skipped images are left out.
    /// </summary>
    private (byte[] Pixels, long[] Labels, int[] Items, AugTransforms.AugDraw[]? Rendered) DecodeBatch(int[] indices, int epoch, int index)
    {
        bool render = RendersOnCpu;
        int size = render ? Size : Pipeline.Presize.Size, stride = size * size * 4;
        var augment = Augmented ? Pipeline.Augment : AugTransforms.None;
        // The same draws the tensor path takes for this batch: one seed per batch, image i gets draw i.
        var draws = render ? augment.Draw(AugmentSeed(epoch, index), indices.Length) : null;
        // A cached image keeps the resolution the most magnifying draw needs (rendering ignores the presize's).
        int cacheSide = AugTransforms.CoveringSide(size, augment.MaxMagnification);
        var pixels = buffers.Rent(indices.Length * stride);
        var ok = new bool[indices.Length];
        try
        {
            Parallel.For(0, indices.Length, new ParallelOptions { MaxDegreeOfParallelism = Settings.Workers }, i =>
            {
                var item = Items[indices[i]];
                if (Settings.Issues.IsSkipped(item.Path)) return;
                // Augmented loaders crop at a random position along the long side; the others crop the center.
                double position = PresizePosition(epoch, indices[i]);
                var target = pixels.AsSpan(i * stride, stride);
                try
                {
                    var source = Pipeline.SourceRegion(item, Settings.MaxPixels);
                    if (!render) Pipeline.Presize.Apply(item.Path, position, target, Settings.Cache, Settings.MaxPixels, source);
                    else Presize.Render(item.Path, position, size, augment.IsResizeOnly ? null : draws![i], target, Settings.MaxPixels, source, Settings.Cache, cacheSide);
                    ok[i] = true;
                }
                catch (DataSourceException e)
                {
                    Settings.Issues.BadImage(item.Path, e.Message); // throws under BadImagePolicy.Fail
                }
            });
        }
        catch (AggregateException e) when (e.InnerExceptions.OfType<DataSourceException>().FirstOrDefault() is { } first)
        {
            throw first;
        }
        if (ok.All(x => x)) return (pixels, indices.Select(i => (long)labels[i]).ToArray(), indices, draws);
        // Move the decoded images over the skipped ones; the consumer reads only the first kept.Length images.
        var kept = Enumerable.Range(0, indices.Length).Where(i => ok[i]).ToArray();
        for (int k = 0; k < kept.Length; k++)
            if (kept[k] != k) pixels.AsSpan(kept[k] * stride, stride).CopyTo(pixels.AsSpan(k * stride));
        return (pixels, kept.Select(k => (long)labels[indices[k]]).ToArray(), kept.Select(k => indices[k]).ToArray(), draws is null ? null : [.. kept.Select(k => draws[k])]);
    }
}
