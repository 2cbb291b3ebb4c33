using FastVision.Data;
using SkiaSharp;

namespace FastVision.Tests;

public class BadInputTests
{
    private static DataBlock FolderBlock(BadImagePolicy policy, long maxPixels = ImageDecoder.DefaultMaxPixels) =>
        new(new ImageFileSource(), FolderLabeller.Parent, new RandomSplitter(0.5, 1), new Presize(40), new AugTransforms(), size: 32)
        {
            OnBadImage = policy, MaxPixels = maxPixels,
        };

    /// <summary>Two classes of 4 good images, then <paramref name="bad"/> written as bird/bad.jpg.</summary>
    private static string WithBadFile(TempDir dir, byte[] bad)
    {
        for (int i = 0; i < 4; i++)
        {
            TestImages.Solid(dir.Combine("bird", $"{i}.jpg"), 30, 20, SKColors.Red);
            TestImages.Solid(dir.Combine("rodent", $"{i}.jpg"), 30, 20, SKColors.Blue);
        }
        var path = dir.Combine("bird", "bad.jpg");
        File.WriteAllBytes(path, bad);
        return path;
    }

    public static TheoryData<string> BadFiles => ["empty", "text", "random bytes"];

    private static byte[] Bad(string kind) => kind switch
    {
        "empty" => [],
        "text" => "this is not a jpeg"u8.ToArray(),
        _ => Enumerable.Range(0, 500).Select(i => (byte)(i * 37 % 251)).ToArray(),
    };

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void UnreadableFileIsSkippedAndListed(string kind)
    {
        using var dir = new TempDir();
        var bad = WithBadFile(dir, Bad(kind));
        var data = FolderBlock(BadImagePolicy.Skip).Plan(dir.Path);
        Assert.Equal(8, data.Items.Count);
        var skipped = Assert.Single(data.Issues.Skipped);
        Assert.Equal(bad, skipped.Key);
        Assert.Contains(bad, FastVision.Reporting.DataSetReport.Build(data));
    }

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void UnreadableFileFailsWithItsNameUnderFailPolicy(string kind)
    {
        using var dir = new TempDir();
        var bad = WithBadFile(dir, Bad(kind));
        var e = Assert.Throws<DataSourceException>(() => FolderBlock(BadImagePolicy.Fail).Plan(dir.Path));
        Assert.Contains(bad, e.Message);
    }

    [Fact]
    public void TruncatedJpegFoundMidEpochIsSkippedNotFatal()
    {
        using var dir = new TempDir();
        using var noisy = new SKBitmap(64, 48);
        var rng = new Random(1);
        for (int y = 0; y < 48; y++)
            for (int x = 0; x < 64; x++) noisy.SetPixel(x, y, new SKColor((byte)rng.Next(256), (byte)rng.Next(256), (byte)rng.Next(256)));
        var jpeg = TestImages.Encode(noisy, SKEncodedImageFormat.Jpeg);
        var bad = WithBadFile(dir, jpeg[..(jpeg.Length * 2 / 3)]); // headers intact: only decoding finds it
        var block = FolderBlock(BadImagePolicy.Skip);
        var dls = block.DataLoaders(dir.Path, batchSize: 2);
        var seen = 0L;
        foreach (var loader in new[] { dls.Train, dls.Valid })
            foreach (var batch in loader.GetBatches()) using (batch) seen += batch.Count;
        Assert.Contains(dls.Issues.Skipped, kv => kv.Key == bad && kv.Value.Contains("truncated"));
        Assert.True(seen >= 7);

        var failing = FolderBlock(BadImagePolicy.Fail).DataLoaders(dir.Path, batchSize: 2);
        var e = Assert.Throws<DataSourceException>(() =>
        {
            foreach (var loader in new[] { failing.Train, failing.Valid })
                foreach (var batch in loader.GetBatches()) batch.Dispose();
        });
        Assert.Contains(bad, e.Message);
    }

    [Fact]
    public void ImageAboveThePixelLimitIsRefusedBeforeDecoding()
    {
        using var dir = new TempDir();
        using var big = new SKBitmap(200, 100);
        big.Erase(SKColors.Green);
        var bad = WithBadFile(dir, TestImages.Encode(big, SKEncodedImageFormat.Jpeg));
        var data = FolderBlock(BadImagePolicy.Skip, maxPixels: 10_000).Plan(dir.Path);
        Assert.Contains("above the limit", data.Issues.Skipped.Single(kv => kv.Key == bad).Value);
    }

    [Fact]
    public void UnusualButValidImagesDecodeToUprightRgb()
    {
        using var dir = new TempDir();
        File.WriteAllBytes(dir.Combine("cmyk.jpg"), TestImages.CmykJpeg);
        TestImages.Grey(dir.Combine("grey.jpg"), 24, 16);
        File.WriteAllBytes(dir.Combine("deep.png"), TestImages.Png16(24, 16));
        using (var bitmap = new SKBitmap(24, 16)) { bitmap.Erase(SKColors.Yellow); File.WriteAllBytes(dir.Combine("png-inside.jpg"), TestImages.Encode(bitmap, SKEncodedImageFormat.Png)); }

        using (var cmyk = ImageDecoder.DecodeUpright(dir.Combine("cmyk.jpg"), 8))
        {
            var (top, bottom) = (cmyk.GetPixel(6, 0), cmyk.GetPixel(6, 7)); // the gradient runs top (red) to bottom (blue)
            Assert.True(top.Red > top.Blue + 80, $"top of the CMYK gradient should be red, got {top}");
            Assert.True(bottom.Blue > bottom.Red + 80, $"bottom of the CMYK gradient should be blue, got {bottom}");
        }
        var grey = Pixels(dir.Combine("grey.jpg"));
        Assert.InRange(grey.Left.R, 120, 136);
        Assert.Equal(grey.Left.R, grey.Left.G);
        var deep = Pixels(dir.Combine("deep.png"));
        Assert.InRange(deep.Left.R, 126, 130);
        var png = Pixels(dir.Combine("png-inside.jpg"));
        Assert.True(png.Left.R > 240 && png.Left.G > 240 && png.Left.B < 15);
    }

    [Fact]
    public void ExifOrientationIsApplied()
    {
        using var dir = new TempDir();
        var stored = dir.Combine("stored.jpg");
        TestImages.ThreeBands(stored, 60, 30); // red | green | blue, left to right
        var rotated = dir.Combine("rotated.jpg");
        File.WriteAllBytes(rotated, TestImages.WithExifOrientation(File.ReadAllBytes(stored), 6));

        var header = ImageDecoder.ReadHeader(rotated);
        Assert.Equal((30, 60), (header.Width, header.Height));
        using var upright = ImageDecoder.DecodeUpright(rotated, 30);
        Assert.Equal((30, 60), (upright.Width, upright.Height));
        // Rotated 90° clockwise for display: the stored left (red) is now on top, the right (blue) at the bottom.
        Assert.True(upright.GetPixel(15, 5).Red > 200 && upright.GetPixel(15, 5).Blue < 60);
        Assert.True(upright.GetPixel(15, 55).Blue > 200 && upright.GetPixel(15, 55).Red < 60);
    }

    private static ((byte R, byte G, byte B) Left, (byte R, byte G, byte B) Right) Pixels(string path)
    {
        using var bitmap = ImageDecoder.DecodeUpright(path, 8);
        var left = bitmap.GetPixel(0, bitmap.Height / 2);
        var right = bitmap.GetPixel(bitmap.Width - 1, bitmap.Height / 2);
        return ((left.Red, left.Green, left.Blue), (right.Red, right.Green, right.Blue));
    }
}

public class CsvProblemTests
{
    private static string Setup(TempDir dir, int perClass = 2)
    {
        var images = DemoDataset.Generate(dir.Combine("gen"), perClass, seed: 3, width: 40, height: 30);
        Conservision.WriteCsvs(dir.Path, images);
        return dir.Path;
    }

    private static void EditLine(TempDir dir, string file, int line, Func<string, string> edit)
    {
        var lines = File.ReadAllLines(dir.Combine(file)).ToList();
        lines[line - 1] = edit(lines[line - 1]);
        File.WriteAllLines(dir.Combine(file), lines);
    }

    private static DataSourceException Fails(TempDir dir) =>
        Assert.Throws<DataSourceException>(() => new ConservisionSource().GetItems(dir.Path, new DataIssues()));

    [Fact]
    public void MissingColumnsNameFileAndColumn()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.Combine("train_features.csv"), "id,path,site\nA1,a.jpg,S1\n");
        File.WriteAllText(dir.Combine("train_labels.csv"), "id,cat,dog\nA1,1,0\n");
        var e = Fails(dir);
        Assert.Contains("train_features.csv", e.Message);
        Assert.Contains("'filepath'", e.Message);
    }

    [Fact]
    public void DuplicateIdNamesBothRows()
    {
        using var dir = new TempDir();
        Setup(dir);
        EditLine(dir, "train_features.csv", 3, l => "ZJ000000" + l[8..]);
        var e = Fails(dir);
        Assert.Contains("train_features.csv row 3", e.Message);
        Assert.Contains("duplicate id 'ZJ000000'", e.Message);
    }

    [Fact]
    public void RowWithTwoClassesOrNoneNamesTheRow()
    {
        using var dir = new TempDir();
        Setup(dir);
        EditLine(dir, "train_labels.csv", 3, l => l.Split(',')[0] + ",1,1,0,0");
        var two = Fails(dir);
        Assert.Contains("train_labels.csv row 3", two.Message);
        Assert.Contains("more than one class", two.Message);
        EditLine(dir, "train_labels.csv", 3, l => l.Split(',')[0] + ",0,0,0,0");
        Assert.Contains("no class set", Fails(dir).Message);
    }

    [Fact]
    public void IdWithoutFileIsSkippedAndFileWithoutIdIsReported()
    {
        using var dir = new TempDir();
        Setup(dir);
        var firstImage = File.ReadAllLines(dir.Combine("train_features.csv"))[1].Split(',')[1];
        File.Move(dir.Combine(firstImage), dir.Combine(firstImage + ".moved"));
        TestImages.Solid(Path.Combine(Path.GetDirectoryName(dir.Combine(firstImage))!, "stray.jpg"), 10, 10, SKColors.Red);
        var issues = new DataIssues(BadImagePolicy.Skip);
        var items = new ConservisionSource().GetItems(dir.Path, issues);
        Assert.Equal(7, items.Count);
        Assert.Contains("train_features.csv row 2", issues.Skipped.Single().Value);
        Assert.Contains(issues.Warnings, w => w.Contains("stray.jpg"));
        var e = Assert.Throws<DataSourceException>(() => new ConservisionSource().GetItems(dir.Path, new DataIssues(BadImagePolicy.Fail)));
        Assert.Contains("not found", e.Message);
    }

    [Fact]
    public void PathOutsideTheDataFolderIsRefused()
    {
        using var dir = new TempDir();
        Setup(dir);
        EditLine(dir, "train_features.csv", 2, l => "ZJ000000,../../etc/passwd,S0000");
        var e = Fails(dir);
        Assert.Contains("row 2", e.Message);
        Assert.Contains("outside the data folder", e.Message);
    }

    [Fact]
    public void LabelOutsideTheDeclaredClassesIsAnError()
    {
        using var dir = new TempDir();
        DemoDataset.Generate(dir.Path, perClass: 2, seed: 4, width: 30, height: 20);
        var block = new DataBlock(new ImageFileSource(), FolderLabeller.Parent) { Classes = ["antelope", "bird", "blank"] };
        var e = Assert.Throws<DataSourceException>(() => block.Plan(dir.Path));
        Assert.Contains("unknown class 'rodent'", e.Message);
        Assert.Contains("rodent_0000.jpg", e.Message);
    }
}
