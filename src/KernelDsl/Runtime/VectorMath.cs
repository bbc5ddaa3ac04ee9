using System;
using System.Runtime.CompilerServices;

namespace KernelDsl.Runtime;

/// <summary>
/// Vectorized float32 transcendental functions, written once against <see cref="ISimdFloat{TSelf}"/>
/// and instantiated by the JIT for each width. Fused kernels call these; elementwise speed is won
/// here, so each function is a short branch-free polynomial or rational approximation with FMA.
/// </summary>
/// <remarks>
/// Accuracy is measured against a float64 reference by <c>VectorMathAccuracyTests</c> and recorded in
/// <c>docs/performance.md</c>. Each function states its bound in ulp (units in the last place of the
/// float32 result) over the domain the test sweeps.
/// </remarks>
public static class VectorMath
{
    /// <summary>
    /// e^x. Range reduction x = (16n + j)·ln2/16 + r with j in [0, 16) and |r| ≤ ln2/32 (ln2 split
    /// in two parts so (k/16)·ln2 is exact), then e^x = 2^n · 2^(j/16) · e^r: 2^(j/16) from a table of
    /// sixteen floats (one permute with AVX-512), e^r from its Taylor polynomial of degree 3 (whose
    /// truncation error, below r⁴/24 &lt; 1e-8 relative, is far under float's rounding), and the
    /// scaling by 2^n with a single rounding. Overflows to +∞ above ~88.72, underflows to 0 below
    /// ~-103.97; NaN propagates.
    /// </summary>
    /// <remarks>
    /// The table shortens the polynomial from degree 7 (the Cephes expf form used before) to 3: an
    /// exp-and-sum loop over rows in L2 ran 1.2-1.3x faster with AVX-512 (performance.md, Exp).
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V Exp<V>(V x) where V : struct, ISimdFloat<V>
        // Native min/max return their second operand when either is NaN: with x second, a NaN input
        // flows through the clamps and the polynomial, so no select is needed to restore it.
        => ExpOfClamped(V.MinNative(V.Create(89f), V.MaxNative(V.Create(-104f), x)));

    /// <summary>
    /// e^x for x ≤ 0 (or NaN), such as softmax's x - max(x): <see cref="Exp{V}"/> without the upper
    /// clamp, one instruction fewer, and the same bits for every such x. Larger x give unspecified results.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V ExpOfNonPositive<V>(V x) where V : struct, ISimdFloat<V>
        => ExpOfClamped(V.MaxNative(V.Create(-104f), x));

    /// <summary>e^x for x in [-104, 89] or NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static V ExpOfClamped<V>(V clamped) where V : struct, ISimdFloat<V>
    {
        // k/16 for k = round(x·16/ln2), by adding 1.5·2^19: the sum's last place is 1/16, so the
        // addition rounds x/ln2 to a multiple of 1/16 (to nearest, ties to even), and the sum's low
        // mantissa bits hold k mod 16, the table index j, without a conversion. (Everything here is
        // the k form scaled by 2^-4, which is exact: the same bits as adding 1.5·2^23 to x·16/ln2,
        // one multiplication fewer, since the scale below takes k/16 as it is.)
        V shifter = V.Create(12582912f / 16);
        V shifted = V.FusedMultiplyAdd(clamped, V.Create(23.0831203f / 16), shifter);
        V kOver16 = shifted - shifter;
        V r = V.FusedMultiplyAdd(kOver16, V.Create(-0.0433197021f * 16), clamped); // 12 significant bits: (k/16)·16c = k·c is exact
        r = V.FusedMultiplyAdd(kOver16, V.Create(-1.99663646e-6f * 16), r);

        // e^r - 1 = r + r²/2 + r³/6, then 2^(j/16)·e^r = t + t·(e^r - 1) with one rounding.
        V t = V.SixteenthPowerOfTwo(shifted);
        V expm1 = V.FusedMultiplyAdd(V.FusedMultiplyAdd(V.Create(0.166666672f), r, V.Create(0.5f)), r * r, r);
        V scaled = V.FusedMultiplyAdd(t, expm1, t);

        // ·2^n for n = ⌊k/16⌋ (the scale takes the floor of k/16), rounded once, so subnormal results
        // are correctly rounded (vscalefps where available).
        return V.ScaleByPowerOfTwo(scaled, kOver16);
    }

    /// <summary>
    /// Natural logarithm. x = 2^e · m with m in [√½, √2), a degree-9 polynomial for log(1 + f)
    /// (Cephes' logf coefficients), and e·ln2 added in two parts. Subnormal inputs are scaled by 2^23
    /// first. log(0) = -∞, log(x &lt; 0) = NaN, log(+∞) = +∞.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V Log<V>(V x) where V : struct, ISimdFloat<V>
    {
        V subnormal = V.LessThan(x, V.Create(1.17549435e-38f));
        V scaled = V.Select(subnormal, x * V.Create(8388608f), x);
        V e = V.Exponent(scaled) - V.Select(subnormal, V.Create(23f), V.Create(0f));
        V m = V.Significand(scaled);

        V large = V.GreaterThan(m, V.Create(1.41421356237f));
        m = V.Select(large, m * V.Create(0.5f), m);
        e = V.Select(large, e + V.Create(1f), e);

        V f = m - V.Create(1f);
        V z = f * f;
        V p = V.Create(7.0376836292e-2f);
        p = V.FusedMultiplyAdd(p, f, V.Create(-1.1514610310e-1f));
        p = V.FusedMultiplyAdd(p, f, V.Create(1.1676998740e-1f));
        p = V.FusedMultiplyAdd(p, f, V.Create(-1.2420140846e-1f));
        p = V.FusedMultiplyAdd(p, f, V.Create(1.4249322787e-1f));
        p = V.FusedMultiplyAdd(p, f, V.Create(-1.6668057665e-1f));
        p = V.FusedMultiplyAdd(p, f, V.Create(2.0000714765e-1f));
        p = V.FusedMultiplyAdd(p, f, V.Create(-2.4999993993e-1f));
        p = V.FusedMultiplyAdd(p, f, V.Create(3.3333331174e-1f));
        V y = p * f * z;
        y = V.FusedMultiplyAdd(e, V.Create(-2.12194440e-4f), y);
        y = V.FusedMultiplyAdd(z, V.Create(-0.5f), y);
        V result = V.FusedMultiplyAdd(e, V.Create(0.693359375f), f + y);

        // Special values, in order of precedence: NaN and negatives give NaN, zero gives -∞, +∞ stays.
        result = V.Select(V.Equal(x, V.Create(float.PositiveInfinity)), x, result);
        result = V.Select(V.Equal(x, V.Create(0f)), V.Create(float.NegativeInfinity), result);
        V invalid = V.Or(V.LessThan(x, V.Create(0f)), V.IsNaN(x));
        return V.Select(invalid, V.Create(float.NaN), result);
    }

    /// <summary>
    /// Hyperbolic tangent as a rational function x·P(x²)/Q(x²) on [-9, 9] (degree 13/6 minimax,
    /// the form used by Eigen's fast tanh), ±1 beyond, x itself for |x| &lt; 0.0004. One division,
    /// no exponential: this is what keeps a fused GELU memory-bound.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V Tanh<V>(V x) where V : struct, ISimdFloat<V>
    {
        V clamped = V.MinNative(V.MaxNative(x, V.Create(-7.90531110763549805f)), V.Create(7.90531110763549805f));
        V x2 = clamped * clamped;
        V p = V.Create(-2.76076847742355e-16f);
        p = V.FusedMultiplyAdd(p, x2, V.Create(2.00018790482477e-13f));
        p = V.FusedMultiplyAdd(p, x2, V.Create(-8.60467152213735e-11f));
        p = V.FusedMultiplyAdd(p, x2, V.Create(5.12229709037114e-08f));
        p = V.FusedMultiplyAdd(p, x2, V.Create(1.48572235717979e-05f));
        p = V.FusedMultiplyAdd(p, x2, V.Create(6.37261928875436e-04f));
        p = V.FusedMultiplyAdd(p, x2, V.Create(4.89352455891786e-03f));
        p *= clamped;
        V q = V.Create(1.19825839466702e-06f);
        q = V.FusedMultiplyAdd(q, x2, V.Create(1.18534705686654e-04f));
        q = V.FusedMultiplyAdd(q, x2, V.Create(2.26843463243900e-03f));
        q = V.FusedMultiplyAdd(q, x2, V.Create(4.89352518554385e-03f));
        V result = p / q;

        V tiny = V.LessThan(V.Abs(x), V.Create(0.0004f));
        result = V.Select(tiny, x, result);
        // Beyond ~9.01 tanh rounds to exactly ±1 in float32.
        V saturated = V.GreaterThan(V.Abs(x), V.Create(9.010913f));
        result = V.Select(saturated, V.Select(V.LessThan(x, V.Create(0f)), V.Create(-1f), V.Create(1f)), result);
        return V.Select(V.IsNaN(x), x, result);
    }

    /// <summary>
    /// Logistic sigmoid. With t = e^-|x| (which never overflows): 1 / (1 + t) for x ≥ 0 and
    /// t / (1 + t) for x &lt; 0, so tiny results far below -88 keep their relative accuracy instead of
    /// flushing to 0 when e^-x overflows.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V Sigmoid<V>(V x) where V : struct, ISimdFloat<V>
    {
        // The numerator is chosen before the one division, so each result is rounded once there.
        V t = Exp(-V.Abs(x));
        V numerator = V.Select(V.LessThan(x, V.Create(0f)), t, V.Create(1f));
        return numerator / (V.Create(1f) + t);
    }

    /// <summary>
    /// Error function as a rational function x·P(x²)/Q(x²) on [-4, 4] (degree 13/8, the form used
    /// by Eigen's fast erf), clamped to [-1, 1]; erf(±4) already rounds to ±1 in float32.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V Erf<V>(V x) where V : struct, ISimdFloat<V>
    {
        V clamped = V.MinNative(V.MaxNative(x, V.Create(-4f)), V.Create(4f));
        V x2 = clamped * clamped;
        V p = V.Create(-2.72614225801306e-10f);
        p = V.FusedMultiplyAdd(p, x2, V.Create(2.77068142495902e-08f));
        p = V.FusedMultiplyAdd(p, x2, V.Create(-2.10102402082508e-06f));
        p = V.FusedMultiplyAdd(p, x2, V.Create(-5.69250639462346e-05f));
        p = V.FusedMultiplyAdd(p, x2, V.Create(-7.34990630326855e-04f));
        p = V.FusedMultiplyAdd(p, x2, V.Create(-2.95459980854025e-03f));
        p = V.FusedMultiplyAdd(p, x2, V.Create(-1.60960333262415e-02f));
        p *= clamped;
        V q = V.Create(-1.45660718464996e-05f);
        q = V.FusedMultiplyAdd(q, x2, V.Create(-2.13374055278905e-04f));
        q = V.FusedMultiplyAdd(q, x2, V.Create(-1.68282697438203e-03f));
        q = V.FusedMultiplyAdd(q, x2, V.Create(-7.37332916720468e-03f));
        q = V.FusedMultiplyAdd(q, x2, V.Create(-1.42647390514189e-02f));
        // Near ±4 the rational overshoots ±1 by a few ulp; erf rounds to exactly ±1 there.
        V result = V.MinNative(V.MaxNative(p / q, V.Create(-1f)), V.Create(1f));
        return V.Select(V.IsNaN(x), x, result);
    }

    /// <summary>
    /// Complementary error function 1 - erf(x), accurate in relative terms where it is tiny (for
    /// x &gt; 0). See <see cref="ErfcOfMagnitude{V}"/>; erfc(-z) = 2 - erfc(z).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V Erfc<V>(V x) where V : struct, ISimdFloat<V>
    {
        V z = V.Abs(x);
        V zz = z * z;
        V r = ErfcOfMagnitude(z, zz, V.FusedMultiplyAdd(z, z, -zz));
        return V.Select(V.LessThan(x, V.Create(0f)), V.Create(2f) - r, r);
    }

    /// <summary>
    /// The standard normal CDF Φ(x) = erfc(-x/√2)/2, for GELU = x·Φ(x). The exponent -x²/2 is formed
    /// from x itself (x·x and its exact FMA error, halved exactly) rather than from the rounded x/√2,
    /// whose error erfc's slope would multiply by ~x² (about 30 ulp at x = -8).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V NormalCdf<V>(V x) where V : struct, ISimdFloat<V>
    {
        V z = V.Abs(x) * V.Create(0.707106781186547524f);
        V xx = x * x;
        V half = V.Create(0.5f);
        V tail = half * ErfcOfMagnitude(z, xx * half, V.FusedMultiplyAdd(x, x, -xx) * half);
        return V.Select(V.LessThan(x, V.Create(0f)), tail, V.Create(1f) - tail);
    }

    /// <summary>
    /// erfc(z) for z ≥ 0 given z² as an unevaluated sum <paramref name="zSquared"/> +
    /// <paramref name="zSquaredError"/>: t·e^(-z² + P(t)) with t = 1/(1 + z/2) and P the degree-9
    /// Chebyshev fit of Numerical Recipes' erfcc (fractional error below 1.2e-7). The exponent is
    /// kept as hi + lo (Fast2Sum), since rounding an exponent near -100 would cost ~25 ulp.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static V ErfcOfMagnitude<V>(V z, V zSquared, V zSquaredError) where V : struct, ISimdFloat<V>
    {
        V t = V.Create(1f) / V.FusedMultiplyAdd(z, V.Create(0.5f), V.Create(1f));
        V p = V.Create(0.17087277f);
        p = V.FusedMultiplyAdd(p, t, V.Create(-0.82215223f));
        p = V.FusedMultiplyAdd(p, t, V.Create(1.48851587f));
        p = V.FusedMultiplyAdd(p, t, V.Create(-1.13520398f));
        p = V.FusedMultiplyAdd(p, t, V.Create(0.27886807f));
        p = V.FusedMultiplyAdd(p, t, V.Create(-0.18628806f));
        p = V.FusedMultiplyAdd(p, t, V.Create(0.09678418f));
        p = V.FusedMultiplyAdd(p, t, V.Create(0.37409196f));
        p = V.FusedMultiplyAdd(p, t, V.Create(1.00002368f));
        p = V.FusedMultiplyAdd(p, t, V.Create(-1.26551223f));

        // Fast2Sum with the larger magnitude (z²) subtracted first.
        V hi = p - zSquared;
        V lo = (p - (hi + zSquared)) - zSquaredError;
        V r = t * Exp(hi) * (V.Create(1f) + lo);
        return V.Select(V.Equal(z, V.Create(float.PositiveInfinity)), V.Create(0f), r);
    }

    /// <summary>
    /// x^y as e^(y·log|x|), with every special case of <c>MathF.Pow</c> (C99 pow): a base with its
    /// sign bit set (-0 and -∞ included) gives a negative result for odd integer y, a finite negative
    /// base gives NaN for non-integer y; x^±0 = 1 and 1^y = 1 even for NaN, and (-1)^±∞ = 1.
    /// The error grows with |y·log x|: ≤ 1 + |y·ln x| ulp approximately (see docs/performance.md).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V Pow<V>(V x, V y) where V : struct, ISimdFloat<V>
    {
        // |x|^y: e^(y·log|x|) is also right for the zeros and infinities of x and y (0 or ∞), except
        // where y·log|x| is ∞·0 (|x| = 1, y = ±∞), handled with x^0 below.
        V magnitude = Exp(y * Log(V.Abs(x)));
        V yIsInteger = V.Equal(V.Round(y), y); // ±∞ counts as an even integer
        V half = y * V.Create(0.5f);
        V yIsOdd = V.And(yIsInteger, V.NotEqual(V.Round(half), half));
        V result = V.Xor(magnitude, V.And(V.And(V.AnyBitsSet(x, int.MinValue), yIsOdd), V.Create(-0f)));
        V finiteNegative = V.And(V.LessThan(x, V.Create(0f)), V.GreaterThan(x, V.Create(float.NegativeInfinity)));
        result = V.Select(finiteNegative, V.Select(yIsInteger, result, V.Create(float.NaN)), result);
        V one = V.Create(1f);
        V unitBaseInfinitePower = V.And(V.Equal(V.Abs(x), one), V.Equal(V.Abs(y), V.Create(float.PositiveInfinity)));
        return V.Select(V.Or(V.Or(V.Equal(y, V.Create(0f)), V.Equal(x, one)), unitBaseInfinitePower), one, result);
    }

    /// <summary>
    /// The sine. |x| is reduced to r = |x| - q·π/2 with q = round(|x|·2/π) and |r| ≲ π/4 (π/2 in
    /// three parts, each subtracted with one FMA: the first subtraction is exact, so arguments
    /// near a multiple of π/2 keep their significant bits), then sin r or cos r by their Taylor-like
    /// polynomials (Cephes' sinf/cosf coefficients), chosen and signed by q mod 4 and the sign of x.
    /// Lanes with |x| above <see cref="TrigonometricLimit"/>, ±∞ included, take <c>MathF.Sin</c>
    /// instead, out of line; NaN propagates and sin(-0) = -0.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V Sin<V>(V x) where V : struct, ISimdFloat<V> => SinOrCos(x, cosine: false);

    /// <summary>The cosine: <see cref="Sin{V}"/>'s reduction one quadrant on (cos x = sin(|x| + π/2)); <c>MathF.Cos</c> above <see cref="TrigonometricLimit"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V Cos<V>(V x) where V : struct, ISimdFloat<V> => SinOrCos(x, cosine: true);

    /// <summary>
    /// The largest |x| that <see cref="Sin{V}"/> and <see cref="Cos{V}"/> reduce in vector lanes. The
    /// three-part reduction stays within their bound well beyond it (q·π/2 is exact to about 2^-72·q);
    /// above it lanes are rare in practice (angles are reduced before they grow large) and are handed
    /// to the C library, which reduces any float exactly.
    /// </summary>
    public const float TrigonometricLimit = 65536f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static V SinOrCos<V>(V x, bool cosine) where V : struct, ISimdFloat<V>
    {
        // q = round(|x|·2/π) by adding 1.5·2^23, whose last place is 1: the sum's low bits hold q.
        V a = V.Abs(x);
        V shifter = V.Create(12582912f);
        V shifted = V.FusedMultiplyAdd(a, V.Create(0.636619747f), shifter);
        V q = shifted - shifter;

        // r = |x| - q·π/2, π/2 = 1.57079637 - 4.37113883e-8 - 1.71512451e-15 (to 1e-23).
        V r = V.FusedMultiplyAdd(q, V.Create(-1.57079637f), a);
        r = V.FusedMultiplyAdd(q, V.Create(4.37113883e-8f), r);
        r = V.FusedMultiplyAdd(q, V.Create(1.71512451e-15f), r);

        // sin r = r + r³·s(r²), cos r = 1 - r²/2 + r⁴·c(r²).
        V rr = r * r;
        V s = V.FusedMultiplyAdd(V.FusedMultiplyAdd(V.Create(-1.9515295891e-4f), rr, V.Create(8.3321608736e-3f)), rr, V.Create(-1.6666654611e-1f));
        V sinR = V.FusedMultiplyAdd(s * rr, r, r);
        V c = V.FusedMultiplyAdd(V.FusedMultiplyAdd(V.Create(2.443315711809948e-5f), rr, V.Create(-1.388731625493765e-3f)), rr, V.Create(4.166664568298827e-2f));
        V cosR = V.FusedMultiplyAdd(V.FusedMultiplyAdd(c, rr, V.Create(-0.5f)), rr, V.Create(1f));

        // sin(|x|) is sin r, cos r, -sin r, -cos r for q mod 4 = 0, 1, 2, 3; cos(|x|) = sin(|x| + π/2)
        // is the next quadrant's. Adding 1 to the shifted sum (exact) adds 1 to q. sin is odd: the
        // sign of x goes on last, by its bit, so sin(-0) = -0.
        V quadrant = cosine ? shifted + V.Create(1f) : shifted;
        V y = V.Select(V.AnyBitsSet(quadrant, 1), cosR, sinR);
        V sign = V.And(V.AnyBitsSet(quadrant, 2), V.Create(-0f));
        if (!cosine)
        {
            sign = V.Xor(sign, V.And(x, V.Create(-0f)));
        }

        y = V.Xor(y, sign);
        V large = V.GreaterThan(a, V.Create(TrigonometricLimit));
        return V.Any(large) ? SinOrCosOfLargeLanes(x, y, large, cosine) : y;
    }

    /// <summary>The lanes of <paramref name="large"/> replaced by <c>MathF.Sin</c> or <c>MathF.Cos</c> of <paramref name="x"/>: the same bits at every width.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static V SinOrCosOfLargeLanes<V>(V x, V y, V large, bool cosine) where V : struct, ISimdFloat<V>
    {
        Span<float> lanes = stackalloc float[3 * V.Count];
        V.Store(x, ref lanes[0], 0);
        V.Store(y, ref lanes[0], V.Count);
        V.Store(large, ref lanes[0], 2 * V.Count);
        for (int i = 0; i < V.Count; i++)
        {
            if (BitConverter.SingleToInt32Bits(lanes[(2 * V.Count) + i]) != 0)
            {
                lanes[V.Count + i] = cosine ? MathF.Cos(lanes[i]) : MathF.Sin(lanes[i]);
            }
        }

        return V.Load(ref lanes[0], V.Count);
    }
}
