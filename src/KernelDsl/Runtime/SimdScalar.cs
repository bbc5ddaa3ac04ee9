using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;

namespace KernelDsl.Runtime;

/// <summary>
/// One float lane: the scalar instantiation of <see cref="ISimdFloat{TSelf}"/>. Kernels use it for the
/// elements left after the last full vector and where no SIMD is accelerated, so the tail runs the
/// very same algorithm (and gives bit-identical results) as the vector lanes.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public readonly struct SimdScalar : ISimdFloat<SimdScalar>
{
    private const int AllOnes = -1;
    private readonly float _value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private SimdScalar(float value) => _value = value;

    /// <summary>The lane's value.</summary>
    public float Value => _value;

    public static int Count => 1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdScalar Create(float value) => new(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdScalar Load(ref float source, nint index) => new(Unsafe.Add(ref source, index));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(SimdScalar value, ref float destination, nint index) => Unsafe.Add(ref destination, index) = value._value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdScalar operator +(SimdScalar left, SimdScalar right) => new(left._value + right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdScalar operator -(SimdScalar left, SimdScalar right) => new(left._value - right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdScalar operator *(SimdScalar left, SimdScalar right) => new(left._value * right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdScalar operator /(SimdScalar left, SimdScalar right) => new(left._value / right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdScalar operator -(SimdScalar value) => new(-value._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(SimdScalar value) => value._value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float GetElement(SimdScalar value, int index) => value._value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdScalar FusedMultiplyAdd(SimdScalar a, SimdScalar b, SimdScalar c) => new(FusedMultiplyAdds.MultiplyAdd(a._value, b._value, c._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdScalar Min(SimdScalar left, SimdScalar right) => new(MathF.Min(left._value, right._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdScalar Max(SimdScalar left, SimdScalar right) => new(MathF.Max(left._value, right._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdScalar MinNative(SimdScalar left, SimdScalar right) => left._value < right._value ? left : right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdScalar MaxNative(SimdScalar left, SimdScalar right) => left._value > right._value ? left : right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdScalar Abs(SimdScalar value) => new(MathF.Abs(value._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdScalar Sqrt(SimdScalar value) => new(MathF.Sqrt(value._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdScalar Round(SimdScalar value) => new(MathF.Round(value._value, MidpointRounding.ToEven));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdScalar Floor(SimdScalar value) => new(MathF.Floor(value._value));

    /// <summary>A mask of the first <paramref name="count"/> lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdScalar FirstLanes(nint count) => Mask(count > 0);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdScalar LessThan(SimdScalar left, SimdScalar right) => Mask(left._value < right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdScalar LessThanOrEqual(SimdScalar left, SimdScalar right) => Mask(left._value <= right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdScalar GreaterThan(SimdScalar left, SimdScalar right) => Mask(left._value > right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdScalar GreaterThanOrEqual(SimdScalar left, SimdScalar right) => Mask(left._value >= right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdScalar Equal(SimdScalar left, SimdScalar right) => Mask(left._value == right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdScalar NotEqual(SimdScalar left, SimdScalar right) => Mask(left._value != right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdScalar IsNaN(SimdScalar value) => Mask(float.IsNaN(value._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdScalar And(SimdScalar left, SimdScalar right) => FromBits(Bits(left) & Bits(right));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdScalar Or(SimdScalar left, SimdScalar right) => FromBits(Bits(left) | Bits(right));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdScalar Xor(SimdScalar left, SimdScalar right) => FromBits(Bits(left) ^ Bits(right));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdScalar AnyBitsSet(SimdScalar value, int bits) => Mask((Bits(value) & bits) != 0);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Any(SimdScalar mask) => Bits(mask) < 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdScalar Select(SimdScalar mask, SimdScalar ifTrue, SimdScalar ifFalse)
        => FromBits((Bits(mask) & Bits(ifTrue)) | (~Bits(mask) & Bits(ifFalse)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdScalar PowerOfTwo(SimdScalar n) => FromBits(((int)n._value + 127) << 23);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdScalar ScaleByPowerOfTwo(SimdScalar x, SimdScalar n) => SimdMath.ScaleInTwoSteps(x, Floor(n));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdScalar SixteenthPowerOfTwo(SimdScalar bits) => new(SixteenthPowers.Values[Bits(bits) & 15]);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdScalar Exponent(SimdScalar value) => new((float)(((Bits(value) & 0x7F800000) >>> 23) - 127));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdScalar Significand(SimdScalar value) => FromBits((Bits(value) & 0x007FFFFF) | 0x3F800000);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static SimdScalar Mask(bool condition) => FromBits(condition ? AllOnes : 0);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Bits(SimdScalar value) => BitConverter.SingleToInt32Bits(value._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static SimdScalar FromBits(int bits) => new(BitConverter.Int32BitsToSingle(bits));
}
