using FastVision.Data;

namespace FastVision.Tests;

public class DataSourceTests
{
    internal static readonly DataLoaderOptions Tiny = new() { Size = 32, Presize = 40, BatchSize = 4 };

    [Fact]
    public void FolderLayoutLoadsGeneratedImagesIntoBatches()
    {
        using var dir = new TempDir();
        DemoDataset.Generate(dir.Path, perClass: 5, seed: 1, width: 48, height: 36);
        var dls = ImageDataLoaders.FromFolder(dir.Path, Tiny);
        Assert.Equal(DemoDataset.Classes, dls.Classes);
        Assert.Equal(20, dls.Train.Count + dls.Valid.Count);
        using var batch = dls.Train.GetBatches().First();
        Assert.Equal([4L, 32, 32, 4], batch.Images.shape); // rendered at the model size in the decoder threads (CPU path)
        Assert.Equal(TorchSharp.torch.ScalarType.Byte, batch.Images.dtype);
        Assert.Equal(batch.Items.Select(i => (long)dls.Train.LabelOf(i)), batch.Labels.data<long>().ToArray());
    }

    [Fact]
    public void TrainAndValidFoldersSplitByFolder()
    {
        using var dir = new TempDir();
        foreach (var (split, n) in new[] { ("train", 6), ("valid", 2) })
            foreach (var c in new[] { "cat", "dog" })
                for (int i = 0; i < n; i++) TestImages.Solid(dir.Combine(split, c, $"{i}.jpg"), 20, 20, c == "cat" ? SkiaSharp.SKColors.Red : SkiaSharp.SKColors.Blue);
        TestImages.Solid(dir.Combine("test", "unlabelled.jpg"), 20, 20, SkiaSharp.SKColors.Green); // on neither side
        var dls = ImageDataLoaders.FromFolder(dir.Path, Tiny);
        Assert.Equal(["cat", "dog"], dls.Classes);
        Assert.Equal(12, dls.Train.Count);
        Assert.Equal(4, dls.Valid.Count);
        Assert.All(dls.Valid.Items, i => Assert.Contains($"{Path.DirectorySeparatorChar}valid{Path.DirectorySeparatorChar}", i.Path));
        Assert.StartsWith("by folder", dls.Data.Split);
    }

    [Fact]
    public void ConservisionLayoutLoadsGeneratedImagesAndSplitsBySite()
    {
        using var dir = new TempDir();
        var images = DemoDataset.Generate(dir.Combine("gen"), perClass: 3, seed: 2, width: 40, height: 30);
        Conservision.WriteCsvs(dir.Path, images);
        var items = new ConservisionSource().GetItems(dir.Path, new DataIssues());
        Assert.Equal(12, items.Count);
        Assert.All(items, i => Assert.Equal(Path.GetFileName(Path.GetDirectoryName(i.Path)), i.Label));
        var dls = ImageDataLoaders.FromConservision(dir.Path, Tiny with { BatchSize = 2 });
        Assert.Equal(DemoDataset.Classes, dls.Classes);
        Assert.StartsWith("by site", dls.Data.Split);
    }

    [SkippableFact]
    public void CamtrapMiniLoadsInBothLayouts()
    {
        var mini = SharedData.CamtrapMini;
        Skip.If(mini is null, "../shared/data/camtrap-mini is not present on this machine.");
        var csv = ImageDataLoaders.FromConservision(mini!, Tiny);
        Assert.Equal(["EGY", "MNE", "PBE", "TRA", "VTA"], csv.Classes);
        Assert.Equal(67, csv.Train.Count + csv.Valid.Count);
        Assert.Empty(csv.Issues.Skipped);

        // The same photos as a folder per class (copied into a temp folder, never into the repository).
        using var dir = new TempDir();
        foreach (var item in new ConservisionSource().GetItems(mini!, new DataIssues()))
        {
            Directory.CreateDirectory(dir.Combine(item.Label!));
            File.Copy(item.Path, dir.Combine(item.Label!, Path.GetFileName(item.Path)));
        }
        var folder = ImageDataLoaders.FromFolder(dir.Path, Tiny);
        Assert.Equal(csv.Classes, folder.Classes);
        Assert.Equal(67, folder.Train.Count + folder.Valid.Count);
        using var batch = folder.Valid.GetBatches().First();
        Assert.Equal([4L, 32, 32, 4], batch.Images.shape); // rendered at the model size in the decoder threads (CPU path)
    }

    [Fact]
    public void MissingFolderIsAClearError()
    {
        var e = Assert.Throws<DataSourceException>(() => ImageDataLoaders.FromFolder("/nonexistent/camtrap", Tiny));
        Assert.Contains("/nonexistent/camtrap", e.Message);
        Assert.Contains("not found", e.Message);
    }

    [Fact]
    public void ManyFilesAreListedWithoutDecoding()
    {
        // 16,488 is the competition's training set: planning must only read headers, never hold pixels.
        using var dir = new TempDir();
        TestImages.Solid(dir.Combine("a", "0.jpg"), 8, 8, SkiaSharp.SKColors.Red);
        TestImages.Solid(dir.Combine("b", "0.jpg"), 8, 8, SkiaSharp.SKColors.Blue);
        var bytesA = File.ReadAllBytes(dir.Combine("a", "0.jpg"));
        var bytesB = File.ReadAllBytes(dir.Combine("b", "0.jpg"));
        for (int i = 1; i < 1000; i++)
        {
            File.WriteAllBytes(dir.Combine("a", $"{i}.jpg"), bytesA);
            File.WriteAllBytes(dir.Combine("b", $"{i}.jpg"), bytesB);
        }
        var data = ImageDataLoaders.FromFolder(dir.Path, Tiny with { BatchSize = 64 });
        Assert.Equal(2000, data.Train.Count + data.Valid.Count);
        Assert.Equal(400, data.Valid.Count);
    }
}

/// <summary>Writes the competition's CSV pair for generated images.</summary>
internal static class Conservision
{
    /// <summary>One row per image below <paramref name="imagesRoot"/> (label = folder), sites S0000..S0002 round robin.</summary>
    public static void WriteCsvs(string root, string imagesRoot, int sites = 3)
    {
        var classes = DemoDataset.Classes;
        var features = new List<string> { "id,filepath,site" };
        var labels = new List<string> { "id," + string.Join(",", classes) };
        int n = 0;
        foreach (var file in ImageFiles.Find(imagesRoot))
        {
            var label = Path.GetFileName(Path.GetDirectoryName(file))!;
            var id = $"ZJ{n:D6}";
            features.Add($"{id},{Path.GetRelativePath(root, file)},S{n % sites:D4}");
            labels.Add(id + "," + string.Join(",", classes.Select(c => c == label ? "1" : "0")));
            n++;
        }
        File.WriteAllLines(Path.Combine(root, "train_features.csv"), features);
        File.WriteAllLines(Path.Combine(root, "train_labels.csv"), labels);
    }
}
