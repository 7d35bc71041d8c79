package io.tandem.planner.cost;

/**
 * {@code min ‖A x − y‖² subject to x >= 0} for a handful of columns, by enumerating supports: the
 * optimum is the unconstrained least-squares solution on some set of linearly independent columns
 * (any optimum can be reduced to one), so the best non-negative solution over all 2^n supports is
 * exact. For the four columns of a {@link StepFit} that is 15 tiny solves, simpler and easier to
 * trust than an iterative active-set method.
 */
final class NonNegativeLeastSquares {

    /** Columns whose orthogonal remainder is this small relative to their norm are dependent. */
    private static final double DEPENDENT = 1e-10;

    private NonNegativeLeastSquares() {}

    /** The non-negative least-squares solution; rows of {@code a} are observations. */
    static double[] solve(double[][] a, double[] y) {
        int columns = a[0].length;
        double[] best = new double[columns];
        double bestResidual = residual(a, y, best);
        for (int support = 1; support < 1 << columns; support++) {
            double[] x = leastSquares(a, y, support);
            if (x == null || !nonNegative(x)) {
                continue;
            }
            double r = residual(a, y, x);
            if (r < bestResidual) {
                best = x;
                bestResidual = r;
            }
        }
        return best;
    }

    /**
     * Least squares on the columns in the {@code support} bit set, zero elsewhere, by modified
     * Gram–Schmidt QR; {@code null} when those columns are linearly dependent.
     */
    private static double[] leastSquares(double[][] a, double[] y, int support) {
        int rows = a.length;
        int[] cols = indices(support);
        int k = cols.length;
        double[][] q = new double[k][rows];
        double[][] r = new double[k][k];
        for (int j = 0; j < k; j++) {
            double norm = 0;
            for (int i = 0; i < rows; i++) {
                q[j][i] = a[i][cols[j]];
                norm += q[j][i] * q[j][i];
            }
            for (int p = 0; p < j; p++) {
                double dot = dot(q[p], q[j]);
                r[p][j] = dot;
                for (int i = 0; i < rows; i++) {
                    q[j][i] -= dot * q[p][i];
                }
            }
            double remainder = Math.sqrt(dot(q[j], q[j]));
            if (remainder <= DEPENDENT * Math.sqrt(norm)) {
                return null;
            }
            r[j][j] = remainder;
            for (int i = 0; i < rows; i++) {
                q[j][i] /= remainder;
            }
        }
        double[] z = new double[k];
        for (int j = 0; j < k; j++) {
            z[j] = dot(q[j], y);
        }
        double[] x = new double[a[0].length];
        for (int j = k - 1; j >= 0; j--) {
            double v = z[j];
            for (int p = j + 1; p < k; p++) {
                v -= r[j][p] * x[cols[p]];
            }
            x[cols[j]] = v / r[j][j];
        }
        return x;
    }

    private static int[] indices(int support) {
        int[] cols = new int[Integer.bitCount(support)];
        for (int j = 0, c = 0; c < cols.length; j++) {
            if ((support & 1 << j) != 0) {
                cols[c++] = j;
            }
        }
        return cols;
    }

    private static boolean nonNegative(double[] x) {
        for (double v : x) {
            if (v < 0) {
                return false;
            }
        }
        return true;
    }

    private static double residual(double[][] a, double[] y, double[] x) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            double e = -y[i];
            for (int j = 0; j < x.length; j++) {
                e += a[i][j] * x[j];
            }
            sum += e * e;
        }
        return sum;
    }

    private static double dot(double[] u, double[] v) {
        double sum = 0;
        for (int i = 0; i < u.length; i++) {
            sum += u[i] * v[i];
        }
        return sum;
    }
}
