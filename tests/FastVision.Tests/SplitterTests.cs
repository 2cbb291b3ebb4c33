using FastVision.Data;

namespace FastVision.Tests;

public class SplitterTests
{
    [Theory]
    [InlineData("monkey_prosimian_9780.jpg", "monkey_prosimian")]
    [InlineData("antelope_duiker_12.jpeg", "antelope_duiker")]
    [InlineData("leopard_1.jpg", "leopard")]
    [InlineData("blank.jpg", null)]
    [InlineData("bird_12.png", null)]
    public void RegexLabellerTakesTheTextBeforeTheLastNumber(string name, string? label) =>
        Assert.Equal(label, RegexLabeller.NameBeforeNumber.Label(new ImageItem("/data/" + name)));

    [Fact]
    public void RandomSplitIsSeededDisjointAndSized()
    {
        var a = new RandomSplitter(0.2, Seed: 42).Split(100);
        var b = new RandomSplitter(0.2, Seed: 42).Split(100);
        var c = new RandomSplitter(0.2, Seed: 7).Split(100);
        Assert.Equal(a.Valid, b.Valid);
        Assert.NotEqual(a.Valid, c.Valid);
        Assert.Equal(20, a.Valid.Length);
        Assert.Equal(80, a.Train.Length);
        Assert.Empty(a.Train.Intersect(a.Valid));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void GroupSplitNeverSharesASiteAndStaysNearValidPct(int seed)
    {
        var rng = new Random(seed);
        var items = Enumerable.Range(0, 60).SelectMany(s => Enumerable.Range(0, rng.Next(5, 60))
            .Select(i => new ImageItem($"/d/S{s}_{i}.jpg", "x", Site: $"S{s:D4}"))).ToList();
        var splitter = GroupSplitter.BySite(0.2, seed);
        var (train, valid) = splitter.Split(items);
        Assert.Equal(items.Count, train.Length + valid.Length);
        var trainSites = train.Select(i => items[i].Site).ToHashSet();
        Assert.DoesNotContain(valid, i => trainSites.Contains(items[i].Site));
        Assert.InRange((double)valid.Length / items.Count, 0.17, 0.23);
        Assert.Equal(valid, splitter.Split(items).Valid);
    }

    [Fact]
    public void ExplicitListAndColumnSplitters()
    {
        var items = Enumerable.Range(0, 6).Select(i => new ImageItem($"/d/{i}.jpg", "x", Id: $"id{i}")
        {
            Fields = new Dictionary<string, string> { ["is_valid"] = i % 3 == 0 ? "True" : "False" },
        }).ToList();
        Assert.Equal([1, 4], ValidListSplitter.FromList(["id1", "4.jpg"]).Split(items).Valid);
        Assert.Equal([0, 3], ValidListSplitter.FromColumn("is_valid").Split(items).Valid);
    }

    [Fact]
    public void NearDuplicateNamesAreParsedAsSequences()
    {
        Assert.Equal(("StationA__2009-04-21__00-40-00", 2L), SequenceNames.Parse("x/StationA__2009-04-21__00-40-00(2).JPG"));
        Assert.Equal(("IMG", 1L), SequenceNames.Parse("IMG_0001.jpg"));
        Assert.Null(SequenceNames.Parse("ZJ000123.jpg"));
    }
}
