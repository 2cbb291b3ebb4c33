using static TorchSharp.torch;

namespace FastVision.Data;

/// <summary>What the learner's training loop reads batches from: a <see cref="DataLoader"/>, or any other source of batches.</summary>
public interface IBatchSource
{
    /// <summary>Batches per epoch.</summary>
    int BatchCount { get; }

    /// <summary>The batches of epoch <paramref name="epoch"/>; the caller disposes each.</summary>
    IEnumerable<Batch> GetBatches(int epoch, CancellationToken cancellation = default);

    /// <summary>The model's input for a batch, on <paramref name="device"/>.</summary>
    Tensor Prepare(Batch batch, Device device, bool normalize = true);
}
