using TorchSharp;
using static TorchSharp.torch;

namespace FastVision.Data;

/// <summary>
/// fastai's aug_transforms on batches of float images in [0, 1]: horizontal flip, rotation, zoom,
/// perspective warp and (with <see cref="MinScale"/> &lt; 1) a square random-resized crop, all composed into
/// one sampling grid and applied with a single bilinear <c>grid_sample</c> (reflection padding) that also
/// resizes to the model's input size; then brightness and contrast in logit space. Defaults are fastai's.
/// Every parameter is drawn from a seed (pure .NET, the same on every CPU; see <see cref="Draw(int, int)"/>), so the
/// same seed gives the same augmented batch on the same machine.
/// </summary>
public sealed record AugTransforms
{
    public bool DoFlip { get; init; } = true;
    public double MaxRotate { get; init; } = 10;
    public double MinZoom { get; init; } = 1.0;
    public double MaxZoom { get; init; } = 1.1;
    public double MaxLighting { get; init; } = 0.2;
    public double MaxWarp { get; init; } = 0.2;
    public double PAffine { get; init; } = 0.75;
    public double PLighting { get; init; } = 0.75;

    /// <summary>Smallest share of the image's area a random-resized crop keeps; 1 means no crop.</summary>
    public double MinScale { get; init; } = 1.0;

    /// <summary>No augmentation at all, only the resize: what validation batches get.</summary>
    public static AugTransforms None { get; } = new()
    {
        DoFlip = false, MaxRotate = 0, MinZoom = 1, MaxZoom = 1, MaxLighting = 0, MaxWarp = 0, MinScale = 1,
    };

    /// <summary>True when nothing is switched on: the transform only resizes.</summary>
    [System.Text.Json.Serialization.JsonIgnore] // derived from the parts
    public bool IsResizeOnly => !DoFlip && MaxRotate == 0 && MinZoom == 1 && MaxZoom == 1 && MaxWarp == 0 && MaxLighting == 0 && MinScale >= 1;

    /// <summary>Names of the parts that are switched on, for summaries.</summary>
    public string Describe(int size)
    {
        var parts = new List<string>();
        if (MinScale < 1) parts.Add($"random-resized crop (min_scale {MinScale})");
        if (DoFlip) parts.Add("flip p=0.5");
        if (MaxRotate > 0) parts.Add($"rotate ±{MaxRotate}° p={PAffine}");
        if (MaxZoom > 1) parts.Add($"zoom {MinZoom}-{MaxZoom} p={PAffine}");
        if (MaxWarp > 0) parts.Add($"warp {MaxWarp} p={PAffine}");
        if (MaxLighting > 0) parts.Add($"brightness/contrast {MaxLighting} p={PLighting}");
        return parts.Count == 0 ? $"resize to {size}" : $"{string.Join(", ", parts)}; one bilinear resampling to {size}, reflection padding";
    }

    /// <summary>
    /// Augments <paramref name="images"/> (float [B, 3, H, W], values in [0, 1] after multiplying by
    /// <paramref name="scale"/>) into [B, 3, <paramref name="size"/>, <paramref name="size"/>] in [0, 1]. Sampling is linear, so scaling the small
    /// output instead of the large input (e.g. 1/255 for bytes) gives the same result for less work.
    /// </summary>
    public Tensor Apply(Tensor images, int size, int seed, float scale = 1f)
    {
        using var scope = NewDisposeScope();
        if (IsResizeOnly)
        {
            // The validation path: a plain bilinear resize (the same sampling as an identity grid), no grid to build.
            var resized = images.shape[2] == size && images.shape[3] == size
                ? images.clone()
                : nn.functional.interpolate(images, [size, size], mode: InterpolationMode.Bilinear, align_corners: true);
            using var factor = scale.ToScalar();
            return (scale == 1f ? resized : resized.mul_(factor)).MoveToOuterDisposeScope();
        }
        long batch = images.shape[0];
        var samples = Draw(seed, (int)batch).Select(ToSampleParams).ToArray();
        var device = images.device;

        var grid = tensor(SamplingGrid(samples, size), [batch, size, size, 2]).to(device);
        var output = nn.functional.grid_sample(images, grid, GridSampleMode.Bilinear, GridSamplePaddingMode.Reflection, align_corners: true);
        if (scale != 1f)
        {
            // An explicit Scalar kept alive across the native call: an implicit temporary can be finalized mid-call.
            using var factor = scale.ToScalar();
            output = output.mul_(factor);
        }
        if (samples.Any(s => s.Brightness != 0 || s.Contrast != 1))
        {
            var add = tensor(samples.Select(s => (float)s.Brightness).ToArray(), [batch, 1, 1, 1]).to(device);
            var mul = tensor(samples.Select(s => (float)s.Contrast).ToArray(), [batch, 1, 1, 1]).to(device);
            output = output.logit(1e-6).add_(add).mul_(mul).sigmoid_();
        }
        return output.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// One image's random draws, before they are composed into a sampling grid: null (or identity) where a part was
    /// off or not drawn. Pure .NET arithmetic on <see cref="Random"/>(seed), so they are the same on every CPU.
    /// </summary>
    /// <param name="RotateDegrees">Rotation angle in degrees.</param>
    /// <param name="Zoom">Zoom factor and zoom center, both center coordinates in [0, 1].</param>
    /// <param name="Warp">Perspective warp magnitudes (x, y), for <see cref="Perspective.Coefficients"/>.</param>
    /// <param name="Crop">Random-resized crop: side as a share of the image's, and center offset in [-1, 1] space.</param>
    /// <param name="Brightness">Shift in logit space (0: none).</param>
    /// <param name="Contrast">Factor in logit space (1: none).</param>
    internal readonly record struct AugDraw(bool Flip, double? RotateDegrees, (double Scale, double CenterX, double CenterY)? Zoom,
        (double X, double Y)? Warp, (double Side, double X, double Y) Crop, double Brightness, double Contrast);

    /// <summary>The draws for a batch of <paramref name="batch"/> images augmented with <paramref name="seed"/>, in order.</summary>
    internal AugDraw[] Draw(int seed, int batch)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, batch).Select(_ => Draw(rng)).ToArray();
    }

    private AugDraw Draw(Random rng)
    {
        double U(double lo, double hi) => lo + (hi - lo) * rng.NextDouble();
        bool Chance(double p) => rng.NextDouble() < p;

        bool flip = DoFlip && Chance(0.5);
        double? rotate = MaxRotate > 0 && Chance(PAffine) ? U(-MaxRotate, MaxRotate) : null;
        (double, double, double)? zoom = null;
        if (MaxZoom > MinZoom || MinZoom != 1)
        {
            if (Chance(PAffine))
            {
                double s = U(MinZoom, MaxZoom), cx = U(0, 1), cy = U(0, 1);
                zoom = (s, cx, cy);
            }
        }
        (double, double)? warp = null;
        if (MaxWarp > 0 && Chance(PAffine))
        {
            double wx = U(-MaxWarp, MaxWarp), wy = U(-MaxWarp, MaxWarp);
            warp = (wx, wy);
        }
        var crop = (1.0, 0.0, 0.0);
        if (MinScale < 1)
        {
            double side = Math.Sqrt(U(MinScale, 1));
            crop = (side, U(-(1 - side), 1 - side), U(-(1 - side), 1 - side));
        }
        double brightness = 0, contrast = 1;
        if (MaxLighting > 0)
        {
            if (Chance(PLighting))
            {
                double b = U(0.5 * (1 - MaxLighting), 0.5 * (1 + MaxLighting));
                brightness = Math.Log(b / (1 - b));
            }
            if (Chance(PLighting)) contrast = Math.Exp(U(Math.Log(1 - MaxLighting), -Math.Log(1 - MaxLighting)));
        }
        return new AugDraw(flip, rotate, zoom, warp, crop, brightness, contrast);
    }

    private sealed record SampleParams(float[] Affine, double[]? Warp, (double Scale, double X, double Y) Crop, double Brightness, double Contrast);

    private static SampleParams ToSampleParams(AugDraw d)
    {
        // Output coordinates → input coordinates, in [-1, 1] normalized space: flip · rotate · zoom.
        var m = Matrix3.Identity;
        if (d.Flip) m *= new Matrix3(-1, 0, 0, 0, 1, 0);
        if (d.RotateDegrees is { } degrees)
        {
            double a = degrees * Math.PI / 180;
            m *= new Matrix3(Math.Cos(a), -Math.Sin(a), 0, Math.Sin(a), Math.Cos(a), 0);
        }
        if (d.Zoom is (var s, var cx, var cy))
            m *= new Matrix3(1 / s, 0, (1 - 1 / s) * (2 * cx - 1), 0, 1 / s, (1 - 1 / s) * (2 * cy - 1));
        var warp = d.Warp is (var wx, var wy) ? Perspective.Coefficients(wx, wy) : null;
        return new SampleParams(m.Top2Rows(), warp, d.Crop, d.Brightness, d.Contrast);
    }

    /// <summary>
    /// The sampling grid for grid_sample ([B, size, size, 2], x then y, align_corners semantics): each output
    /// pixel through the affine part, the perspective warp and the random-resized crop. Computed in one pass
    /// on the CPU, which is several times cheaper than the equivalent chain of tensor operations.
    /// </summary>
    private static float[] SamplingGrid(SampleParams[] samples, int size)
    {
        var grid = new float[samples.Length * size * size * 2];
        float step = size > 1 ? 2f / (size - 1) : 0;
        Parallel.For(0, samples.Length, b =>
        {
            var p = samples[b];
            var a = p.Affine;
            var w = p.Warp;
            float cs = (float)p.Crop.Scale, cx = (float)p.Crop.X, cy = (float)p.Crop.Y;
            int o = b * size * size * 2;
            for (int i = 0; i < size; i++)
            {
                float yo = -1 + i * step;
                for (int j = 0; j < size; j++, o += 2)
                {
                    float xo = -1 + j * step;
                    float x = a[0] * xo + a[1] * yo + a[2];
                    float y = a[3] * xo + a[4] * yo + a[5];
                    if (w is not null)
                    {
                        float d = (float)(w[6] * x + w[7] * y + 1);
                        (x, y) = ((float)((w[0] * x + w[1] * y + w[2]) / d), (float)((w[3] * x + w[4] * y + w[5]) / d));
                    }
                    grid[o] = cs * x + cx;
                    grid[o + 1] = cs * y + cy;
                }
            }
        });
        return grid;
    }
}

/// <summary>A 2D affine transform as the top two rows of a 3x3 matrix.</summary>
internal readonly record struct Matrix3(double A, double B, double C, double D, double E, double F)
{
    public static Matrix3 Identity => new(1, 0, 0, 0, 1, 0);

    public static Matrix3 operator *(Matrix3 l, Matrix3 r) => new(
        l.A * r.A + l.B * r.D, l.A * r.B + l.B * r.E, l.A * r.C + l.B * r.F + l.C,
        l.D * r.A + l.E * r.D, l.D * r.B + l.E * r.E, l.D * r.C + l.E * r.F + l.F);

    public float[] Top2Rows() => [(float)A, (float)B, (float)C, (float)D, (float)E, (float)F];
}
