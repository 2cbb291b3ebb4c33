using FastVision.Data;
using SkiaSharp;

namespace FastVision.Tests;

/// <summary>The folder layouts with labels and groups from chosen folder levels, the generic CSV layout and Camtrap DP: what they load.</summary>
public class LayoutTests
{
    private static readonly DataLoaderOptions Options = DataSourceTests.Tiny;

    [Theory]
    [InlineData("grandparent")]
    [InlineData("0")]
    public void FolderLabelsFromAChosenLevelWithTheSequenceFolderAsGroup(string labelFrom)
    {
        using var dir = new TempDir();
        var files = LayoutFixtures.SequenceTree(dir.Path);
        var data = ImageDataLoaders.FolderBlock(dir.Path, Options, FolderLevel.Parse(labelFrom, "--label-from"), FolderLevel.Parent).Plan(dir.Path);
        Assert.Equal(LayoutFixtures.Species, data.Classes);
        Assert.Equal(files.Count, data.Items.Count);
        var expected = files.ToDictionary(f => dir.Combine(f.Path.Split('/')), f => (f.Species, f.Sequence));
        Assert.All(data.Items, i => Assert.Equal(expected[i.Path], (i.Label!, i.Site!)));
        Assert.StartsWith("by site", data.Split);
        LayoutFixtures.AssertGroupsOnOneSide(data);
    }

    [Fact]
    public void WithoutAGroupTheFolderLayoutSplitsAtRandomAndTheParentStaysTheDefaultLabel()
    {
        using var dir = new TempDir();
        LayoutFixtures.SequenceTree(dir.Path);
        var byParent = ImageDataLoaders.FolderBlock(dir.Path, Options).Plan(dir.Path);
        Assert.Equal(12, byParent.Classes.Count); // the sequence folders
        Assert.StartsWith("random", byParent.Split);
        Assert.Equal("parent folder name", byParent.Labels);
        var e = Assert.Throws<ArgumentException>(() => ImageDataLoaders.FolderBlock(dir.Path, Options, FolderLevel.Parent, FolderLevel.Parent));
        Assert.Contains("every class would be one group", e.Message);
    }

    [Fact]
    public void TrainAndValidFoldersStillSplitANestedLayout()
    {
        using var dir = new TempDir();
        var train = LayoutFixtures.SequenceTree(dir.Path, "train/", sequences: 3);
        var valid = LayoutFixtures.SequenceTree(dir.Path, "valid/", sequences: 1);
        var data = ImageDataLoaders.FolderBlock(dir.Path, Options, FolderLevel.Top(1)).Plan(dir.Path);
        Assert.Equal(LayoutFixtures.Species, data.Classes);
        Assert.StartsWith("by folder", data.Split);
        Assert.Equal((train.Count, valid.Count), (data.Train.Length, data.Valid.Length));
        Assert.All(data.Valid, i => Assert.StartsWith(dir.Combine("valid") + Path.DirectorySeparatorChar, data.Items[i].Path));
        Assert.Equal(data.Classes, ImageDataLoaders.FolderBlock(dir.Path, Options, FolderLevel.Grandparent).Plan(dir.Path).Classes);
    }

    [Fact]
    public void AFolderLevelTheFileDoesNotHaveIsNoLabel()
    {
        using var dir = new TempDir();
        LayoutFixtures.SequenceTree(dir.Path);
        TestImages.Solid(dir.Combine("stray.jpg"), 12, 8, SKColors.Red);
        var e = Assert.Throws<DataSourceException>(() => ImageDataLoaders.FolderBlock(dir.Path, Options, FolderLevel.Grandparent).Plan(dir.Path));
        Assert.Contains("stray.jpg", e.Message);
        Assert.Contains("no label (grandparent folder name)", e.Message);
        var group = Assert.Throws<DataSourceException>(() => ImageDataLoaders.FolderBlock(dir.Path, Options, groupFrom: FolderLevel.Top(1)).Plan(dir.Path));
        Assert.Contains("stray.jpg: no folder 1 of the path", group.Message);
        Assert.Throws<ArgumentException>(() => FolderLevel.Parse("uncle", "--label-from"));
    }

    [Fact]
    public void RegexLabelsReadThePathBelowTheDataFolder()
    {
        using var dir = new TempDir();
        foreach (var (site, name) in new[] { ("siteA", "monkey_prosimian_1.jpg"), ("siteA", "bird_2.jpg"), ("siteB", "monkey_prosimian_3.jpg"), ("siteB", "bird_4.jpg") })
            TestImages.Solid(dir.Combine(site, name), 12, 8, SKColors.Teal);
        TestImages.Solid(dir.Combine("bird_9.jpg"), 12, 8, SKColors.Teal); // directly in the data folder: the seed's flat layout
        var byName = ImageDataLoaders.NameRegexBlock(dir.Path, RegexLabeller.NameBeforeNumberPattern, Options with { ValidPct = 0.4 }).Plan(dir.Path);
        Assert.Equal(["bird", "monkey_prosimian"], byName.Classes);
        var unmatched = Assert.Throws<DataSourceException>(() => ImageDataLoaders.NameRegexBlock(dir.Path, "^(site[AB])/", Options).Plan(dir.Path));
        Assert.Contains("bird_9.jpg: no label (regex ^(site[AB])/ on the path below the data folder)", unmatched.Message);
        File.Delete(dir.Combine("bird_9.jpg"));
        Assert.Equal(["siteA", "siteB"], ImageDataLoaders.NameRegexBlock(dir.Path, "^(site[AB])/", Options with { ValidPct = 0.5 }).Plan(dir.Path).Classes);
    }

    [Fact]
    public void CsvLayoutGivesClassNamesAndKeepsEachGroupOnOneSide()
    {
        using var dir = new TempDir();
        LayoutFixtures.LabelsCsv(dir.Path);
        var data = ImageDataLoaders.CsvBlock(dir.Path, "labels.csv", "filepath", "label", Options, groupColumn: "camera").Plan(dir.Path);
        Assert.Equal(LayoutFixtures.Species, data.Classes);
        Assert.All(data.Items, i => Assert.Equal(i.Fields["label"], i.Label));
        Assert.All(data.Items, i => Assert.Equal(i.Fields["camera"], i.Site));
        Assert.StartsWith("by site", data.Split);
        LayoutFixtures.AssertGroupsOnOneSide(data);
    }

    [Fact]
    public void CsvValidColumnChoosesTheValidationRows()
    {
        using var dir = new TempDir();
        LayoutFixtures.LabelsCsv(dir.Path);
        var data = ImageDataLoaders.CsvBlock(dir.Path, "labels.csv", "filepath", "label", Options, validColumn: "is_valid").Plan(dir.Path);
        Assert.Equal(6, data.Valid.Length);
        Assert.All(data.Valid, i => Assert.Equal("true", data.Items[i].Fields["is_valid"]));
        Assert.Equal("CSV column 'is_valid'", data.Split);
        Assert.Throws<ArgumentException>(() => ImageDataLoaders.CsvBlock(dir.Path, "labels.csv", "filepath", "label",
            Options with { Splitter = new RandomSplitter() }, validColumn: "is_valid"));
    }

    [Fact]
    public void FromCsvBuildsLoaders()
    {
        using var dir = new TempDir();
        LayoutFixtures.LabelsCsv(dir.Path);
        var dls = ImageDataLoaders.FromCsv(dir.Path, "labels.csv", "filepath", "label", Options, groupColumn: "camera");
        Assert.Equal(24, dls.Train.Count + dls.Valid.Count);
        using var batch = dls.Train.GetBatches().First();
        Assert.Equal(4, batch.Items.Length);
    }

    [Fact]
    public void IntegerLabelsAreClassNamesSortedNumericallyOrIndicesIntoTheGivenClasses()
    {
        using var dir = new TempDir();
        var lines = LayoutFixtures.LabelsCsv(dir.Path);
        int[] indices = [0, 1, 2, 10];
        File.WriteAllLines(dir.Combine("labels.csv"), lines.Select((l, k) => k == 0 ? l : Replace(l, 1, $"{indices[(k - 1) % 4]}")));
        var numbers = ImageDataLoaders.CsvBlock(dir.Path, "labels.csv", "filepath", "label", Options).Plan(dir.Path);
        Assert.Equal(["0", "1", "2", "10"], numbers.Classes); // not "0, 1, 10, 2"

        var names = Enumerable.Range(0, 11).Select(i => $"class{i}").ToArray();
        var named = ImageDataLoaders.CsvBlock(dir.Path, "labels.csv", "filepath", "label", Options with { Classes = names }).Plan(dir.Path);
        Assert.Equal(names, named.Classes);
        Assert.All(named.Items, i => Assert.Equal($"class{i.Fields["label"]}", i.Label));
    }

    [Fact]
    public void CamtrapDpLabelsMediaFromObservationsAndGroupsByLocation()
    {
        using var dir = new TempDir();
        LayoutFixtures.CamtrapPackage(dir.Path);
        var data = ImageDataLoaders.CamtrapDpBlock(dir.Path, Options).Plan(dir.Path);
        Assert.Equal(["Agouti", "Ocelot", "Paca", "blank", "human"], data.Classes);
        var labels = data.Items.ToDictionary(i => i.Id!, i => i.Label!);
        Assert.Equal(29, labels.Count);
        Assert.Equal(("Agouti", "blank"), (labels["d1-m0"], labels["d1-m1"]));
        Assert.Equal(("Ocelot", "Paca", "Paca"), (labels["d3-m0"], labels["d3-m1"], labels["d3-m5"])); // media-level wins over the event
        Assert.Equal(("Agouti", "human"), (labels["d4-m3"], labels["d4-m4"]));
        Assert.DoesNotContain("d1-m7", labels.Keys);  // blank and Ocelot: not single-label
        Assert.DoesNotContain("d3-m6", labels.Keys);  // no observation
        Assert.DoesNotContain("v1", labels.Keys);     // a video
        Assert.Equal(["L1", "L2", "d4"], data.Items.Select(i => i.Site!).Distinct().Order(StringComparer.Ordinal));
        var sequences = data.Items.ToDictionary(i => i.Id!, i => i.Sequence);
        Assert.Equal(("e-d1", "e-d3", "e-d4a", "e-d4b"), (sequences["d1-m0"], sequences["d3-m2"], sequences["d4-m0"], sequences["d4-m5"]));
        Assert.Contains(data.Issues.Warnings, w => w.Contains("1 image(s) have observations of different labels") && w.Contains("d1-m7 (blank, Ocelot)"));
        Assert.Contains(data.Issues.Warnings, w => w.Contains("2 image(s) have no observation"));
        Assert.Contains(data.Issues.Warnings, w => w.Contains("1 media file(s) are not images"));
        Assert.StartsWith("by site", data.Split);
        LayoutFixtures.AssertGroupsOnOneSide(data);
    }

    internal static string Replace(string line, int column, string value)
    {
        var cells = line.Split(',');
        cells[column] = value;
        return string.Join(',', cells);
    }
}
