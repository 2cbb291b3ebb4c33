namespace FastVision;

/// <summary>
/// Derives child seeds from a seed and indices (epoch, item, ...). Unlike <see cref="HashCode"/>, whose
/// output changes from process to process, this is the same on every run: same seed, same numbers.
/// </summary>
public static class Seeds
{
    public static int Derive(int seed, params int[] parts)
    {
        ulong h = (ulong)(uint)seed;
        foreach (var p in parts) h = SplitMix((h ^ (uint)p) + 0x9E3779B97F4A7C15UL);
        return (int)(SplitMix(h) & int.MaxValue);
    }

    private static ulong SplitMix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
