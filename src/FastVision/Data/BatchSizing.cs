namespace FastVision.Data;

/// <summary>
/// The batch size asked for and the one the loaders use. The training loader drops its last partial batch
/// (fastai's drop_last), so a training set smaller than the batch would give no batch at all: the batch is then
/// lowered to the training set, and <see cref="Notice"/> says so.
/// </summary>
public sealed record BatchSizing(int Requested, int Effective, int TrainImages)
{
    /// <summary>The fewest images of a training batch: BatchNorm in training mode needs more than one value per channel.</summary>
    public const int MinTrainBatch = 2;

    /// <summary>The batch for <paramref name="data"/>; refuses a training set too small for any batch, naming the counts.</summary>
    public static BatchSizing For(DataSet data, int requested)
    {
        if (requested < MinTrainBatch) throw new ArgumentException($"batch size {requested}: a training batch needs at least {MinTrainBatch} images.");
        int train = data.Train.Length;
        if (train < MinTrainBatch)
            throw new DataSourceException($"{data.Path}: {train} training and {data.Valid.Length} validation images; a training batch needs at least {MinTrainBatch} " +
                "training images: add some, or hold out fewer for validation.");
        return new BatchSizing(requested, Math.Min(requested, train), train);
    }

    /// <summary>True when the training set is smaller than the batch asked for.</summary>
    public bool Lowered => Effective < Requested;

    /// <summary>One line for the user when the batch size was lowered; null when it is as asked.</summary>
    public string? Notice => Lowered ? $"batch size: {TrainImages} training images make no full batch of {Requested}; using batch size {Effective}" : null;
}
