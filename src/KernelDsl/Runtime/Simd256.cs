using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace KernelDsl.Runtime;

/// <summary>Eight float lanes in a <see cref="Vector256{T}"/>; see <see cref="ISimdFloat{TSelf}"/>.</summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public readonly struct Simd256 : ISimdFloat<Simd256>
{
    private readonly Vector256<float> _value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Simd256(Vector256<float> value) => _value = value;

    /// <summary>The lanes as a <see cref="Vector256{T}"/>.</summary>
    public Vector256<float> Value => _value;

    public static int Count => Vector256<float>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd256 Create(float value) => new(Vector256.Create(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd256 Load(ref float source, nint index) => new(Vector256.LoadUnsafe(ref source, (nuint)index));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Simd256 value, ref float destination, nint index) => value._value.StoreUnsafe(ref destination, (nuint)index);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd256 operator +(Simd256 left, Simd256 right) => new(left._value + right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd256 operator -(Simd256 left, Simd256 right) => new(left._value - right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd256 operator *(Simd256 left, Simd256 right) => new(left._value * right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd256 operator /(Simd256 left, Simd256 right) => new(left._value / right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd256 operator -(Simd256 value) => new(-value._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Simd256 value) => Vector256.Sum(value._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float GetElement(Simd256 value, int index) => value._value.GetElement(index);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd256 FusedMultiplyAdd(Simd256 a, Simd256 b, Simd256 c) => new(Vector256.FusedMultiplyAdd(a._value, b._value, c._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd256 Min(Simd256 left, Simd256 right) => new(Vector256.Min(left._value, right._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd256 Max(Simd256 left, Simd256 right) => new(Vector256.Max(left._value, right._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd256 MinNative(Simd256 left, Simd256 right) => new(Vector256.MinNative(left._value, right._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd256 MaxNative(Simd256 left, Simd256 right) => new(Vector256.MaxNative(left._value, right._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd256 Abs(Simd256 value) => new(Vector256.Abs(value._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd256 Sqrt(Simd256 value) => new(Vector256.Sqrt(value._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd256 Round(Simd256 value) => new(Vector256.Round(value._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd256 Floor(Simd256 value) => new(Vector256.Floor(value._value));

    /// <summary>A mask of the first <paramref name="count"/> lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd256 FirstLanes(nint count) => new(Vector256.LessThan(Vector256<float>.Indices, Vector256.Create((float)count)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd256 LessThan(Simd256 left, Simd256 right) => new(Vector256.LessThan(left._value, right._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd256 LessThanOrEqual(Simd256 left, Simd256 right) => new(Vector256.LessThanOrEqual(left._value, right._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd256 GreaterThan(Simd256 left, Simd256 right) => new(Vector256.GreaterThan(left._value, right._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd256 GreaterThanOrEqual(Simd256 left, Simd256 right) => new(Vector256.GreaterThanOrEqual(left._value, right._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd256 Equal(Simd256 left, Simd256 right) => new(Vector256.Equals(left._value, right._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd256 NotEqual(Simd256 left, Simd256 right) => new(~Vector256.Equals(left._value, right._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd256 IsNaN(Simd256 value) => new(~Vector256.Equals(value._value, value._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd256 And(Simd256 left, Simd256 right) => new(left._value & right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd256 Or(Simd256 left, Simd256 right) => new(left._value | right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd256 Xor(Simd256 left, Simd256 right) => new(left._value ^ right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd256 AnyBitsSet(Simd256 value, int bits) => new(~Vector256.Equals(value._value.AsInt32() & Vector256.Create(bits), Vector256<int>.Zero).AsSingle());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Any(Simd256 mask) => Vector256.ExtractMostSignificantBits(mask._value) != 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd256 Select(Simd256 mask, Simd256 ifTrue, Simd256 ifFalse) => new(Vector256.ConditionalSelect(mask._value, ifTrue._value, ifFalse._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd256 PowerOfTwo(Simd256 n)
        => new(Vector256.ShiftLeft(Vector256.ConvertToInt32Native(n._value) + Vector256.Create(127), 23).AsSingle());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd256 ScaleByPowerOfTwo(Simd256 x, Simd256 n)
        => Avx512F.VL.IsSupported ? new(Avx512F.VL.Scale(x._value, n._value)) : SimdMath.ScaleInTwoSteps(x, Floor(n));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd256 SixteenthPowerOfTwo(Simd256 bits)
    {
        Vector256<int> index = bits._value.AsInt32();
        if (Avx512F.VL.IsSupported)
        {
            return new(Avx512F.VL.PermuteVar8x32x2(SixteenthPowers.Lower256, index, SixteenthPowers.Upper256));
        }

        if (Avx2.IsSupported)
        {
            // Both halves of the table permuted by the low three bits; the fourth bit, shifted into
            // the sign, picks between them.
            return new(Avx.BlendVariable(
                Avx2.PermuteVar8x32(SixteenthPowers.Lower256, index),
                Avx2.PermuteVar8x32(SixteenthPowers.Upper256, index),
                Vector256.ShiftLeft(index, 28).AsSingle()));
        }

        return new(SixteenthPowers.Lookup(index));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd256 Exponent(Simd256 value)
        => new(Vector256.ConvertToSingle(Vector256.ShiftRightLogical(value._value.AsInt32() & Vector256.Create(0x7F800000), 23) - Vector256.Create(127)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd256 Significand(Simd256 value)
        => new(((value._value.AsInt32() & Vector256.Create(0x007FFFFF)) | Vector256.Create(0x3F800000)).AsSingle());
}
