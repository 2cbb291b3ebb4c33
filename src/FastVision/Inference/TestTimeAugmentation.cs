namespace FastVision.Inference;

/// <summary>
/// fastai's tta: <see cref="Passes"/> predictions with the training augmentation (each pass its own random draw)
/// averaged, then blended with the plain prediction: (1 - beta) * mean(augmented) + beta * plain.
/// </summary>
public sealed record TestTimeAugmentation(int Passes = 4, double Beta = 0.25)
{
    /// <summary>The blend of probability rows; every array is [N][classes] in the same row order.</summary>
    public float[][] Combine(IReadOnlyList<float[][]> augmented, float[][] plain)
    {
        if (augmented.Count == 0) throw new ArgumentException("No augmented pass.", nameof(augmented));
        return plain.Select((row, i) => row.Select((p, c) =>
        {
            double mean = augmented.Average(pass => (double)pass[i][c]);
            return (float)((1 - Beta) * mean + Beta * p);
        }).ToArray()).ToArray();
    }
}
