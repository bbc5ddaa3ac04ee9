using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace KernelDsl.Runtime;

/// <summary>Four float lanes in a <see cref="Vector128{T}"/>; see <see cref="ISimdFloat{TSelf}"/>.</summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public readonly struct Simd128 : ISimdFloat<Simd128>
{
    private readonly Vector128<float> _value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Simd128(Vector128<float> value) => _value = value;

    /// <summary>The lanes as a <see cref="Vector128{T}"/>.</summary>
    public Vector128<float> Value => _value;

    public static int Count => Vector128<float>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd128 Create(float value) => new(Vector128.Create(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd128 Load(ref float source, nint index) => new(Vector128.LoadUnsafe(ref source, (nuint)index));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Simd128 value, ref float destination, nint index) => value._value.StoreUnsafe(ref destination, (nuint)index);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd128 operator +(Simd128 left, Simd128 right) => new(left._value + right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd128 operator -(Simd128 left, Simd128 right) => new(left._value - right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd128 operator *(Simd128 left, Simd128 right) => new(left._value * right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd128 operator /(Simd128 left, Simd128 right) => new(left._value / right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd128 operator -(Simd128 value) => new(-value._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Simd128 value) => Vector128.Sum(value._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float GetElement(Simd128 value, int index) => value._value.GetElement(index);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd128 FusedMultiplyAdd(Simd128 a, Simd128 b, Simd128 c) => new(FusedMultiplyAdds.MultiplyAdd(a._value, b._value, c._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd128 Min(Simd128 left, Simd128 right) => new(Vector128.Min(left._value, right._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd128 Max(Simd128 left, Simd128 right) => new(Vector128.Max(left._value, right._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd128 MinNative(Simd128 left, Simd128 right) => new(Vector128.MinNative(left._value, right._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd128 MaxNative(Simd128 left, Simd128 right) => new(Vector128.MaxNative(left._value, right._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd128 Abs(Simd128 value) => new(Vector128.Abs(value._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd128 Sqrt(Simd128 value) => new(Vector128.Sqrt(value._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd128 Round(Simd128 value) => new(Vector128.Round(value._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd128 Floor(Simd128 value) => new(Vector128.Floor(value._value));

    /// <summary>A mask of the first <paramref name="count"/> lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd128 FirstLanes(nint count) => new(Vector128.LessThan(Vector128<float>.Indices, Vector128.Create((float)count)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd128 LessThan(Simd128 left, Simd128 right) => new(Vector128.LessThan(left._value, right._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd128 LessThanOrEqual(Simd128 left, Simd128 right) => new(Vector128.LessThanOrEqual(left._value, right._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd128 GreaterThan(Simd128 left, Simd128 right) => new(Vector128.GreaterThan(left._value, right._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd128 GreaterThanOrEqual(Simd128 left, Simd128 right) => new(Vector128.GreaterThanOrEqual(left._value, right._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd128 Equal(Simd128 left, Simd128 right) => new(Vector128.Equals(left._value, right._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd128 NotEqual(Simd128 left, Simd128 right) => new(~Vector128.Equals(left._value, right._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd128 IsNaN(Simd128 value) => new(~Vector128.Equals(value._value, value._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd128 And(Simd128 left, Simd128 right) => new(left._value & right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd128 Or(Simd128 left, Simd128 right) => new(left._value | right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd128 Xor(Simd128 left, Simd128 right) => new(left._value ^ right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd128 AnyBitsSet(Simd128 value, int bits) => new(~Vector128.Equals(value._value.AsInt32() & Vector128.Create(bits), Vector128<int>.Zero).AsSingle());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Any(Simd128 mask) => Vector128.ExtractMostSignificantBits(mask._value) != 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd128 Select(Simd128 mask, Simd128 ifTrue, Simd128 ifFalse) => new(Vector128.ConditionalSelect(mask._value, ifTrue._value, ifFalse._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd128 PowerOfTwo(Simd128 n)
        => new(Vector128.ShiftLeft(Vector128.ConvertToInt32Native(n._value) + Vector128.Create(127), 23).AsSingle());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd128 ScaleByPowerOfTwo(Simd128 x, Simd128 n)
        => Avx512F.VL.IsSupported ? new(Avx512F.VL.Scale(x._value, n._value)) : SimdMath.ScaleInTwoSteps(x, Floor(n));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd128 SixteenthPowerOfTwo(Simd128 bits) => new(SixteenthPowers.Lookup(bits._value.AsInt32()));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd128 Exponent(Simd128 value)
        => new(Vector128.ConvertToSingle(Vector128.ShiftRightLogical(value._value.AsInt32() & Vector128.Create(0x7F800000), 23) - Vector128.Create(127)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd128 Significand(Simd128 value)
        => new(((value._value.AsInt32() & Vector128.Create(0x007FFFFF)) | Vector128.Create(0x3F800000)).AsSingle());
}
