using FastVision.Data;
using static TorchSharp.torch;

namespace FastVision.Bench;

/// <summary>Batches prepared once and replayed every epoch: the same input for the learner and the bare loop.</summary>
public sealed class PrebuiltBatches : IBatchSource, IDisposable
{
    private readonly List<(Tensor X, Tensor Y)> batches = [];

    public PrebuiltBatches(DataLoader loader, Device device)
    {
        foreach (var batch in loader.GetBatches(0))
            using (batch)
                batches.Add((loader.Prepare(batch, device).DetachFromDisposeScope(), batch.Labels.to(device).DetachFromDisposeScope()));
    }

    public IReadOnlyList<(Tensor X, Tensor Y)> Items => batches;
    public int BatchCount => batches.Count;

    /// <summary>Aliases (new handles on the same storage), so the consumer may dispose what it gets.</summary>
    public IEnumerable<Batch> GetBatches(int epoch, CancellationToken cancellation = default) =>
        batches.Select((b, i) => new Batch(b.X.alias(), b.Y.alias(), epoch, i, []));

    public Tensor Prepare(Batch batch, Device device, bool normalize = true) => batch.Images.alias();

    public void Dispose()
    {
        foreach (var (x, y) in batches) { x.Dispose(); y.Dispose(); }
    }
}
