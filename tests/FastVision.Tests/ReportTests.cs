using FastVision.Data;
using FastVision.Reporting;
using SkiaSharp;

namespace FastVision.Tests;

public class ReportTests
{
    [Fact]
    public void RandomSplitOfSitesWarnsAndSiteSplitDoesNot()
    {
        using var dir = new TempDir();
        var images = DemoDataset.Generate(dir.Combine("gen"), perClass: 6, seed: 5, width: 40, height: 30);
        Conservision.WriteCsvs(dir.Path, images, sites: 4);
        var random = ImageDataLoaders.FromConservision(dir.Path, DataSourceTests.Tiny with { Split = SplitKind.Random, ValidPct = 0.3 });
        var report = DataSetReport.Build(random.Data);
        Assert.Contains("sites have images on both sides", report);
        Assert.Contains("class", report);
        var bySite = ImageDataLoaders.FromConservision(dir.Path, DataSourceTests.Tiny);
        Assert.DoesNotContain("sites have images on both sides", DataSetReport.Build(bySite.Data));
    }

    [Fact]
    public void FramesOfOneSequenceOnBothSidesAreReported()
    {
        using var dir = new TempDir();
        foreach (var c in new[] { "a", "b" })
            for (int i = 0; i < 10; i++)
                TestImages.Solid(dir.Combine(c, $"cam7_burst({i}).jpg"), 16, 16, c == "a" ? SKColors.Red : SKColors.Blue);
        var dls = ImageDataLoaders.FromFolder(dir.Path, DataSourceTests.Tiny);
        Assert.True(DataSetReport.CrossSplitSequencePairs(dls.Data, out var example) > 0);
        Assert.Contains("cam7_burst", example);
        Assert.Contains("near-duplicate", DataSetReport.Build(dls.Data));
    }

    [Fact]
    public void ShowBatchWritesALabelledGridAndSummaryListsEveryStep()
    {
        using var dir = new TempDir();
        DemoDataset.Generate(dir.Combine("data"), perClass: 4, seed: 6, width: 60, height: 40);
        var dls = ImageDataLoaders.FromFolder(dir.Combine("data"), DataSourceTests.Tiny);
        var png = dir.Combine("batch.png");
        BatchGrid.Save(dls.Train, dls.Classes, png);
        using (var bitmap = SKBitmap.Decode(png))
        {
            Assert.True(bitmap.Width >= 2 * 96 && bitmap.Height >= 2 * 96);
        }
        var summary = PipelineSummary.Build(dls);
        // The CPU path's steps (the loaders render each image in the decoder threads), then the tensor path's (other devices).
        foreach (var step in new[] { "label", "header", "decode (item)", "render (item)", "collate", "to float", "lighting (batch)", "valid path", "normalize", "[1,3,32,32]" })
            Assert.Contains(step, summary);
        var tensorPath = new DataLoaders(dls.Train.WithSettings(dls.Train.Settings with { RenderOnCpu = false }), dls.Valid, dls.Data, dls.BatchSizing);
        var tensorSummary = PipelineSummary.Build(tensorPath);
        foreach (var step in new[] { "presize (item)", "[1,40,40,4]", "augment (batch)", "on cpu", "[1,3,32,32]" })
            Assert.Contains(step, tensorSummary);
    }
}
