using System;

namespace KernelDsl.Tests;

/// <summary>The range random inputs are drawn from: uniform, or log-uniform in magnitude with a random sign.</summary>
public sealed record Domain(double Low, double High, bool LogScale = false, bool RandomSign = false)
{
    public float Sample(Random random)
    {
        double value = LogScale
            ? Math.Exp(Math.Log(Low) + random.NextDouble() * (Math.Log(High) - Math.Log(Low)))
            : Low + random.NextDouble() * (High - Low);
        return (float)(RandomSign && random.Next(2) == 0 ? -value : value);
    }
}

/// <summary>
/// One row of the differential table: a kernel of <see cref="TestKernels"/>, its float64 reference
/// (per element, from the inputs' float values widened to double), where its inputs come from, and
/// its stated tolerance: a result r is accepted against reference e when
/// |r - e| ≤ <see cref="AbsoluteTolerance"/> + <see cref="RelativeTolerance"/>·|e|, NaN must meet NaN,
/// and an infinite (or float-overflowing) reference must be met exactly. The eager body runs on
/// System.Numerics.Tensors, whose own accuracy is looser for some functions (its Tanh is off by
/// ~6e-8 absolute near 0, its Exp by ~2 ulp): <see cref="EagerTolerance"/> states that where needed.
/// </summary>
public sealed record KernelCase(
    string Kernel,
    Func<double[], double[], double> Reference,
    Domain[] Domains,
    double RelativeTolerance,
    double AbsoluteTolerance,
    float[]? Scalars = null,
    float[]? Specials = null,
    (double Relative, double Absolute)? EagerTolerance = null,
    double? PowExponent = null)
{
    /// <summary>One float32 ulp near 1, relative: the tolerance of a correctly rounded operation is half of this.</summary>
    public const double Ulp = 1.1920929e-7;

    public float[] ScalarArguments => Scalars ?? [];

    public override string ToString() => Kernel;

    /// <summary>Whether <paramref name="actual"/> matches the float64 <paramref name="expected"/> within this case's tolerance.</summary>
    /// <param name="inputs">The element's inputs; for a Pow case (<see cref="PowExponent"/> set: the
    /// constant exponent, or NaN when the exponent is the second input) the relative tolerance is
    /// scaled by 1.1 + 1.3·|y·ln x|, the error model of e^(y·log x).</param>
    public bool Accepts(float actual, double expected, double[] inputs, bool eager = false)
    {
        (double relative, double absolute) = eager && EagerTolerance is { } e ? e : (RelativeTolerance, AbsoluteTolerance);
        if (PowExponent is double exponent && !eager)
        {
            // e^(y·log x): Exp's own error (1.06 ulp) plus the exponent's, |y·ln x| times the
            // logarithm's relative error (0.78 ulp) and the product's rounding (0.5 ulp). 1 + |y·ln x|
            // fell short by 2% for Pow(2.8042018, 2.0796225) without hardware FMA (3.5 ulp).
            double y = double.IsNaN(exponent) ? inputs[1] : exponent;
            double amplification = 1.1 + 1.3 * Math.Abs(y * Math.Log(Math.Abs(inputs[0])));
            relative *= double.IsFinite(amplification) ? amplification : 1;
        }

        if (double.IsNaN(expected))
        {
            return float.IsNaN(actual);
        }

        float rounded = (float)expected;
        if (float.IsInfinity(rounded))
        {
            return actual == rounded;
        }

        return Math.Abs(actual - expected) <= absolute + relative * Math.Abs(expected);
    }
}
