namespace FastVision.Data;

/// <summary>The training and validation loaders of one data set, with its class names.</summary>
public sealed class DataLoaders(DataLoader train, DataLoader valid, IReadOnlyList<string> classes)
{
    public DataLoader Train { get; } = train;
    public DataLoader Valid { get; } = valid;
    public IReadOnlyList<string> Classes { get; } = classes;
    public int Size => Train.Size;
}
