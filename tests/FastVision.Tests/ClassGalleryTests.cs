using FastVision.Data;
using FastVision.Reporting;
using SkiaSharp;

namespace FastVision.Tests;

public class ClassGalleryTests
{
    // BatchGrid's layout: 96 px cells (images are upscaled to it), 6 px apart, captions of two lines (40 px) below.
    private const int Cell = 96, Pad = 6, Caption = 40;

    [Fact]
    public void ARowPerClassWithItsImagesChosenByTheSeed()
    {
        using var dir = new TempDir();
        DemoDataset.Generate(dir.Combine("data"), perClass: 6, seed: 2, width: 60, height: 40);
        var dls = ImageDataLoaders.FromFolder(dir.Combine("data"), DataSourceTests.Tiny);
        var trainPerClass = dls.Classes.Select(c => dls.Data.Train.Count(i => dls.Data.Items[i].Label == c)).ToArray();
        int perClass = trainPerClass.Max() + 1; // every row ends with at least one empty (white) cell

        ClassGallery.Save(dls, dir.Combine("gallery.png"), perClass);
        using var gallery = SKBitmap.Decode(dir.Combine("gallery.png"));
        Assert.Equal(Pad + perClass * (Cell + Pad), gallery.Width);
        Assert.Equal(Pad + dls.Classes.Count * (Cell + Caption + Pad), gallery.Height);
        for (int row = 0; row < dls.Classes.Count; row++)
        {
            for (int column = 0; column < perClass; column++)
                Assert.Equal(column >= trainPerClass[row], IsWhite(gallery, row, column));
        }

        ClassGallery.Save(dls, dir.Combine("again.png"), perClass);
        Assert.Equal(File.ReadAllBytes(dir.Combine("gallery.png")), File.ReadAllBytes(dir.Combine("again.png")));
        var reseeded = ImageDataLoaders.FromFolder(dir.Combine("data"), DataSourceTests.Tiny with { Seed = 43 });
        ClassGallery.Save(reseeded, dir.Combine("reseeded.png"), 2);
        ClassGallery.Save(dls, dir.Combine("two.png"), 2);
        Assert.NotEqual(File.ReadAllBytes(dir.Combine("two.png")), File.ReadAllBytes(dir.Combine("reseeded.png")));
    }

    private static bool IsWhite(SKBitmap gallery, int row, int column)
    {
        int x0 = Pad + column * (Cell + Pad), y0 = Pad + row * (Cell + Caption + Pad);
        for (int y = y0; y < y0 + Cell; y += 4)
            for (int x = x0; x < x0 + Cell; x += 4)
                if (gallery.GetPixel(x, y) != SKColors.White) return false;
        return true;
    }
}
