using System;
using System.Collections.Generic;
using KernelDsl.Runtime;
using Xunit;
using Xunit.Abstractions;

namespace KernelDsl.Tests;

/// <summary>
/// Measures each vectorized function's maximum error in ulp against float64 over a dense sweep of
/// its domain, at every width (the widths share one implementation, and must agree bit for bit),
/// and holds it to the bound documented in docs/performance.md.
/// </summary>
public sealed class VectorMathAccuracyTests(ITestOutputHelper output)
{
    private const int SweepPoints = 1 << 20;

    public static IEnumerable<object[]> Functions =>
    [
        // name, low, high, bound in ulp
        ["Exp", -103.9, 88.7, 1.5],
        ["Log", 1e-37, 3e38, 1.0],
        ["Tanh", -9.5, 9.5, 5.0],
        ["Sigmoid", -100.0, 30.0, 3.0],
        ["Erf", -4.5, 4.5, 6.0],
        ["Erfc", -10.0, 10.0, 8.0],
        ["NormalCdf", -13.0, 8.0, 8.0],
        ["Sin", -8.0, 8.0, 1.6],
        ["Sin", -70000.0, 70000.0, 1.6],
        ["Cos", -8.0, 8.0, 1.6],
        ["Cos", -70000.0, 70000.0, 1.6],
    ];

    [Theory]
    [MemberData(nameof(Functions))]
    public void MaximumErrorIsWithinTheDocumentedBound(string function, double low, double high, double boundUlp)
    {
        float[] x = Sweep(low, high, logScale: function == "Log");
        float[] y512 = Apply<Simd512>(function, x);
        float[] y256 = Apply<Simd256>(function, x);
        float[] y128 = Apply<Simd128>(function, x);
        float[] y1 = Apply<SimdScalar>(function, x);

        double worst = 0;
        float worstAt = 0;
        for (int i = 0; i < x.Length; i++)
        {
            Assert.True(BitConverter.SingleToInt32Bits(y512[i]) == BitConverter.SingleToInt32Bits(y1[i])
                        && BitConverter.SingleToInt32Bits(y256[i]) == BitConverter.SingleToInt32Bits(y1[i])
                        && BitConverter.SingleToInt32Bits(y128[i]) == BitConverter.SingleToInt32Bits(y1[i]),
                $"{function}({x[i]:R}): widths disagree: {y512[i]:R} {y256[i]:R} {y128[i]:R} {y1[i]:R}");
            double error = UlpError(y1[i], Reference(function, x[i]));
            if (error > worst)
            {
                worst = error;
                worstAt = x[i];
            }
        }

        output.WriteLine($"{function} on [{low}, {high}]: max error {worst:F2} ulp at x = {worstAt:R}");
        Assert.True(worst <= boundUlp, $"{function}: max error {worst:F2} ulp at x = {worstAt:R} exceeds {boundUlp} ulp");
    }

    [Fact]
    public void SpecialValuesFollowIeee()
    {
        Assert.Equal(float.PositiveInfinity, Scalar(VectorMath.Exp, float.PositiveInfinity));
        Assert.Equal(0f, Scalar(VectorMath.Exp, float.NegativeInfinity));
        Assert.Equal(float.PositiveInfinity, Scalar(VectorMath.Exp, 89f));
        Assert.Equal(1f, Scalar(VectorMath.Exp, 0f));
        Assert.True(float.IsNaN(Scalar(VectorMath.Exp, float.NaN)));
        Assert.Equal(float.Epsilon, Scalar(VectorMath.Exp, -103.5f)); // rounds to the smallest subnormal

        Assert.Equal(float.NegativeInfinity, Scalar(VectorMath.Log, 0f));
        Assert.Equal(float.NegativeInfinity, Scalar(VectorMath.Log, -0f));
        Assert.True(float.IsNaN(Scalar(VectorMath.Log, -1f)));
        Assert.True(float.IsNaN(Scalar(VectorMath.Log, float.NaN)));
        Assert.Equal(float.PositiveInfinity, Scalar(VectorMath.Log, float.PositiveInfinity));
        Assert.Equal(0f, Scalar(VectorMath.Log, 1f));
        Assert.Equal((float)Math.Log(float.Epsilon), Scalar(VectorMath.Log, float.Epsilon), 5);

        Assert.Equal(1f, Scalar(VectorMath.Tanh, float.PositiveInfinity));
        Assert.Equal(-1f, Scalar(VectorMath.Tanh, float.NegativeInfinity));
        Assert.Equal(BitConverter.SingleToInt32Bits(-0f), BitConverter.SingleToInt32Bits(Scalar(VectorMath.Tanh, -0f)));
        Assert.True(float.IsNaN(Scalar(VectorMath.Tanh, float.NaN)));

        Assert.Equal(0f, Scalar(VectorMath.Sigmoid, float.NegativeInfinity));
        Assert.Equal(1f, Scalar(VectorMath.Sigmoid, float.PositiveInfinity));
        Assert.Equal(1f, Scalar(VectorMath.Erf, 10f));
        Assert.Equal(-1f, Scalar(VectorMath.Erf, float.NegativeInfinity));

        Assert.Equal(BitConverter.SingleToInt32Bits(-0f), BitConverter.SingleToInt32Bits(Scalar(VectorMath.Sin, -0f)));
        Assert.Equal(BitConverter.SingleToInt32Bits(0f), BitConverter.SingleToInt32Bits(Scalar(VectorMath.Sin, 0f)));
        Assert.Equal(-1e-30f, Scalar(VectorMath.Sin, -1e-30f));
        Assert.Equal(1f, Scalar(VectorMath.Cos, 0f));
        Assert.Equal(1f, Scalar(VectorMath.Cos, -0f));
        foreach (float special in new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity })
        {
            Assert.True(float.IsNaN(Scalar(VectorMath.Sin, special)));
            Assert.True(float.IsNaN(Scalar(VectorMath.Cos, special)));
        }
    }

    /// <summary>
    /// Lanes past <see cref="VectorMath.TrigonometricLimit"/> are handed to MathF one by one; the
    /// other lanes of the same vector keep their vector result, so every width gives the same bits.
    /// </summary>
    [Fact]
    public void SinAndCosOfLargeLanesAmongSmallOnesMatchTheScalarPath()
    {
        float[] x = new float[64];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = (i % 3) switch { 0 => 0.1f * i, 1 => 1e6f + 37 * i, _ => i % 2 == 0 ? float.PositiveInfinity : -3e38f };
        }

        foreach (string function in new[] { "Sin", "Cos" })
        {
            float[] expected = Apply<SimdScalar>(function, x);
            foreach (float[] actual in new[] { Apply<Simd512>(function, x), Apply<Simd256>(function, x), Apply<Simd128>(function, x) })
            {
                for (int i = 0; i < x.Length; i++)
                {
                    Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(actual[i]), $"{function}({x[i]:R}) = {actual[i]:R}, the scalar path gives {expected[i]:R}");
                }
            }

            for (int i = 0; i < x.Length; i++)
            {
                double reference = function == "Sin" ? Math.Sin(x[i]) : Math.Cos(x[i]);
                Assert.True(UlpError(expected[i], reference) <= 1.5, $"{function}({x[i]:R}) = {expected[i]:R}, float64 gives {reference:R}");
            }
        }
    }

    /// <summary>The exponential of a known non-positive argument (softmax's x - max) gives Exp's bits, without the upper clamp.</summary>
    [Fact]
    public void ExpOfNonPositiveMatchesExpBitForBit()
    {
        float[] x = Sweep(-110, 0, logScale: false);
        float[] expected = Apply<Simd512>("Exp", x);
        foreach (float[] actual in new[] { ApplyExpOfNonPositive<Simd512>(x), ApplyExpOfNonPositive<Simd256>(x), ApplyExpOfNonPositive<Simd128>(x), ApplyExpOfNonPositive<SimdScalar>(x) })
        {
            for (int i = 0; i < x.Length; i++)
            {
                Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(actual[i]), $"ExpOfNonPositive({x[i]:R}) = {actual[i]:R}, Exp gives {expected[i]:R}");
            }
        }

        static float Scalar(float v) => VectorMath.ExpOfNonPositive(SimdScalar.Create(v)).Value;
        Assert.Equal(0f, Scalar(float.NegativeInfinity));
        Assert.Equal(1f, Scalar(-0f));
        Assert.Equal(1f, Scalar(0f));
        Assert.True(float.IsNaN(Scalar(float.NaN)));
    }

    private static float[] ApplyExpOfNonPositive<V>(float[] x) where V : struct, ISimdFloat<V>
    {
        var y = new float[x.Length];
        for (int i = 0; i + V.Count <= x.Length; i += V.Count)
        {
            V.Store(VectorMath.ExpOfNonPositive(V.Load(ref x[0], i)), ref y[0], i);
        }

        return y;
    }

    [Fact]
    public void PowFollowsMathFPowSpecialCases()
    {
        static float Pow(float x, float y) => VectorMath.Pow(SimdScalar.Create(x), SimdScalar.Create(y)).Value;

        Assert.Equal(-8f, Pow(-2f, 3f), 5);
        Assert.Equal(16f, Pow(-2f, 4f), 5);
        Assert.True(float.IsNaN(Pow(-2f, 0.5f)));
        Assert.Equal(1f, Pow(float.NaN, 0f));
        Assert.Equal(1f, Pow(1f, float.NaN));
        Assert.Equal(0f, Pow(0f, 2f));
        Assert.Equal(float.PositiveInfinity, Pow(0f, -1f));
        Assert.Equal(MathF.Pow(3.7f, 2.2f), Pow(3.7f, 2.2f), 5);
    }

    /// <summary>
    /// Every special case of <c>MathF.Pow</c> (C99 pow: signed zeros, infinities, -1 to an infinite
    /// power, NaN), bit for bit, at every width: what lets a kernel body call MathF.Pow on its floats
    /// and a fused Pow match the eager one on such inputs.
    /// </summary>
    [Fact]
    public void PowMatchesMathFPowOnEverySpecialCase()
    {
        float[] values = [0f, -0f, 1f, -1f, 0.5f, -0.5f, 2f, -2f, 3f, -3f, 1.5f, -1.5f, 1e10f, -1e10f, float.PositiveInfinity, float.NegativeInfinity, float.NaN];
        var x = new float[values.Length * values.Length];
        var y = new float[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = values[i / values.Length];
            y[i] = values[i % values.Length];
        }

        foreach (float[] actual in new[] { ApplyPow<Simd512>(x, y), ApplyPow<Simd256>(x, y), ApplyPow<Simd128>(x, y), ApplyPow<SimdScalar>(x, y) })
        {
            for (int i = 0; i < x.Length; i++)
            {
                float expected = MathF.Pow(x[i], y[i]);
                bool special = IsSpecial(x[i]) || IsSpecial(y[i]) || Math.Abs(x[i]) == 1 || float.IsNaN(expected) || float.IsInfinity(expected) || expected == 0;
                bool same = float.IsNaN(expected) ? float.IsNaN(actual[i])
                    : special ? BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(actual[i])
                    : UlpError(actual[i], Math.Pow(x[i], y[i])) <= 1 + Math.Abs(y[i] * Math.Log(Math.Abs(x[i]))); // Pow's documented error model
                Assert.True(same, $"Pow({x[i]:R}, {y[i]:R}) = {actual[i]:R}, MathF.Pow gives {expected:R}");
            }
        }
    }

    private static bool IsSpecial(float value) => value == 0 || !float.IsFinite(value);

    private static float[] ApplyPow<V>(float[] x, float[] y) where V : struct, ISimdFloat<V>
    {
        var result = new float[x.Length];
        int i = 0;
        for (; i + V.Count <= x.Length; i += V.Count)
        {
            V.Store(VectorMath.Pow(V.Load(ref x[0], i), V.Load(ref y[0], i)), ref result[0], i);
        }

        for (; i < x.Length; i++)
        {
            result[i] = VectorMath.Pow(SimdScalar.Create(x[i]), SimdScalar.Create(y[i])).Value;
        }

        return result;
    }

    private static float Scalar(Func<SimdScalar, SimdScalar> function, float x) => function(SimdScalar.Create(x)).Value;

    private static float[] Sweep(double low, double high, bool logScale)
    {
        var x = new float[SweepPoints];
        for (int i = 0; i < x.Length; i++)
        {
            double t = i / (double)(x.Length - 1);
            x[i] = (float)(logScale ? Math.Exp(Math.Log(low) + t * (Math.Log(high) - Math.Log(low))) : low + t * (high - low));
        }

        return x;
    }

    private static float[] Apply<V>(string function, float[] x) where V : struct, ISimdFloat<V>
    {
        Func<V, V> f = function switch
        {
            "Exp" => VectorMath.Exp,
            "Log" => VectorMath.Log,
            "Tanh" => VectorMath.Tanh,
            "Sigmoid" => VectorMath.Sigmoid,
            "Erf" => VectorMath.Erf,
            "Erfc" => VectorMath.Erfc,
            "NormalCdf" => VectorMath.NormalCdf,
            "Sin" => VectorMath.Sin,
            "Cos" => VectorMath.Cos,
            _ => throw new ArgumentException(function),
        };
        var y = new float[x.Length];
        for (int i = 0; i + V.Count <= x.Length; i += V.Count)
        {
            V.Store(f(V.Load(ref x[0], i)), ref y[0], i);
        }

        return y;
    }

    private static double Reference(string function, float x) => function switch
    {
        "Exp" => Math.Exp(x),
        "Log" => Math.Log(x),
        "Tanh" => Math.Tanh(x),
        "Sigmoid" => 1 / (1 + Math.Exp(-(double)x)),
        "Erf" => DoubleMath.Erf(x),
        "Erfc" => DoubleMath.Erfc(x),
        "NormalCdf" => 0.5 * DoubleMath.Erfc(-x / Math.Sqrt(2)),
        "Sin" => Math.Sin(x),
        "Cos" => Math.Cos(x),
        _ => throw new ArgumentException(function),
    };

    /// <summary>|actual - expected| in units of the float32 spacing at the expected value (subnormal spacing below the normal range).</summary>
    public static double UlpError(float actual, double expected)
    {
        if (double.IsNaN(expected))
        {
            return float.IsNaN(actual) ? 0 : double.PositiveInfinity;
        }

        float rounded = (float)expected;
        if (float.IsInfinity(rounded))
        {
            return actual == rounded ? 0 : double.PositiveInfinity;
        }

        int exponent = Math.Max(Math.ILogB(Math.Abs(expected)), -126);
        double ulp = Math.ScaleB(1.0, exponent - 23);
        return Math.Abs(actual - expected) / ulp;
    }
}
