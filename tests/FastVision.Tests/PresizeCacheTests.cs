using FastVision.Data;

namespace FastVision.Tests;

public class PresizeCacheTests
{
    [Fact]
    public void SecondReadIsAHitAndCorruptEntriesAreRebuilt()
    {
        using var dir = new TempDir();
        var image = dir.Combine("img.jpg");
        TestImages.ThreeBands(image, 90, 30);
        var cache = new PresizeCache(dir.Combine("cache"));
        int made = 0;
        (byte[], int, int) Make() { made++; return (Enumerable.Range(0, 30 * 10 * 4).Select(i => (byte)i).ToArray(), 30, 10); }

        var first = cache.GetOrCreate(image, 10, Make);
        var second = cache.GetOrCreate(image, 10, Make);
        Assert.Equal(1, made);
        Assert.Equal(first.Rgba, second.Rgba);

        var entry = cache.EntryPath(image, 10);
        var bytes = File.ReadAllBytes(entry);
        bytes[^5] ^= 0xFF; // one flipped byte in the pixels
        File.WriteAllBytes(entry, bytes);
        Assert.Equal(first.Rgba, cache.GetOrCreate(image, 10, Make).Rgba);
        Assert.Equal(2, made);

        File.WriteAllBytes(entry, bytes[..40]); // a torn entry
        Assert.Equal(first.Rgba, cache.GetOrCreate(image, 10, Make).Rgba);
        Assert.Equal(3, made);

        File.SetLastWriteTimeUtc(image, DateTime.UtcNow.AddMinutes(1)); // the image changed: a new key
        Assert.NotEqual(entry, cache.EntryPath(image, 10));
        Assert.NotEqual(entry, cache.EntryPath(image, 11));
    }

    [Fact]
    public void CachedPresizeMatchesDecodingAndSurvivesDeletion()
    {
        using var dir = new TempDir();
        var image = dir.Combine("img.jpg");
        TestImages.ThreeBands(image, 150, 100);
        var presize = new Presize(40);
        var cache = new PresizeCache(dir.Combine("cache"));
        var direct = new byte[40 * 40 * 4];
        var cached = new byte[40 * 40 * 4];
        presize.Apply(image, 0.3, direct, null, ImageDecoder.DefaultMaxPixels);
        presize.Apply(image, 0.3, cached, cache, ImageDecoder.DefaultMaxPixels);
        Assert.True(direct.Zip(cached, (a, b) => Math.Abs(a - b)).Average() < 6, "both paths crop and resize the same region");
        Directory.Delete(cache.Directory, recursive: true);
        var again = new byte[40 * 40 * 4];
        presize.Apply(image, 0.3, again, cache, ImageDecoder.DefaultMaxPixels);
        Assert.Equal(cached, again);
    }
}
