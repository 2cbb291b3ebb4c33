namespace FastVision.Data;

/// <summary>fastai's perspective warp: the homography that moves the four corners of [-1, 1]² by the magnitudes.</summary>
public static class Perspective
{
    /// <summary>
    /// Coefficients c0..c7 of x' = (c0 x + c1 y + c2) / (c6 x + c7 y + 1), y' = (c3 x + c4 y + c5) / (c6 x + c7 y + 1)
    /// mapping the corners (±1, ±1) to corners pulled in or out by <paramref name="magnitudeX"/> / <paramref name="magnitudeY"/>.
    /// Zero magnitudes give the identity.
    /// </summary>
    public static double[] Coefficients(double magnitudeX, double magnitudeY)
    {
        (double X, double Y)[] from = [(-1, -1), (1, -1), (-1, 1), (1, 1)];
        (double X, double Y)[] to =
        [
            (-1 - magnitudeX, -1 - magnitudeY), (1 + magnitudeX, -1 + magnitudeY),
            (-1 + magnitudeX, 1 + magnitudeY), (1 - magnitudeX, 1 - magnitudeY),
        ];
        var a = new double[8, 9];
        for (int i = 0; i < 4; i++)
        {
            var (x, y) = from[i];
            var (u, v) = to[i];
            double[] r1 = [x, y, 1, 0, 0, 0, -u * x, -u * y, u];
            double[] r2 = [0, 0, 0, x, y, 1, -v * x, -v * y, v];
            for (int j = 0; j < 9; j++) { a[2 * i, j] = r1[j]; a[2 * i + 1, j] = r2[j]; }
        }
        return Solve(a);
    }

    /// <summary>Gaussian elimination with partial pivoting on an 8x9 augmented matrix.</summary>
    private static double[] Solve(double[,] a)
    {
        const int n = 8;
        for (int col = 0; col < n; col++)
        {
            int pivot = col;
            for (int r = col + 1; r < n; r++) if (Math.Abs(a[r, col]) > Math.Abs(a[pivot, col])) pivot = r;
            for (int j = 0; j <= n; j++) (a[col, j], a[pivot, j]) = (a[pivot, j], a[col, j]);
            for (int r = 0; r < n; r++)
            {
                if (r == col) continue;
                double f = a[r, col] / a[col, col];
                for (int j = col; j <= n; j++) a[r, j] -= f * a[col, j];
            }
        }
        var x = new double[n];
        for (int i = 0; i < n; i++) x[i] = a[i, n] / a[i, i];
        return x;
    }
}
