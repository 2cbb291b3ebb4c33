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

    /// <summary>The largest <see cref="AugDraw.Magnification"/> a draw can have: the most zoom on the smallest crop.</summary>
    [System.Text.Json.Serialization.JsonIgnore] // derived from the parts
    public double MaxMagnification => Math.Max(1, MaxZoom) / Math.Sqrt(Math.Min(1, MinScale));

    /// <summary>
    /// The square side (pixels) that keeps one source pixel per output pixel at <paramref name="size"/> under
    /// <paramref name="magnification"/>: what decoding and the cache must cover (a hair under an integer rounds down).
    /// </summary>
    internal static int CoveringSide(int size, double magnification) => (int)Math.Ceiling(size * magnification - 1e-9);

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
    /// <paramref name="scale"/>) into [B, 3, <paramref name="size"/>, <paramref name="size"/>] in [0, 1]: the tensor path (what runs on a GPU).
    /// Sampling is linear, so scaling the small output instead of the large input (e.g. 1/255 for bytes) gives the same result for less work.
    /// </summary>
    public Tensor Apply(Tensor images, int size, int seed, float scale = 1f)
    {
        using var scope = NewDisposeScope();
        if (IsResizeOnly)
        {
            // The validation path: a plain bilinear resize (the same sampling as an identity grid), no grid to build.
            var resized = images.shape[2] == size && images.shape[3] == size
                ? images.clone()
                : nn.functional.interpolate(images, [size, size], mode: InterpolationMode.Bilinear, align_corners: false);
            using var factor = scale.ToScalar();
            return (scale == 1f ? resized : resized.mul_(factor)).MoveToOuterDisposeScope();
        }
        long batch = images.shape[0];
        var draws = Draw(seed, (int)batch);
        var grid = tensor(SamplingGrid(draws, size), [batch, size, size, 2]).to(images.device);
        var output = nn.functional.grid_sample(images, grid, GridSampleMode.Bilinear, GridSamplePaddingMode.Reflection, align_corners: false);
        if (scale != 1f)
        {
            // An explicit Scalar kept alive across the native call: an implicit temporary can be finalized mid-call.
            using var factor = scale.ToScalar();
            output = output.mul_(factor);
        }
        return ApplyLighting(output, draws).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Brightness and contrast of <paramref name="draws"/> (one per image, in order) on images in [0, 1], in logit space
    /// (fastai's lighting); the images unchanged when no draw has any.
    /// </summary>
    internal static Tensor ApplyLighting(Tensor images, IReadOnlyList<AugDraw> draws)
    {
        if (!draws.Any(d => d.Brightness != 0 || d.Contrast != 1)) return images;
        long batch = images.shape[0];
        using var add = tensor(draws.Select(d => (float)d.Brightness).ToArray(), [batch, 1, 1, 1]).to(images.device);
        using var mul = tensor(draws.Select(d => (float)d.Contrast).ToArray(), [batch, 1, 1, 1]).to(images.device);
        return images.logit(1e-6).add_(add).mul_(mul).sigmoid_();
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
        (double X, double Y)? Warp, (double Side, double X, double Y) Crop, double Brightness, double Contrast)
    {
        /// <summary>
        /// How much larger than the output the square must be for one of its pixels per output pixel (zoom over crop side):
        /// what the decoder's DCT scale has to cover.
        /// </summary>
        public double Magnification => (Zoom?.Scale ?? 1) / Crop.Side;
    }

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

    /// <summary>
    /// An image's geometry: output coordinates → input coordinates, both in [-1, 1] normalized space with ±1 on the image's
    /// outer edges (align_corners = false): flip · rotate · zoom, then the perspective warp, then the random-resized crop.
    /// </summary>
    internal static Homography Geometry(AugDraw d)
    {
        var m = Homography.Identity;
        if (d.Flip) m *= Homography.ScaleTranslate(-1, 0, 1, 0);
        if (d.RotateDegrees is { } degrees) m *= Homography.Rotation(degrees);
        if (d.Zoom is (var s, var cx, var cy)) m *= Homography.ScaleTranslate(1 / s, (1 - 1 / s) * (2 * cx - 1), 1 / s, (1 - 1 / s) * (2 * cy - 1));
        if (d.Warp is (var wx, var wy)) m = Homography.FromCoefficients(Perspective.Coefficients(wx, wy)) * m;
        var (side, x, y) = d.Crop;
        return Homography.ScaleTranslate(side, x, side, y) * m;
    }

    /// <summary>
    /// The sampling grid for grid_sample ([B, size, size, 2], x then y, at output pixel centres, align_corners = false): each
    /// output pixel through its image's <see cref="Geometry"/>. Computed in one pass on the CPU, several times cheaper than the
    /// equivalent chain of tensor operations.
    /// </summary>
    private static float[] SamplingGrid(AugDraw[] draws, int size)
    {
        var grid = new float[draws.Length * size * size * 2];
        Parallel.For(0, draws.Length, b =>
        {
            var h = Geometry(draws[b]);
            int o = b * size * size * 2;
            for (int i = 0; i < size; i++)
            {
                double yo = (2 * i + 1.0) / size - 1;
                for (int j = 0; j < size; j++, o += 2)
                {
                    var (x, y) = h.Apply((2 * j + 1.0) / size - 1, yo);
                    grid[o] = (float)x;
                    grid[o + 1] = (float)y;
                }
            }
        });
        return grid;
    }
}
