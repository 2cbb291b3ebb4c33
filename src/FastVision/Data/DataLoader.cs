using System.Threading.Channels;
using TorchSharp;
using static TorchSharp.torch;

namespace FastVision.Data;

/// <summary>A batch: images as uint8 [B, H, W, 3] and class indices [B]. The consumer disposes it.</summary>
public sealed class Batch(Tensor images, Tensor labels) : IDisposable
{
    public Tensor Images { get; } = images;
    public Tensor Labels { get; } = labels;
    public long Count => Labels.shape[0];

    public void Dispose()
    {
        Images.Dispose();
        Labels.Dispose();
    }
}

/// <summary>
/// Iterates items in batches. Images are decoded in parallel, one batch ahead of the consumer (a
/// bounded channel), so memory stays flat however many files there are. Shuffling is seeded per epoch.
/// </summary>
public sealed class DataLoader
{
    private readonly IReadOnlyList<ImageItem> items;
    private readonly int[] labels;
    private int epoch;

    public DataLoader(IReadOnlyList<ImageItem> items, IReadOnlyList<string> classes, int size, int batchSize,
        bool shuffle, bool dropLast, int seed)
    {
        Native.TorchRuntime.EnsureInitialized(); // batches are tensors: libtorch must start with FastVision's settings
        this.items = items;
        var index = classes.Select((c, i) => (c, i)).ToDictionary(p => p.c, p => p.i);
        labels = items.Select(it => index[it.Label]).ToArray();
        Size = size;
        BatchSize = batchSize;
        Shuffle = shuffle;
        DropLast = dropLast;
        Seed = seed;
    }

    public IReadOnlyList<ImageItem> Items => items;
    public int Size { get; }
    public int BatchSize { get; }
    public bool Shuffle { get; }
    public bool DropLast { get; }
    public int Seed { get; }
    public int Count => items.Count;

    /// <summary>Batches per epoch.</summary>
    public int BatchCount => DropLast ? items.Count / BatchSize : (items.Count + BatchSize - 1) / BatchSize;

    /// <summary>The next epoch's batches (each call advances the shuffling seed).</summary>
    public IEnumerable<Batch> GetBatches(CancellationToken cancellation = default)
    {
        var order = Enumerable.Range(0, items.Count).ToArray();
        if (Shuffle) new Random(Seeds.Derive(Seed, epoch)).Shuffle(order);
        epoch++;
        return Iterate(order, cancellation);
    }

    private IEnumerable<Batch> Iterate(int[] order, CancellationToken cancellation)
    {
        var channel = Channel.CreateBounded<(byte[] Pixels, long[] Labels)>(new BoundedChannelOptions(2) { SingleReader = true, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        var producer = Task.Run(async () =>
        {
            try
            {
                for (int start = 0; start < order.Length; start += BatchSize)
                {
                    int n = Math.Min(BatchSize, order.Length - start);
                    if (n < BatchSize && DropLast) break;
                    var batch = DecodeBatch(order.AsSpan(start, n).ToArray());
                    await channel.Writer.WriteAsync(batch, stop.Token).ConfigureAwait(false);
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
            while (true)
            {
                (byte[] Pixels, long[] Labels) next;
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
                yield return new Batch(tensor(next.Pixels, [b, Size, Size, 3], ScalarType.Byte), tensor(next.Labels, ScalarType.Int64));
            }
            producer.GetAwaiter().GetResult();
        }
        finally
        {
            stop.Cancel();
            try { producer.Wait(); } catch (AggregateException) { } // the consumer stopped early or failed
        }
    }

    private (byte[], long[]) DecodeBatch(int[] indices)
    {
        int stride = Size * Size * 3;
        var pixels = new byte[indices.Length * stride];
        var batchLabels = new long[indices.Length];
        try
        {
            Parallel.For(0, indices.Length, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
            {
                ImageDecoder.DecodeCenterSquare(items[indices[i]].Path, Size, pixels.AsSpan(i * stride, stride));
                batchLabels[i] = labels[indices[i]];
            });
        }
        catch (AggregateException e) when (e.InnerExceptions.OfType<DataSourceException>().FirstOrDefault() is { } first)
        {
            throw first;
        }
        return (pixels, batchLabels);
    }
}
