namespace FastVision.Models;

/// <summary>Per-channel RGB statistics an input in [0, 1] is normalized with: (x - mean) / std.</summary>
public sealed record Normalization(float[] Mean, float[] Std)
{
    public static Normalization ImageNet { get; } = new([0.485f, 0.456f, 0.406f], [0.229f, 0.224f, 0.225f]);

    /// <summary>Equal statistics, not the same arrays (a record compares arrays by reference).</summary>
    public bool Equals(Normalization? other) => other is not null && Mean.AsSpan().SequenceEqual(other.Mean) && Std.AsSpan().SequenceEqual(other.Std);

    public override int GetHashCode() => HashCode.Combine(Mean.Length > 0 ? Mean[0] : 0, Std.Length > 0 ? Std[0] : 0);
}
