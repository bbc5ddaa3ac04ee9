using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace KernelDsl.Runtime;

/// <summary>Sixteen float lanes in a <see cref="Vector512{T}"/>; see <see cref="ISimdFloat{TSelf}"/>.</summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public readonly struct Simd512 : ISimdFloat<Simd512>
{
    private readonly Vector512<float> _value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Simd512(Vector512<float> value) => _value = value;

    /// <summary>The lanes as a <see cref="Vector512{T}"/>.</summary>
    public Vector512<float> Value => _value;

    public static int Count => Vector512<float>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd512 Create(float value) => new(Vector512.Create(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd512 Load(ref float source, nint index) => new(Vector512.LoadUnsafe(ref source, (nuint)index));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Simd512 value, ref float destination, nint index) => value._value.StoreUnsafe(ref destination, (nuint)index);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd512 operator +(Simd512 left, Simd512 right) => new(left._value + right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd512 operator -(Simd512 left, Simd512 right) => new(left._value - right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd512 operator *(Simd512 left, Simd512 right) => new(left._value * right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd512 operator /(Simd512 left, Simd512 right) => new(left._value / right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd512 operator -(Simd512 value) => new(-value._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Simd512 value) => Vector512.Sum(value._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float GetElement(Simd512 value, int index) => value._value.GetElement(index);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd512 FusedMultiplyAdd(Simd512 a, Simd512 b, Simd512 c) => new(Vector512.FusedMultiplyAdd(a._value, b._value, c._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd512 Min(Simd512 left, Simd512 right) => new(Vector512.Min(left._value, right._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd512 Max(Simd512 left, Simd512 right) => new(Vector512.Max(left._value, right._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd512 MinNative(Simd512 left, Simd512 right) => new(Vector512.MinNative(left._value, right._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd512 MaxNative(Simd512 left, Simd512 right) => new(Vector512.MaxNative(left._value, right._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd512 Abs(Simd512 value) => new(Vector512.Abs(value._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd512 Sqrt(Simd512 value) => new(Vector512.Sqrt(value._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd512 Round(Simd512 value) => new(Vector512.Round(value._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd512 Floor(Simd512 value) => new(Vector512.Floor(value._value));

    /// <summary>A mask of the first <paramref name="count"/> lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd512 FirstLanes(nint count) => new(Vector512.LessThan(Vector512<float>.Indices, Vector512.Create((float)count)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd512 LessThan(Simd512 left, Simd512 right) => new(Vector512.LessThan(left._value, right._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd512 LessThanOrEqual(Simd512 left, Simd512 right) => new(Vector512.LessThanOrEqual(left._value, right._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd512 GreaterThan(Simd512 left, Simd512 right) => new(Vector512.GreaterThan(left._value, right._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd512 GreaterThanOrEqual(Simd512 left, Simd512 right) => new(Vector512.GreaterThanOrEqual(left._value, right._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd512 Equal(Simd512 left, Simd512 right) => new(Vector512.Equals(left._value, right._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd512 NotEqual(Simd512 left, Simd512 right) => new(~Vector512.Equals(left._value, right._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd512 IsNaN(Simd512 value) => new(~Vector512.Equals(value._value, value._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd512 And(Simd512 left, Simd512 right) => new(left._value & right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd512 Or(Simd512 left, Simd512 right) => new(left._value | right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd512 Xor(Simd512 left, Simd512 right) => new(left._value ^ right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd512 AnyBitsSet(Simd512 value, int bits) => new(~Vector512.Equals(value._value.AsInt32() & Vector512.Create(bits), Vector512<int>.Zero).AsSingle());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Any(Simd512 mask) => Vector512.ExtractMostSignificantBits(mask._value) != 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd512 Select(Simd512 mask, Simd512 ifTrue, Simd512 ifFalse) => new(Vector512.ConditionalSelect(mask._value, ifTrue._value, ifFalse._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd512 PowerOfTwo(Simd512 n)
        => new(Vector512.ShiftLeft(Vector512.ConvertToInt32Native(n._value) + Vector512.Create(127), 23).AsSingle());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd512 ScaleByPowerOfTwo(Simd512 x, Simd512 n)
        => Avx512F.IsSupported ? new(Avx512F.Scale(x._value, n._value)) : SimdMath.ScaleInTwoSteps(x, Floor(n));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd512 SixteenthPowerOfTwo(Simd512 bits)
        => Avx512F.IsSupported
            ? new(Avx512F.PermuteVar16x32(SixteenthPowers.Table512, bits._value.AsInt32()))
            : new(SixteenthPowers.Lookup(bits._value.AsInt32()));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd512 Exponent(Simd512 value)
        => new(Vector512.ConvertToSingle(Vector512.ShiftRightLogical(value._value.AsInt32() & Vector512.Create(0x7F800000), 23) - Vector512.Create(127)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd512 Significand(Simd512 value)
        => new(((value._value.AsInt32() & Vector512.Create(0x007FFFFF)) | Vector512.Create(0x3F800000)).AsSingle());
}
