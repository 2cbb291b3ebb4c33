using FastVision.Models;

namespace FastVision.Data;

/// <summary>The training and validation loaders of one data set, with its classes and its plan.</summary>
public sealed class DataLoaders(DataLoader train, DataLoader valid, DataSet data)
{
    public DataLoader Train { get; } = train;
    public DataLoader Valid { get; } = valid;
    public DataSet Data { get; } = data;
    public IReadOnlyList<string> Classes => Data.Classes;
    public DataIssues Issues => Data.Issues;

    /// <summary>The model's input size.</summary>
    public int Size => Train.Size;

    /// <summary>The statistics both loaders normalize with (a vision learner sets its model's).</summary>
    public Normalization? Normalization
    {
        get => Train.Normalization;
        set
        {
            Train.Normalization = value;
            Valid.Normalization = value;
        }
    }
}
