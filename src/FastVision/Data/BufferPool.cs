using System.Collections.Concurrent;

namespace FastVision.Data;

/// <summary>
/// Reuses the large pixel buffers of decoded batches. Each batch buffer is tens of megabytes (a large-object
/// heap allocation that only a full GC reclaims); reusing a handful keeps memory flat however long an epoch is.
/// </summary>
internal sealed class BufferPool(int maxKept = 4)
{
    private readonly ConcurrentBag<byte[]> free = [];

    public byte[] Rent(int length) =>
        free.TryTake(out var buffer) && buffer.Length == length ? buffer : new byte[length];

    public void Return(byte[] buffer)
    {
        if (free.Count < maxKept) free.Add(buffer);
    }
}
