using FastVision.Data;

namespace FastVision.Tests;

/// <summary>
/// What a seed promises on every machine: the split, the training loader's shuffling, and each image's augmentation
/// parameters. All are pure .NET arithmetic on <see cref="Random"/>(seed) and <see cref="Seeds.Derive"/>, so they are
/// pinned here as literals (computed once) and must hold on any CPU. Training losses come from libtorch kernels,
/// whose float rounding may differ between CPUs, and are not pinned (README, "Quick start").
/// </summary>
public class PinnedSeedTests
{
    private const double Tolerance = 1e-9;

    [Fact]
    public void RandomSplitSendsThePinnedIndicesToValidation()
    {
        var (train, valid) = new RandomSplitter(0.2, Seed: 42).Split(50);
        Assert.Equal([7, 8, 11, 15, 16, 27, 29, 33, 37, 40], valid);
        Assert.Equal(Enumerable.Range(0, 50).Except(valid), train);

        // The demo's split (600 images, seed 0): the validation positions in the ordinally sorted file list.
        Assert.Equal(DemoValidIndices, new RandomSplitter(0.2, Seed: 0).Split(600).Valid);
    }

    [Fact]
    public void SiteSplitSendsThePinnedSitesToValidation()
    {
        int[] sizes = [3, 7, 2, 5, 9, 4, 6, 1, 8, 5];
        var items = sizes.SelectMany((n, s) => Enumerable.Range(0, n).Select(i => new ImageItem($"/d/site{s}_{i}.jpg", "x", Site: $"S{s:D2}"))).ToList();

        var valid = GroupSplitter.BySite(0.2, seed: 42).Split(items).Valid;
        Assert.Equal([0, 1, 2, 10, 11, 45, 46, 47, 48, 49], valid);
        Assert.Equal(["S00", "S02", "S09"], valid.Select(i => items[i].Site).Distinct());

        // The split is optimized, not drawn: where an exact 20% of whole sites exists, every seed finds it (the seed orders
        // only the ties between sites of equal size).
        Assert.Equal(valid, GroupSplitter.BySite(0.2, seed: 7).Split(items).Valid);
    }

    [Fact]
    public void DemoDataSplitsAndShufflesAsPinned()
    {
        // The demo's data set and loaders as `fastvision demo` builds them (150 per class, seed 0, 128 px, batch 32).
        // Only the file names matter here, so the images are drawn tiny.
        using var dir = new TempDir();
        DemoDataset.Generate(dir.Path, perClass: 150, seed: 0, width: 16, height: 12);
        var dls = ImageDataLoaders.FolderBlock(dir.Path, new DataLoaderOptions { Size = 128, Seed = 0 }).DataLoaders(dir.Path, batchSize: 32);
        static string Name(ImageItem i) => Path.GetFileNameWithoutExtension(i.Path);

        Assert.Equal("random, 20% valid, seed 0", dls.Data.Split);
        Assert.Equal(DemoValidNames, dls.Valid.Items.Select(Name));
        Assert.Equal([25, 28, 31, 36], DemoDataset.Classes.Select(c => dls.Valid.Items.Count(i => i.Label == c))); // README's table
        Assert.Equal(480, dls.Train.Count);

        var train = dls.Train;
        Assert.Equal(
            "blank_0095 rodent_0144 blank_0032 antelope_0070 bird_0038 bird_0007 bird_0142 rodent_0107 antelope_0088 bird_0110 blank_0105 " +
            "blank_0012 blank_0066 blank_0047 bird_0115 antelope_0047 blank_0002 blank_0038 bird_0104 blank_0080 rodent_0131 bird_0012 " +
            "rodent_0067 bird_0114 blank_0064 antelope_0062 antelope_0067 antelope_0074 rodent_0034 antelope_0111 bird_0064 bird_0029",
            string.Join(' ', train.EpochOrder(0).Take(32).Select(i => Name(train.Items[i])))); // epoch 0, batch 0
        Assert.Equal("antelope_0055 antelope_0020 antelope_0097 bird_0065 rodent_0013 rodent_0137 rodent_0130 bird_0129",
            string.Join(' ', train.EpochOrder(1).Take(8).Select(i => Name(train.Items[i]))));
        Assert.Equal(Enumerable.Range(0, 120), dls.Valid.EpochOrder(0)); // validation is never shuffled
        Assert.Equal(Enumerable.Range(0, 120), dls.Valid.EpochOrder(3));

        Assert.Equal(1105944961, train.AugmentSeed(0, 0));
        Assert.Equal(1411680949, train.AugmentSeed(0, 1));
        Assert.Equal(412673057, train.AugmentSeed(1, 0));
        Assert.Equal([327, 477, 273, 59], train.EpochOrder(0).Take(4));
        Assert.Equal(0.5768771462966116, train.PresizePosition(0, 327), Tolerance);
        Assert.Equal(0.31960617020707865, train.PresizePosition(0, 477), Tolerance);
        Assert.Equal(0.24119609093349245, train.PresizePosition(0, 273), Tolerance);
        Assert.Equal(0.36256749944880956, train.PresizePosition(0, 59), Tolerance);
        Assert.Equal(0.5, dls.Valid.PresizePosition(0, 0)); // validation crops the center
    }

    [Fact]
    public void DemoAugmentationDrawsArePinned()
    {
        // The demo's training augmentation (fastai's defaults, random-resized crop 0.75) for the first 8 images of
        // epoch 0, batch 0 (seed 1105944961, pinned above).
        var augment = new AugTransforms { MinScale = 0.75 };
        AugTransforms.AugDraw[] expected =
        [
            new(true, 2.7244194004332734, (1.0062989135767795, 0.28843221920003753, 0.846263529195573), (-0.04318793818503058, 0.02974131099402033), (0.9060426706410518, -0.07635507461799593, -0.07414585510113153), 0, 0.925007393407869),
            new(true, -8.981612268361083, null, (-0.09876552536094818, 0.03143069400984361), (0.9899024538711967, 0.003367755021709256, 0.009086281403822213), 0.007865716282444472, 0.8815960464299242),
            new(true, 3.6106881003876623, (1.0869604761185871, 0.8713817060326141, 0.13495834690283906), (-0.15424749849096292, 0.02815519190773147), (0.8801726678636137, 0.1100233464042559, -0.017922282569361944), 0.0709151611333919, 1.1177891120523267),
            new(false, -6.978719931551591, (1.0915292680224076, 0.24245675524811108, 0.24794722499695943), (-0.12021182734529107, 0.13042449575402987), (0.9639234276254516, -0.004802067287264379, -0.02791865556899764), -0.13104205230822616, 0.8647561012487357),
            new(true, -1.7372573780535063, (1.0070964949704224, 0.848775518987689, 0.19037035256175808), (-0.015999515268951436, -0.0077874372749530685), (0.9726877985849685, -0.023494978125084658, 0.017909701331980478), 0, 1.2044509689394698),
            new(true, 8.231627465333617, (1.068865198534385, 0.34767996023766695, 0.8218748098341165), (0.0638005105144347, 0.0680537318196398), (0.8725423294384548, -0.020810052211330213, 0.02246512987955654), 0.05004863151757261, 1),
            new(false, -3.2464488378010916, (1.0336798450600728, 0.3686109294037386, 0.8520690132174962), (0.18427746034426495, -0.09880371834095741), (0.9294207158758154, 0.03697300717310953, -0.005157791381986923), 0, 1.1935975435237698),
            new(true, 8.252957285499647, (1.042485006126801, 0.6260816439176359, 0.4857554200504699), null, (0.9216082287465122, 0.07534232368107682, 0.034711401324782565), 0.2439669562242029, 1),
        ];
        var actual = augment.Draw(1105944961, 8);
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++) AssertClose(expected[i], actual[i], $"image {i}");

        // A batch's draws are one stream: a shorter batch draws the same first images.
        for (int i = 0; i < 3; i++) AssertClose(expected[i], augment.Draw(1105944961, 3)[i], $"image {i} of 3");
    }

    private static void AssertClose(AugTransforms.AugDraw expected, AugTransforms.AugDraw actual, string what)
    {
        static void Close(double e, double a, string name, string what) =>
            Assert.True(Math.Abs(e - a) <= Tolerance, $"{what}: {name} {a:R}, pinned {e:R}");
        static void CloseOrNull(double? e, double? a, string name, string what)
        {
            Assert.True(e.HasValue == a.HasValue, $"{what}: {name} {(a.HasValue ? "drawn" : "not drawn")}, pinned {(e.HasValue ? "drawn" : "not drawn")}");
            if (e.HasValue) Close(e.Value, a!.Value, name, what);
        }
        Assert.True(expected.Flip == actual.Flip, $"{what}: flip {actual.Flip}, pinned {expected.Flip}");
        CloseOrNull(expected.RotateDegrees, actual.RotateDegrees, "rotation", what);
        CloseOrNull(expected.Zoom?.Scale, actual.Zoom?.Scale, "zoom", what);
        CloseOrNull(expected.Zoom?.CenterX, actual.Zoom?.CenterX, "zoom center x", what);
        CloseOrNull(expected.Zoom?.CenterY, actual.Zoom?.CenterY, "zoom center y", what);
        CloseOrNull(expected.Warp?.X, actual.Warp?.X, "warp x", what);
        CloseOrNull(expected.Warp?.Y, actual.Warp?.Y, "warp y", what);
        Close(expected.Crop.Side, actual.Crop.Side, "crop side", what);
        Close(expected.Crop.X, actual.Crop.X, "crop x", what);
        Close(expected.Crop.Y, actual.Crop.Y, "crop y", what);
        Close(expected.Brightness, actual.Brightness, "brightness", what);
        Close(expected.Contrast, actual.Contrast, "contrast", what);
    }

    /// <summary>The demo's validation images per class (file numbers), seed 0.</summary>
    private static readonly Dictionary<string, int[]> DemoValid = new()
    {
        ["antelope"] = [6, 9, 13, 18, 23, 32, 34, 37, 41, 53, 61, 72, 73, 75, 79, 103, 108, 110, 126, 127, 129, 133, 136, 138, 143],
        ["bird"] = [5, 6, 10, 13, 20, 28, 32, 33, 35, 36, 41, 45, 50, 51, 58, 63, 76, 80, 82, 89, 91, 101, 112, 119, 125, 136, 138, 149],
        ["blank"] = [19, 22, 25, 26, 27, 28, 36, 37, 40, 52, 57, 62, 84, 91, 92, 97, 109, 110, 112, 115, 116, 121, 126, 127, 129, 130, 135, 141, 143, 145, 146],
        ["rodent"] = [2, 6, 8, 11, 16, 29, 36, 40, 43, 44, 49, 52, 55, 57, 59, 62, 63, 64, 69, 73, 83, 93, 94, 98, 100, 112, 114, 118, 126, 127, 136, 139, 143, 145, 147, 149],
    };

    private static IEnumerable<string> DemoValidNames =>
        DemoDataset.Classes.SelectMany(c => DemoValid[c].Select(n => $"{c}_{n:D4}"));

    private static IEnumerable<int> DemoValidIndices =>
        DemoDataset.Classes.SelectMany((c, k) => DemoValid[c].Select(n => k * 150 + n));
}
