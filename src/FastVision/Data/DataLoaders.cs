namespace FastVision.Data;

/// <summary>The training and validation loaders of one data set, with its classes, its plan and its batch size.</summary>
public sealed class DataLoaders(DataLoader train, DataLoader valid, DataSet data, BatchSizing batchSizing)
{
    public DataLoader Train { get; } = train;
    public DataLoader Valid { get; } = valid;
    public DataSet Data { get; } = data;

    /// <summary>The batch size asked for and the one both loaders use (lower when the training set is smaller).</summary>
    public BatchSizing BatchSizing { get; } = batchSizing;

    public IReadOnlyList<string> Classes => Data.Classes;
    public DataIssues Issues => Data.Issues;

    /// <summary>The preprocessing recipe both loaders apply (a vision learner fills in its model's normalization).</summary>
    public ImagePipeline Pipeline
    {
        get => Train.Pipeline;
        set
        {
            Train.Pipeline = value;
            Valid.Pipeline = value;
        }
    }

    /// <summary>The model's input size.</summary>
    public int Size => Pipeline.Size;
}
