using System;

namespace KernelDsl.Runtime;

/// <summary>
/// Float64 functions the BCL lacks, accurate to a few float64 ulp: the eager <see cref="Ops"/> and
/// the tests' float64 references use them.
/// </summary>
public static class DoubleMath
{
    private const double TwoOverSqrtPi = 1.1283791670955126;
    private const double OneOverSqrtPi = 0.56418958354775628;

    /// <summary>
    /// The error function. Below |x| = 2.5 its Maclaurin series (whose terms stay under ~60 there,
    /// costing at most two decimal digits to cancellation); above, the continued fraction of erfc.
    /// </summary>
    public static double Erf(double x)
    {
        if (double.IsNaN(x))
        {
            return x;
        }

        double a = Math.Abs(x);
        if (a < 2.5)
        {
            // erf x = 2/√π Σ (-1)^n x^(2n+1) / (n! (2n+1))
            double x2 = x * x;
            double term = x;
            double sum = x;
            for (int n = 1; n < 200; n++)
            {
                term *= -x2 / n;
                double contribution = term / (2 * n + 1);
                sum += contribution;
                if (Math.Abs(contribution) < 1e-17 * Math.Abs(sum))
                {
                    break;
                }
            }

            return TwoOverSqrtPi * sum;
        }

        double erfc = ErfcContinuedFraction(a);
        return x > 0 ? 1 - erfc : erfc - 1;
    }

    /// <summary>The complementary error function 1 - erf(x), with its relative accuracy kept for large x.</summary>
    public static double Erfc(double x)
    {
        if (double.IsNaN(x))
        {
            return x;
        }

        return x >= 2.5 ? ErfcContinuedFraction(x) : 1 - Erf(x);
    }

    // erfc x = e^(-x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + ...))))) for x > 0, evaluated
    // from the tail; at x ≥ 2.5, 120 levels converge to float64 precision.
    private static double ErfcContinuedFraction(double x)
    {
        if (double.IsPositiveInfinity(x))
        {
            return 0;
        }

        double fraction = x;
        for (int k = 120; k >= 1; k--)
        {
            fraction = x + k * 0.5 / fraction;
        }

        return Math.Exp(-x * x) * OneOverSqrtPi / fraction;
    }
}
