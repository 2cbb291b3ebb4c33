namespace FastVision.Training;

/// <summary>Loss weights for imbalanced classes (camera-trap data: many blanks and rodents, few leopards).</summary>
public static class ClassWeights
{
    /// <summary>
    /// scikit-learn's "balanced" weights: N / (C · n_c) for each of the <paramref name="classes"/> classes, so every class
    /// contributes as much to the loss as if all were equally frequent; a class with no training image gets 1.
    /// </summary>
    public static float[] Balanced(IEnumerable<int> labels, int classes)
    {
        var counts = new int[classes];
        int total = 0;
        foreach (var label in labels)
        {
            if (label < 0 || label >= classes) throw new ArgumentOutOfRangeException(nameof(labels), label, $"a class index is in [0, {classes}).");
            counts[label]++;
            total++;
        }
        return [.. counts.Select(n => n == 0 ? 1f : (float)total / (classes * n))];
    }
}
