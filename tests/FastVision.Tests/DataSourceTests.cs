using FastVision.Data;

namespace FastVision.Tests;

public class DataSourceTests
{
    private static readonly DataLoaderOptions Tiny = new() { Size = 32, BatchSize = 4 };

    [Fact]
    public void FolderLayoutLoadsGeneratedImagesIntoBatches()
    {
        using var dir = new TempDir();
        DemoDataset.Generate(dir.Path, perClass: 5, seed: 1, width: 48, height: 36);
        var dls = ImageDataLoaders.FromFolder(dir.Path, Tiny);
        Assert.Equal(DemoDataset.Classes, dls.Classes);
        Assert.Equal(20, dls.Train.Count + dls.Valid.Count);
        using var batch = dls.Train.GetBatches().First();
        Assert.Equal([4L, 32, 32, 3], batch.Images.shape);
        Assert.Equal(TorchSharp.torch.ScalarType.Byte, batch.Images.dtype);
        Assert.All(batch.Labels.data<long>().ToArray(), l => Assert.InRange(l, 0, 3));
    }

    [Fact]
    public void ConservisionLayoutLoadsGeneratedImages()
    {
        using var dir = new TempDir();
        var images = DemoDataset.Generate(dir.Combine("gen"), perClass: 3, seed: 2, width: 40, height: 30);
        WriteConservisionCsvs(dir.Path, images);
        var items = ConservisionCsv.Load(dir.Path);
        Assert.Equal(12, items.Count);
        Assert.All(items, i => Assert.Equal(Path.GetFileName(Path.GetDirectoryName(i.Path)), i.Label));
        Assert.All(items, i => Assert.StartsWith("S000", i.Site));
        var dls = ImageDataLoaders.FromConservision(dir.Path, Tiny with { BatchSize = 2 });
        Assert.Equal(4, dls.Classes.Count);
    }

    [SkippableFact]
    public void CamtrapMiniLoadsInBothLayouts()
    {
        var mini = SharedData.CamtrapMini;
        Skip.If(mini is null, "../shared/data/camtrap-mini is not present on this machine.");
        var csv = ImageDataLoaders.FromConservision(mini!, Tiny);
        Assert.Equal(["EGY", "MNE", "PBE", "TRA", "VTA"], csv.Classes);
        Assert.Equal(67, csv.Train.Count + csv.Valid.Count);

        // The same photos as a folder per class (copied into a temp folder, never into the repository).
        using var dir = new TempDir();
        foreach (var item in ConservisionCsv.Load(mini!))
        {
            Directory.CreateDirectory(dir.Combine(item.Label));
            File.Copy(item.Path, dir.Combine(item.Label, Path.GetFileName(item.Path)));
        }
        var folder = ImageDataLoaders.FromFolder(dir.Path, Tiny);
        Assert.Equal(csv.Classes, folder.Classes);
        Assert.Equal(67, folder.Train.Count + folder.Valid.Count);
        using var batch = folder.Valid.GetBatches().First();
        Assert.Equal([4L, 32, 32, 3], batch.Images.shape);
    }

    [Fact]
    public void MissingFolderIsAClearError()
    {
        var e = Assert.Throws<DataSourceException>(() => ImageDataLoaders.FromFolder("/nonexistent/camtrap", Tiny));
        Assert.Contains("/nonexistent/camtrap", e.Message);
        Assert.Contains("not found", e.Message);
    }

    [Fact]
    public void CsvWithoutExpectedColumnsNamesFileAndColumn()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.Combine("train_features.csv"), "id,path,site\nA1,a.jpg,S1\n");
        File.WriteAllText(dir.Combine("train_labels.csv"), "id,cat,dog\nA1,1,0\n");
        var e = Assert.Throws<DataSourceException>(() => ConservisionCsv.Load(dir.Path));
        Assert.Contains("train_features.csv", e.Message);
        Assert.Contains("'filepath'", e.Message);
    }

    [Fact]
    public void OneHotRowWithTwoClassesNamesTheRow()
    {
        using var dir = new TempDir();
        var images = DemoDataset.Generate(dir.Combine("gen"), perClass: 1, seed: 3, width: 40, height: 30);
        WriteConservisionCsvs(dir.Path, images);
        var labels = File.ReadAllLines(dir.Combine("train_labels.csv"));
        labels[2] = labels[2].Split(',')[0] + ",1,1,0,0";
        File.WriteAllLines(dir.Combine("train_labels.csv"), labels);
        var e = Assert.Throws<DataSourceException>(() => ConservisionCsv.Load(dir.Path));
        Assert.Contains("train_labels.csv row 3", e.Message);
        Assert.Contains("more than one class", e.Message);
    }

    [Theory]
    [InlineData("empty")]
    [InlineData("text")]
    [InlineData("truncated")]
    public void UnreadableImageIsReportedByName(string kind)
    {
        using var dir = new TempDir();
        DemoDataset.Generate(dir.Path, perClass: 4, seed: 4, width: 40, height: 30);
        var victim = Directory.GetFiles(dir.Combine("bird")).Order().First();
        var bytes = File.ReadAllBytes(victim);
        File.WriteAllBytes(victim, kind switch
        {
            "empty" => [],
            "text" => "this is not a jpeg"u8.ToArray(),
            _ => bytes[..(bytes.Length / 2)],
        });
        var e = Record.Exception(() =>
        {
            var dls = ImageDataLoaders.FromFolder(dir.Path, Tiny with { ValidPct = 0.5, BatchSize = 1 });
            foreach (var loader in new[] { dls.Train, dls.Valid })
                foreach (var batch in loader.GetBatches()) batch.Dispose();
        });
        var error = Assert.IsType<DataSourceException>(e);
        Assert.Contains(victim, error.Message);
    }

    /// <summary>Writes the competition's CSV pair for a folder-per-class tree, with one site per class index.</summary>
    private static void WriteConservisionCsvs(string root, string imagesRoot)
    {
        var classes = DemoDataset.Classes;
        var features = new List<string> { "id,filepath,site" };
        var labels = new List<string> { "id," + string.Join(",", classes) };
        int n = 0;
        foreach (var file in ImageFiles.Find(imagesRoot))
        {
            var label = Path.GetFileName(Path.GetDirectoryName(file))!;
            var id = $"ZJ{n++:D6}";
            features.Add($"{id},{Path.GetRelativePath(root, file)},S000{n % 3}");
            labels.Add(id + "," + string.Join(",", classes.Select(c => c == label ? "1" : "0")));
        }
        File.WriteAllLines(Path.Combine(root, "train_features.csv"), features);
        File.WriteAllLines(Path.Combine(root, "train_labels.csv"), labels);
    }
}
