using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace KernelDsl.Runtime;

/// <summary>
/// The table of <see cref="VectorMath.Exp{V}"/>: 2^(j/16) for j = 0..15, each rounded to the nearest
/// float. Sixteen floats fill one 512-bit register, so with AVX-512 a lookup is one permute
/// (<c>vpermps</c>) indexed by the low four bits of each lane; narrower widths use two halves or a
/// software lookup, and every width reads the same values, so all give the same bits.
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

    /// <summary>The lookup lane by lane, where no permute instruction is available.</summary>
    public static Vector512<float> Lookup(Vector512<int> bits)
    {
        Span<float> lanes = stackalloc float[Vector512<float>.Count];
        for (int i = 0; i < lanes.Length; i++)
        {
            lanes[i] = Values[bits.GetElement(i) & 15];
        }

        return Vector512.Create<float>(lanes);
    }

    /// <inheritdoc cref="Lookup(Vector512{int})"/>
    public static Vector256<float> Lookup(Vector256<int> bits)
    {
        Span<float> lanes = stackalloc float[Vector256<float>.Count];
        for (int i = 0; i < lanes.Length; i++)
        {
            lanes[i] = Values[bits.GetElement(i) & 15];
        }

        return Vector256.Create<float>(lanes);
    }

    /// <inheritdoc cref="Lookup(Vector512{int})"/>
    public static Vector128<float> Lookup(Vector128<int> bits)
    {
        Span<float> lanes = stackalloc float[Vector128<float>.Count];
        for (int i = 0; i < lanes.Length; i++)
        {
            lanes[i] = Values[bits.GetElement(i) & 15];
        }

        return Vector128.Create<float>(lanes);
    }
}
