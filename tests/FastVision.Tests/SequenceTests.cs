using FastVision.Data;
using FastVision.Inference;
using SkiaSharp;
using DataLoader = FastVision.Data.DataLoader;

namespace FastVision.Tests;

/// <summary>
/// Camera-trap sequences: read from a features-CSV column, or derived from EXIF capture times per site (a new sequence after a
/// gap of more than 60 s); frame predictions pooled per sequence by the mean of log-probabilities.
/// </summary>
public class SequenceTests
{
    private static readonly DateTime T0 = new(2024, 3, 11, 6, 15, 0);

    private static readonly byte[] Jpeg = Solid();

    private static byte[] Solid()
    {
        using var bitmap = new SKBitmap(16, 12);
        bitmap.Erase(SKColors.DarkOliveGreen);
        return TestImages.Encode(bitmap, SKEncodedImageFormat.Jpeg);
    }

    /// <summary>A JPEG at <paramref name="name"/> taken at <paramref name="time"/> (no EXIF when null), as an item of <paramref name="site"/>.</summary>
    private static ImageItem Frame(TempDir dir, string name, string site, DateTime? time)
    {
        var path = dir.Combine(name + ".jpg");
        File.WriteAllBytes(path, time is null ? Jpeg : TestImages.WithExifTimes(Jpeg, time));
        return new ImageItem(path, Id: name, Site: site);
    }

    [Fact]
    public void ExifTimeReadsDateTimeOriginalThenFallsBackToIfd0DateTime()
    {
        using var dir = new TempDir();
        var both = dir.Combine("both.jpg");
        File.WriteAllBytes(both, TestImages.WithExifTimes(Jpeg, T0, ifd0DateTime: T0.AddHours(1)));
        Assert.Equal(T0, ExifTime.Read(both));

        var ifd0Only = dir.Combine("ifd0.jpg");
        File.WriteAllBytes(ifd0Only, TestImages.WithExifTimes(Jpeg, null, ifd0DateTime: T0.AddSeconds(5)));
        Assert.Equal(T0.AddSeconds(5), ExifTime.Read(ifd0Only));

        var unsetClock = dir.Combine("unset.jpg");
        File.WriteAllBytes(unsetClock, TestImages.WithExifTimes(Jpeg, null, ifd0DateTime: T0.AddSeconds(7), rawOriginal: "0000:00:00 00:00:00"));
        Assert.Equal(T0.AddSeconds(7), ExifTime.Read(unsetClock));

        var none = dir.Combine("none.jpg");
        File.WriteAllBytes(none, Jpeg);
        Assert.Null(ExifTime.Read(none));

        var missing = dir.Combine("missing.jpg");
        var e = Assert.Throws<DataSourceException>(() => ExifTime.Read(missing));
        Assert.Contains(missing, e.Message);
    }

    [Fact]
    public void TimesSplitIntoSequencesPerSiteAtGapsAboveSixtySeconds()
    {
        using var dir = new TempDir();
        // Site A: 0 s, 30 s, 90 s (a gap of exactly 60 s stays), 151 s (61 s: a new sequence), one frame without a time.
        // Site B, interleaved in time with A: 10 s and 20 s, its own sequence although A's frames surround it.
        ImageItem[] items =
        [
            Frame(dir, "a3", "A", T0.AddSeconds(151)),
            Frame(dir, "b1", "B", T0.AddSeconds(10)),
            Frame(dir, "a0", "A", T0),
            Frame(dir, "a-untimed", "A", null),
            Frame(dir, "a2", "A", T0.AddSeconds(90)),
            Frame(dir, "b0", "B", T0.AddSeconds(20)),
            Frame(dir, "a1", "A", T0.AddSeconds(30)),
        ];
        var issues = new DataIssues();
        var assignment = Sequences.FromExifTimes(items, issues: issues);

        var sequenceOf = assignment.Items.ToDictionary(i => i.Id!, i => i.Sequence);
        Assert.Equal(items.Select(i => i.Id), assignment.Items.Select(i => i.Id)); // input order kept
        Assert.Equal("A_20240311T061500_000", sequenceOf["a0"]);
        Assert.Equal(sequenceOf["a0"], sequenceOf["a1"]);
        Assert.Equal(sequenceOf["a0"], sequenceOf["a2"]);
        Assert.Equal("A_20240311T061731_001", sequenceOf["a3"]);
        Assert.Equal("B_20240311T061510_000", sequenceOf["b0"]);
        Assert.Equal(sequenceOf["b0"], sequenceOf["b1"]);
        Assert.Equal("A_untimed_a-untimed", sequenceOf["a-untimed"]);
        Assert.Equal(4, assignment.SequenceCount);
        Assert.Equal(["a-untimed"], assignment.Untimed.Select(i => i.Id));
        Assert.Contains(issues.Warnings, w => w.StartsWith("1 image(s) have no EXIF capture time", StringComparison.Ordinal) && w.Contains("a-untimed.jpg"));
        Assert.Equal("7 images in 4 sequences (2 one-frame; 1 image(s) without a capture time)", assignment.Describe());

        var reversed = Sequences.FromExifTimes(items.Reverse().ToList());
        Assert.Equal(sequenceOf, reversed.Items.ToDictionary(i => i.Id!, i => i.Sequence)); // ids depend on the images, not their order

        var shortGap = Sequences.FromExifTimes(items, TimeSpan.FromSeconds(30)).Items.ToDictionary(i => i.Id!, i => i.Sequence);
        Assert.Equal(sequenceOf["a0"], shortGap["a1"]);
        Assert.NotEqual(shortGap["a1"], shortGap["a2"]);
        Assert.Throws<ArgumentOutOfRangeException>(() => Sequences.FromExifTimes(items, TimeSpan.Zero));
    }

    [Fact]
    public void ItemsWithoutASiteAreGroupedByFolder()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.Combine("cam1"));
        Directory.CreateDirectory(dir.Combine("cam2"));
        var one = Frame(dir, Path.Combine("cam1", "x"), "", T0) with { Site = null };
        var two = Frame(dir, Path.Combine("cam2", "y"), "", T0.AddSeconds(1)) with { Site = null };
        var assigned = Sequences.FromExifTimes([one, two]).Items;
        Assert.Equal(["cam1_20240311T061500_000", "cam2_20240311T061501_000"], assigned.Select(i => i.Sequence));
    }

    [Fact]
    public void SequenceColumnIsReadWithTheItems()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.Combine("images"));
        foreach (var id in new[] { "F0", "F1", "F2" }) File.WriteAllBytes(dir.Combine("images", id + ".jpg"), Jpeg);
        File.WriteAllText(dir.Combine("features.csv"),
            "id,filepath,site,event\nF0,images/F0.jpg,S1,E7\nF1,images/F1.jpg,S1,E7\nF2,images/F2.jpg,S1,E8\n");
        var items = new CsvSource("features.csv", sequenceColumn: "event").GetItems(dir.Path, new DataIssues());
        Assert.Equal(["E7", "E7", "E8"], items.Select(i => i.Sequence));
        Assert.All(new CsvSource("features.csv").GetItems(dir.Path, new DataIssues()), i => Assert.Null(i.Sequence)); // unchanged without the option

        var missing = Assert.Throws<DataSourceException>(() => new CsvSource("features.csv", sequenceColumn: "sequence").ReadAll(dir.Path));
        Assert.Contains("features.csv: missing column(s) 'sequence'", missing.Message);

        File.WriteAllText(dir.Combine("features.csv"), "id,filepath,event\nF0,images/F0.jpg,E7\nF1,images/F1.jpg,\n");
        var empty = Assert.Throws<DataSourceException>(() => new CsvSource("features.csv", sequenceColumn: "event").ReadAll(dir.Path));
        Assert.Contains("features.csv row 3: empty sequence in column 'event'", empty.Message);
    }

    private static ImagePrediction Row(string id, string? sequence, int target, params float[] probabilities) =>
        new(new ImageItem($"/data/{id}.jpg", Id: id) { Sequence = sequence }, probabilities, target);

    [Fact]
    public void SequenceProbabilitiesAreTheSoftmaxOfTheMeanLogProbabilities()
    {
        var frames = new PredictionSet(["bird", "civet", "leopard"],
        [
            Row("f0", "s1", 0, 0.7f, 0.2f, 0.1f),
            Row("f1", "single", 2, 0.1f, 0.3f, 0.6f),
            Row("f2", "s1", 1, 0.5f, 0.4f, 0.1f),
            Row("f3", null, DataLoader.Unlabelled, 0.2f, 0.2f, 0.6f),
            Row("f4", "mixed", 1, 0.2f, 0.5f, 0.3f),
            Row("f5", "mixed", 2, 0.3f, 0.3f, 0.4f),
            Row("f6", "mixed", 2, 0.1f, 0.1f, 0.8f),
        ], []);
        var pooled = SequenceAggregation.Aggregate(frames);

        Assert.Equal(["s1", "single", "f3", "mixed"], pooled.Sequences.Select(s => s.Sequence));
        var s1 = pooled.Sequences[0];
        // The normalized geometric mean of the two frames.
        double[] geometric = [Math.Sqrt(0.7 * 0.5), Math.Sqrt(0.2 * 0.4), Math.Sqrt(0.1 * 0.1)];
        var expected = geometric.Select(g => g / geometric.Sum()).ToArray();
        Assert.Equal(3, s1.Probabilities.Length);
        for (int c = 0; c < 3; c++) Assert.Equal(expected[c], s1.Probabilities[c], 6);
        Assert.Equal(0, s1.Predicted);
        Assert.Equal(0, s1.Target); // a tie between bird and civet goes to the class listed first
        Assert.True(s1.MixedLabels);

        float[] SequenceOf(string id) => pooled.Sequences.Single(s => s.Frames.Any(f => f.Item.Id == id)).Probabilities;
        for (int c = 0; c < 3; c++)
        {
            Assert.Equal(frames.Rows[1].Probabilities[c], SequenceOf("f1")[c], 6); // one frame: unchanged
            Assert.Equal(frames.Rows[3].Probabilities[c], SequenceOf("f3")[c], 6); // no sequence: its own, unchanged
        }

        var mixed = pooled.Sequences[3];
        Assert.Equal(2, mixed.Target); // majority: leopard 2, civet 1
        Assert.True(mixed.MixedLabels);
        Assert.False(pooled.Sequences[1].MixedLabels);
        Assert.Equal(DataLoader.Unlabelled, pooled.Sequences[2].Target);
        Assert.Equal(["s1", "mixed"], pooled.Mixed.Select(s => s.Sequence));

        var perFrame = pooled.PerFrame();
        Assert.Equal(frames.Rows.Select(r => r.Item), perFrame.Rows.Select(r => r.Item));
        Assert.Equal(frames.Rows.Select(r => r.Target), perFrame.Rows.Select(r => r.Target));
        Assert.Equal(perFrame.Rows[0].Probabilities, perFrame.Rows[2].Probabilities);
        Assert.Equal(perFrame.Rows[4].Probabilities, perFrame.Rows[5].Probabilities);
        Assert.Equal(perFrame.Rows[4].Probabilities, perFrame.Rows[6].Probabilities);
        Assert.Equal(s1.Probabilities, perFrame.Rows[0].Probabilities);

        var perSequence = pooled.PerSequence();
        Assert.Equal(["s1", "single", "f3", "mixed"], perSequence.Rows.Select(r => r.Item.Id));
        Assert.Equal(["bird", "leopard", null, "leopard"], perSequence.Rows.Select(r => r.Item.Label));

        // Three labelled sequences, each counted once: -log p(target) averaged; bird and leopard are predicted right, the mixed one too.
        var score = pooled.Score();
        double expectedLoss = -(Math.Log(s1.Probabilities[0]) + Math.Log(pooled.Sequences[1].Probabilities[2]) + Math.Log(mixed.Probabilities[2])) / 3;
        Assert.Equal(expectedLoss, score["log_loss"], 5);
        Assert.Equal(1.0, score["accuracy"], 6);
    }

    [SkippableFact]
    public void Mct20HasOneHundredSingleLabelSequencesInItsSequenceColumn()
    {
        var mct = SharedData.Mct20;
        Skip.If(mct is null, "../shared/data/mct-20 is not present on this machine.");
        var items = new ConservisionSource(sequenceColumn: "sequence").GetItems(mct, new DataIssues());
        Assert.Equal(1275, items.Count);
        var sequences = items.GroupBy(i => i.Sequence).ToList();
        Assert.Equal(100, sequences.Count);
        Assert.All(items, i => Assert.Equal(i.Site, i.Sequence)); // the README: site and sequence hold the same id
        Assert.All(sequences, s => Assert.Single(s.Select(i => i.Label).Distinct()));

        var (train, valid) = GroupSplitter.BySequence().Split(items);
        Assert.Empty(train.Select(i => items[i].Sequence).Intersect(valid.Select(i => items[i].Sequence)));
    }
}
