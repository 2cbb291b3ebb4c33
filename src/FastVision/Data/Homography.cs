using SkiaSharp;

namespace FastVision.Data;

/// <summary>
/// A projective map of the plane as a row-major 3x3 matrix: (x, y) → ((M0 x + M1 y + M2) / w, (M3 x + M4 y + M5) / w) with
/// w = M6 x + M7 y + M8. Affine transforms are the special case M6 = M7 = 0, M8 = 1. The augmentation's geometry is one of
/// these per image, whether a tensor grid samples it or Skia draws with it.
/// </summary>
internal readonly record struct Homography(double M0, double M1, double M2, double M3, double M4, double M5, double M6, double M7, double M8)
{
    public static Homography Identity => new(1, 0, 0, 0, 1, 0, 0, 0, 1);

    /// <summary>The affine map (x, y) → (a x + b y + c, d x + e y + f).</summary>
    public static Homography Affine(double a, double b, double c, double d, double e, double f) => new(a, b, c, d, e, f, 0, 0, 1);

    /// <summary>x → sx x + tx, y → sy y + ty.</summary>
    public static Homography ScaleTranslate(double sx, double tx, double sy, double ty) => Affine(sx, 0, tx, 0, sy, ty);

    /// <summary>Rotation by <paramref name="degrees"/>; multiples of 90 are exact (no 6e-17 where a zero belongs), so quarter turns move whole pixels.</summary>
    public static Homography Rotation(double degrees)
    {
        double quarter = degrees / 90;
        if (quarter == Math.Round(quarter))
        {
            int q = (int)(((long)quarter % 4 + 4) % 4);
            (double cos, double sin) = q switch { 0 => (1.0, 0.0), 1 => (0.0, 1.0), 2 => (-1.0, 0.0), _ => (0.0, -1.0) };
            return Affine(cos, -sin, 0, sin, cos, 0);
        }
        double a = degrees * Math.PI / 180;
        return Affine(Math.Cos(a), -Math.Sin(a), 0, Math.Sin(a), Math.Cos(a), 0);
    }

    /// <summary>From the 8 coefficients of <see cref="Perspective.Coefficients"/> (the ninth is 1).</summary>
    public static Homography FromCoefficients(double[] c) => new(c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], 1);

    /// <summary>The composition: <paramref name="r"/> first, then <paramref name="l"/>.</summary>
    public static Homography operator *(Homography l, Homography r) => new(
        l.M0 * r.M0 + l.M1 * r.M3 + l.M2 * r.M6, l.M0 * r.M1 + l.M1 * r.M4 + l.M2 * r.M7, l.M0 * r.M2 + l.M1 * r.M5 + l.M2 * r.M8,
        l.M3 * r.M0 + l.M4 * r.M3 + l.M5 * r.M6, l.M3 * r.M1 + l.M4 * r.M4 + l.M5 * r.M7, l.M3 * r.M2 + l.M4 * r.M5 + l.M5 * r.M8,
        l.M6 * r.M0 + l.M7 * r.M3 + l.M8 * r.M6, l.M6 * r.M1 + l.M7 * r.M4 + l.M8 * r.M7, l.M6 * r.M2 + l.M7 * r.M5 + l.M8 * r.M8);

    public (double X, double Y) Apply(double x, double y)
    {
        double w = M6 * x + M7 * y + M8;
        return ((M0 * x + M1 * y + M2) / w, (M3 * x + M4 * y + M5) / w);
    }

    /// <summary>The inverse map (adjugate over determinant).</summary>
    public Homography Inverse()
    {
        double c0 = M4 * M8 - M5 * M7, c1 = M5 * M6 - M3 * M8, c2 = M3 * M7 - M4 * M6;
        double det = M0 * c0 + M1 * c1 + M2 * c2;
        if (det == 0 || !double.IsFinite(det)) throw new InvalidOperationException("The transform is singular.");
        return new Homography(
            c0 / det, (M2 * M7 - M1 * M8) / det, (M1 * M5 - M2 * M4) / det,
            c1 / det, (M0 * M8 - M2 * M6) / det, (M2 * M3 - M0 * M5) / det,
            c2 / det, (M1 * M6 - M0 * M7) / det, (M0 * M4 - M1 * M3) / det);
    }

    public SKMatrix ToSKMatrix() => new((float)M0, (float)M1, (float)M2, (float)M3, (float)M4, (float)M5, (float)M6, (float)M7, (float)M8);
}
