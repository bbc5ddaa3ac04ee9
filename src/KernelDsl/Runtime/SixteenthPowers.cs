using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace KernelDsl.Runtime;

/// <summary>
/// The table of <see cref="VectorMath.Exp{V}"/>: 2^(j/16) for j = 0..15, each rounded to the nearest
/// float. Sixteen floats fill one 512-bit register, so with AVX-512 a lookup is one permute
/// (<c>vpermps</c>) indexed by the low four bits of each lane; 256-bit vectors permute two halves,
/// 128-bit ones shuffle four quarters, and every width reads the same values, so all give the same bits.
/// </summary>
internal static class SixteenthPowers
{
    /// <summary>2^(j/16), rounded to float (the largest rounding error is 0.79·2^-24 relative, at j = 3).</summary>
    public static ReadOnlySpan<float> Values =>
    [
        1f, 1.04427373f, 1.09050775f, 1.13878858f, 1.18920708f, 1.24185777f, 1.29683959f, 1.35425556f,
        1.41421354f, 1.47682619f, 1.54221082f, 1.61049032f, 1.68179286f, 1.75625217f, 1.8340081f, 1.91520655f,
    ];

    // The same values as vector constants (literals, so the JIT embeds them even in methods compiled
    // before this class is initialized); the accuracy tests check that every width gives the same bits.
    public static Vector512<float> Table512
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Vector512.Create(
            1f, 1.04427373f, 1.09050775f, 1.13878858f, 1.18920708f, 1.24185777f, 1.29683959f, 1.35425556f,
            1.41421354f, 1.47682619f, 1.54221082f, 1.61049032f, 1.68179286f, 1.75625217f, 1.8340081f, 1.91520655f);
    }

    public static Vector256<float> Lower256
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Vector256.Create(1f, 1.04427373f, 1.09050775f, 1.13878858f, 1.18920708f, 1.24185777f, 1.29683959f, 1.35425556f);
    }

    public static Vector256<float> Upper256
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Vector256.Create(1.41421354f, 1.47682619f, 1.54221082f, 1.61049032f, 1.68179286f, 1.75625217f, 1.8340081f, 1.91520655f);
    }

    /// <summary>
    /// The lookup for a 512-bit vector without AVX-512's permute: four 128-bit lookups (the form the
    /// width tests reach), so every path shares one fallback.
    /// </summary>
    public static Vector512<float> Lookup(Vector512<int> bits)
        => Vector512.Create(Lookup(bits.GetLower()), Lookup(bits.GetUpper()));

    /// <summary>The lookup for a 256-bit vector without AVX2's permute: two 128-bit lookups.</summary>
    public static Vector256<float> Lookup(Vector256<int> bits)
        => Vector256.Create(Lookup(bits.GetLower()), Lookup(bits.GetUpper()));

    /// <summary>
    /// The lookup for four lanes: each quarter of the table holds four entries, the low two bits of j
    /// pick one in every quarter (<c>vpermilps</c> with AVX; a byte shuffle, <c>pshufb</c> or AdvSimd's
    /// <c>tbl</c>, elsewhere), the next two bits pick the quarter.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Lookup(Vector128<int> bits)
    {
        Vector128<int> j = bits & Vector128.Create(15);
        Vector128<float> q0 = Quarter(Vector128.Create(1f, 1.04427373f, 1.09050775f, 1.13878858f), j);
        Vector128<float> q1 = Quarter(Vector128.Create(1.18920708f, 1.24185777f, 1.29683959f, 1.35425556f), j);
        Vector128<float> q2 = Quarter(Vector128.Create(1.41421354f, 1.47682619f, 1.54221082f, 1.61049032f), j);
        Vector128<float> q3 = Quarter(Vector128.Create(1.68179286f, 1.75625217f, 1.8340081f, 1.91520655f), j);
        Vector128<float> odd = Vector128.Equals(j & Vector128.Create(4), Vector128.Create(4)).AsSingle();
        Vector128<float> upper = Vector128.Equals(j & Vector128.Create(8), Vector128.Create(8)).AsSingle();
        return Vector128.ConditionalSelect(upper, Vector128.ConditionalSelect(odd, q3, q2), Vector128.ConditionalSelect(odd, q1, q0));
    }

    /// <summary>Entry j mod 4 of a quarter of the table, in each lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Quarter(Vector128<float> quarter, Vector128<int> j)
    {
        if (Avx.IsSupported)
        {
            return Avx.PermuteVar(quarter, j); // uses the low two bits of each lane
        }

        Vector128<byte> bytes = ((j & Vector128.Create(3)) * Vector128.Create(0x04040404) + Vector128.Create(0x03020100)).AsByte();
        return Ssse3.IsSupported ? Ssse3.Shuffle(quarter.AsByte(), bytes).AsSingle() : Vector128.Shuffle(quarter.AsByte(), bytes).AsSingle();
    }
}
