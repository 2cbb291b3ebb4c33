using System.Text.Json;
using System.Text.Json.Nodes;
using FastVision.Data;
using FastVision.Inference;
using FastVision.Models;
using FastVision.Training;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using SkiaSharp;
using ModelMetadata = FastVision.Inference.ModelMetadata;

namespace FastVision.Tests;

/// <summary>
/// preprocess.json is enough to run model.onnx elsewhere: an independent reading of its steps (Skia only to decode, the rest
/// plain float arithmetic as the rules state it, ONNX Runtime directly) gives the predictor's probabilities.
/// </summary>
public class OnnxPreprocessTests
{
    /// <summary>
    /// Largest probability difference allowed against the predictor. The one approximation is the resampling: Skia's
    /// bilinear runs in fixed point, so a resampled byte can land one level from the float formula's (~0.017 after
    /// normalization), which moves this model's probabilities by far less than 1e-3; everything else agrees to float rounding.
    /// </summary>
    private const double Tolerance = 1e-3;

    private static string TrainedBundle(TempDir dir, bool calibrate = true)
    {
        var dls = ImageDataLoaders.FromFolder(DemoDataset.Generate(dir.Combine("data"), perClass: 8, seed: 4, width: 48, height: 36),
            new DataLoaderOptions { Size = 32, Presize = 40, BatchSize = 8, Seed = 4 });
        using var learn = VisionLearner.Create(dls, options: new LearnerOptions { Log = null, Seed = 4 });
        learn.FitOneCycle(1, 2e-3);
        if (calibrate) learn.Calibrate();
        Assert.True(learn.Export(dir.Combine("model")).HasOnnx);
        return dir.Combine("model");
    }

    /// <summary>
    /// Images that take every branch of the rules at size 32: JPEG DCT scaling (6/8, 5/8, 3/8, 2/8, none), up- and
    /// downsampling, a square already at the size (no resampling), PNGs (no DCT scaling) and an EXIF rotation.
    /// </summary>
    private static List<string> Images(TempDir dir)
    {
        var rng = new Random(11);
        string Make(string name, int width, int height, SKEncodedImageFormat format = SKEncodedImageFormat.Jpeg, ushort orientation = 1)
        {
            using var bitmap = new SKBitmap(width, height);
            for (int y = 0; y < height; y++) // smooth gradients with noise: resampling matters, JPEG keeps most of it
                for (int x = 0; x < width; x++)
                    bitmap.SetPixel(x, y, new SKColor((byte)(255 * x / width), (byte)(255 * y / height), (byte)rng.Next(256)));
            using var data = bitmap.Encode(format, 90);
            var bytes = data.ToArray();
            var path = dir.Combine(name);
            File.WriteAllBytes(path, orientation == 1 ? bytes : TestImages.WithExifOrientation(bytes, orientation));
            return path;
        }
        return
        [
            Make("wide.jpg", 64, 48), Make("tall.jpg", 48, 80), Make("quarter.jpg", 200, 150), Make("half.jpg", 160, 90),
            Make("small.jpg", 30, 30), Make("rotated.jpg", 64, 48, orientation: 6), Make("odd.png", 43, 60, SKEncodedImageFormat.Png),
            Make("big.png", 95, 47, SKEncodedImageFormat.Png), Make("odd.jpg", 84, 100), Make("exact.png", 32, 45, SKEncodedImageFormat.Png),
        ];
    }

    [Fact]
    public void PreprocessJsonAndModelOnnxAloneGiveThePredictorsProbabilities()
    {
        using var dir = new TempDir();
        var bundle = TrainedBundle(dir);
        var images = Images(dir);

        using var file = JsonDocument.Parse(File.ReadAllText(Path.Combine(bundle, "preprocess.json")));
        var root = file.RootElement;
        var inputs = images.Select(path => Preprocess(root, path)).ToList();
        int size = root.GetProperty("size").GetInt32();
        var batch = new DenseTensor<float>(inputs.SelectMany(x => x).ToArray(), [inputs.Count, 3, size, size]);
        using var session = new InferenceSession(Path.Combine(bundle, "model.onnx"));
        using var outputs = session.Run([NamedOnnxValue.CreateFromTensor(root.GetProperty("input_name").GetString()!, batch)]);
        var logits = outputs.Single(o => o.Name == root.GetProperty("output_name").GetString()).AsTensor<float>();
        double temperature = root.GetProperty("temperature").GetDouble();
        Assert.Equal("softmax(logits / temperature)", root.GetProperty("probabilities").GetString());

        using var predictor = Predictor.Load(bundle);
        Assert.Equal("onnx", predictor.EngineName);
        // The inputs themselves, against the loader's: a resampled byte may be one level off (see Tolerance), nothing more.
        var loader = new DataLoader([.. images.Select(p => new ImageItem(p))], predictor.Classes, predictor.Metadata.Pipeline,
            new LoaderSettings { BatchSize = images.Count, Issues = new DataIssues() }, isTrain: false);
        using (var loaded = loader.GetBatches().Single())
        using (var prepared = loader.Prepare(loaded, TorchSharp.torch.CPU).contiguous())
        {
            var fastVision = prepared.data<float>().ToArray();
            var ours = inputs.SelectMany(x => x).ToArray();
            double oneLevel = 1 / 255.0 / predictor.Metadata.Pipeline.Normalization!.Std.Min() + 1e-5;
            double inputDifference = fastVision.Zip(ours, (a, b) => Math.Abs(a - b)).Max();
            Assert.True(inputDifference <= oneLevel, $"max input difference {inputDifference:G3}");
            Console.WriteLine($"inputs: max difference {inputDifference:G3} (one byte level: {oneLevel:G3}), {fastVision.Zip(ours).Count(p => Math.Abs(p.First - p.Second) > oneLevel / 2)} of {ours.Length} values beyond half a level");
        }
        Assert.NotEqual(1, temperature); // calibrated: the file carries model.json's temperature, not a default
        Assert.Equal(predictor.Temperature, temperature);
        Assert.Equal(predictor.Classes, root.GetProperty("classes").EnumerateArray().Select(c => c.GetString()!));
        double worst = MaxDifference(predictor, images, logits, temperature);
        // A tiny model's temperature flattens the probabilities; uncalibrated, the comparison is not softened by it.
        using var uncalibrated = Predictor.Load(bundle, new PredictorOptions { Calibrated = false });
        double worstUncalibrated = MaxDifference(uncalibrated, images, logits, 1);
        // Uncalibrated, this tiny model's logits are about as sharp as its temperature (20, the calibration's upper bound) says,
        // so the same one-level input differences move its probabilities up to ~2.3e-3: the bound there is 5x wider.
        Assert.True(worst < Tolerance && worstUncalibrated < 5 * Tolerance, $"max probability difference {worst:G3} (temperature {temperature:G3}), {worstUncalibrated:G3} (1)");
        Console.WriteLine($"preprocess.json reproduction over {images.Count} images: max probability difference {worst:G3} at temperature {temperature:G3}, {worstUncalibrated:G3} at 1");
    }

    /// <summary>Largest |softmax(logits / temperature) - the predictor's probability| over <paramref name="images"/>.</summary>
    private static double MaxDifference(Predictor predictor, List<string> images, Tensor<float> logits, double temperature)
    {
        var expected = predictor.Predict([.. images.Select(p => new ImageItem(p))]).Rows;
        Assert.Equal(images.Count, expected.Count);
        double worst = 0;
        for (int i = 0; i < images.Count; i++)
        {
            var row = Enumerable.Range(0, predictor.Classes.Count).Select(c => logits[i, c] / temperature).ToArray();
            double max = row.Max(), sum = row.Sum(v => Math.Exp(v - max));
            for (int c = 0; c < row.Length; c++)
                worst = Math.Max(worst, Math.Abs(Math.Exp(row[c] - max) / sum - expected[i].Probabilities[c]));
        }
        return worst;
    }

    /// <summary>One image as the file's steps say, NCHW float32; only the ops and parameters this FastVision writes are known.</summary>
    private static float[] Preprocess(JsonElement file, string path)
    {
        var image = (Pixels: Array.Empty<float>(), Width: 0, Height: 0); // HWC RGB, 0..255 until scaled
        foreach (var step in file.GetProperty("steps").EnumerateArray())
        {
            switch (step.GetProperty("op").GetString())
            {
                case "decode": image = Decode(path, step.GetProperty("jpeg_scaling")); break;
                case "center_square_crop":
                    int side = Math.Min(image.Width, image.Height), offset = (int)Math.Round((Math.Max(image.Width, image.Height) - side) / 2.0, MidpointRounding.ToEven);
                    image = image.Width >= image.Height ? Crop(image, offset, 0, side) : Crop(image, 0, offset, side);
                    break;
                case "resize":
                    Assert.False(step.GetProperty("align_corners").GetBoolean());
                    Assert.Equal("uint8", step.GetProperty("output_dtype").GetString());
                    int size = step.GetProperty("size").GetInt32();
                    if (image.Width != size) image = HalfPixelBilinearToBytes(image, size);
                    break;
                case "scale":
                    float scale = file.GetProperty("scale").GetSingle();
                    image.Pixels = [.. image.Pixels.Select(v => v * scale)];
                    break;
                case "normalize":
                    var mean = file.GetProperty("mean").EnumerateArray().Select(v => v.GetSingle()).ToArray();
                    var std = file.GetProperty("std").EnumerateArray().Select(v => v.GetSingle()).ToArray();
                    image.Pixels = [.. image.Pixels.Select((v, i) => (v - mean[i % 3]) / std[i % 3])];
                    break;
                case var op: throw new NotSupportedException($"step {op}");
            }
        }
        int n = image.Width * image.Height;
        return [.. Enumerable.Range(0, 3 * n).Select(i => image.Pixels[i % n * 3 + i / n])]; // HWC -> CHW
    }

    /// <summary>The stored pixels at the DCT scale the rule picks (JPEG only), turned upright; alpha dropped (the images are opaque).</summary>
    private static (float[], int, int) Decode(string path, JsonElement scaling)
    {
        using var codec = SKCodec.Create(path);
        var (w, h) = (codec.Info.Width, codec.Info.Height);
        if (codec.EncodedFormat == SKEncodedImageFormat.Jpeg)
        {
            int denominator = scaling.GetProperty("denominator").GetInt32(), minShortSide = scaling.GetProperty("min_short_side").GetInt32();
            int Scaled(int side, int n) => (side * n + denominator - 1) / denominator;
            int n = Enumerable.Range(1, denominator).First(n => n == denominator || Math.Min(Scaled(w, n), Scaled(h, n)) >= minShortSide);
            (w, h) = (Scaled(w, n), Scaled(h, n));
        }
        using var bitmap = new SKBitmap(new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Premul));
        Assert.Equal(SKCodecResult.Success, codec.GetPixels(bitmap.Info, bitmap.GetPixels()));
        var rgba = bitmap.GetPixelSpan().ToArray();
        return codec.EncodedOrigin switch
        {
            SKEncodedOrigin.TopLeft => ([.. Enumerable.Range(0, w * h * 3).Select(i => (float)rgba[i / 3 * 4 + i % 3])], w, h),
            // Rotate 90° clockwise to display: upright (x, y) is stored (y, h - 1 - x), in an h x w picture.
            SKEncodedOrigin.RightTop => ([.. Enumerable.Range(0, w * h * 3).Select(i => (float)rgba[((h - 1 - i / 3 % h) * w + i / 3 / h) * 4 + i % 3])], h, w),
            var origin => throw new NotSupportedException($"orientation {origin}"),
        };
    }

    private static (float[], int, int) Crop((float[] Pixels, int Width, int Height) image, int left, int top, int side) =>
        ([.. Enumerable.Range(0, side * side * 3).Select(i => image.Pixels[((top + i / 3 / side) * image.Width + left + i / 3 % side) * 3 + i % 3])], side, side);

    /// <summary>Square to <paramref name="size"/>: source = (i + 0.5) * side / size - 0.5, edges clamped, rounded to bytes.</summary>
    private static (float[], int, int) HalfPixelBilinearToBytes((float[] Pixels, int Width, int Height) image, int size) =>
        Bilinear(image, size, i => Math.Clamp((i + 0.5) * image.Width / size - 0.5, 0, image.Width - 1), v => Math.Clamp(MathF.Round(v), 0, 255));

    private static (float[], int, int) Bilinear((float[] Pixels, int Width, int Height) image, int size, Func<int, double> source, Func<float, float> store)
    {
        var output = new float[size * size * 3];
        int side = image.Width;
        for (int y = 0; y < size; y++)
        {
            double sy = source(y);
            int y0 = (int)Math.Floor(sy), y1 = Math.Min(y0 + 1, side - 1);
            double fy = sy - y0;
            for (int x = 0; x < size; x++)
            {
                double sx = source(x);
                int x0 = (int)Math.Floor(sx), x1 = Math.Min(x0 + 1, side - 1);
                double fx = sx - x0;
                for (int c = 0; c < 3; c++)
                {
                    double P(int px, int py) => image.Pixels[(py * side + px) * 3 + c];
                    double top = P(x0, y0) * (1 - fx) + P(x1, y0) * fx, bottom = P(x0, y1) * (1 - fx) + P(x1, y1) * fx;
                    output[(y * size + x) * 3 + c] = store((float)(top * (1 - fy) + bottom * fy));
                }
            }
        }
        return (output, size, size);
    }

    [Fact]
    public void ExportWritesPreprocessJsonBesideTheOnnxFile()
    {
        using var dir = new TempDir();
        var bundle = TrainedBundle(dir, calibrate: false);
        var (code, output, errors) = CliRunner.Run("export", bundle, "--onnx", dir.Combine("out", "net.onnx"));
        Assert.True(code == 0, errors);
        var written = dir.Combine("out", ModelBundle.PreprocessFile);
        Assert.Contains(written, output);
        Assert.Equal(File.ReadAllText(Path.Combine(bundle, ModelBundle.PreprocessFile)), File.ReadAllText(written));
        var preprocess = OnnxPreprocess.Read(written);
        Assert.Equal(1, preprocess.Temperature);
        Assert.Equal([OnnxExport.InputName, OnnxExport.OutputName, "NCHW"], [preprocess.InputName, preprocess.OutputName, preprocess.Layout]);
    }

    [Fact]
    public void ABundleWithoutOnnxHasNoPreprocessJsonLeftFromAnEarlierRun()
    {
        using var dir = new TempDir();
        var dls = ImageDataLoaders.FromFolder(DemoDataset.Generate(dir.Combine("data"), perClass: 4, seed: 6, width: 48, height: 36),
            new DataLoaderOptions { Size = 32, Presize = 40, BatchSize = 4, Seed = 6 });
        using var learn = VisionLearner.Create(dls, Architectures.MobileNetV3Small, new LearnerOptions { Log = null, Seed = 6, Pretrained = false });
        Directory.CreateDirectory(dir.Combine("model"));
        File.WriteAllText(dir.Combine("model", ModelBundle.PreprocessFile), "an earlier run's preprocessing");
        Assert.False(learn.Export(dir.Combine("model")).HasOnnx);
        Assert.False(File.Exists(dir.Combine("model", ModelBundle.PreprocessFile)));
    }

    /// <summary>A preprocess.json of a hand-made bundle with a detector crop policy (no training needed).</summary>
    private static string ValidFile(TempDir dir)
    {
        var metadata = new ModelMetadata(ModelBundle.FormatVersion, "1.0", "cntk-resnet", ["antelope", "bird"],
            ImagePipeline.Default(64) with { Normalization = Normalization.ImageNet, Crop = new DetectionCrop(Mode: CropMode.UnionOfKeptBoxes), FullView = true }, [])
        {
            Calibration = new Calibration(1.5, 0.8, 0.7, 10),
        };
        var path = dir.Combine(ModelBundle.PreprocessFile);
        OnnxPreprocess.Of(metadata).Write(path);
        return path;
    }

    [Fact]
    public void TheFileReadsBackAsWritten()
    {
        using var dir = new TempDir();
        var path = ValidFile(dir);
        var read = OnnxPreprocess.Read(path);
        Assert.Equal(1.5, read.Temperature);
        Assert.Equal(Normalization.ImageNet.Std, read.Std);
        Assert.Equal(new DetectionCrop(Mode: CropMode.UnionOfKeptBoxes), read.DetectorCrop!.Policy);
        Assert.True(read.DetectorCrop.FullView);
        Assert.Equal(["decode", "center_square_crop", "resize", "scale", "normalize"], read.Steps.Select(s => s.Op));
        Assert.Equal([64], read.Steps.Where(s => s.Op == "resize").Select(s => s.Size!.Value));
        Assert.Equal(64, read.Steps[0].JpegScaling!.MinShortSide);
        Assert.Contains("\"mode\": \"union_of_kept_boxes\"", File.ReadAllText(path));
    }

    [Theory]
    [InlineData("format_version", "\"9\"", "reads format 2")]
    [InlineData("classes", "[\"a\", \"a\"]", "duplicate class names")]
    [InlineData("std", "[0.2, 0, 0.2]", "standard deviation that is not positive")]
    [InlineData("mean", "[0.5]", "3 finite means")]
    [InlineData("temperature", "-1", "temperature -1")]
    [InlineData("steps", "[]", "no preprocessing steps")]
    [InlineData("layout", "\"NHWC\"", "layout NHWC")]
    [InlineData("detector_crop", "{\"full_view\": false}", "without its policy")]
    [InlineData("size", "\"big\"", "not valid OnnxPreprocess JSON")]
    public void ADamagedFileIsRefusedWithItsName(string field, string json, string expected)
    {
        using var dir = new TempDir();
        var path = ValidFile(dir);
        var node = JsonNode.Parse(File.ReadAllText(path))!;
        node[field] = JsonNode.Parse(json);
        File.WriteAllText(path, node.ToJsonString());
        var e = Assert.Throws<InvalidDataException>(() => OnnxPreprocess.Read(path));
        Assert.Contains(expected, e.Message);
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void ATruncatedFileIsRefusedWithItsName()
    {
        using var dir = new TempDir();
        var path = ValidFile(dir);
        File.WriteAllText(path, File.ReadAllText(path)[..40]);
        Assert.Contains(path, Assert.Throws<InvalidDataException>(() => OnnxPreprocess.Read(path)).Message);
    }
}
