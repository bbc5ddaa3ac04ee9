using System.ComponentModel;

namespace KernelDsl.Runtime;

/// <summary>
/// A SIMD register of <see cref="float"/> lanes, abstracted over its width. Generated kernels and
/// <see cref="VectorMath"/> are written once against this interface; the runtime instantiates them
/// for <see cref="Simd512"/>, <see cref="Simd256"/>, <see cref="Simd128"/> and the one-lane
/// <see cref="SimdScalar"/> (used for tails and on machines without SIMD). Every implementation is a
/// struct whose members inline to the underlying intrinsics, so an instantiation compiles to the
/// same code as hand-written <c>Vector512&lt;float&gt;</c> code.
/// </summary>
/// <remarks>
/// Comparison results are masks: a lane is all ones (true) or all zeros (false), reinterpreted as a
/// float, the convention of <c>System.Runtime.Intrinsics</c>.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public interface ISimdFloat<TSelf> where TSelf : struct, ISimdFloat<TSelf>
{
    /// <summary>The number of float lanes.</summary>
    static abstract int Count { get; }

    /// <summary>All lanes set to <paramref name="value"/>.</summary>
    static abstract TSelf Create(float value);

    /// <summary>Loads <see cref="Count"/> floats starting at <paramref name="source"/>[<paramref name="index"/>].</summary>
    static abstract TSelf Load(ref float source, nint index);

    /// <summary>Stores all lanes to <paramref name="destination"/>[<paramref name="index"/>...].</summary>
    static abstract void Store(TSelf value, ref float destination, nint index);

    static abstract TSelf operator +(TSelf left, TSelf right);
    static abstract TSelf operator -(TSelf left, TSelf right);
    static abstract TSelf operator *(TSelf left, TSelf right);
    static abstract TSelf operator /(TSelf left, TSelf right);
    static abstract TSelf operator -(TSelf value);

    /// <summary>The sum of the lanes.</summary>
    static abstract float Sum(TSelf value);

    /// <summary>Lane <paramref name="index"/>.</summary>
    static abstract float GetElement(TSelf value, int index);

    /// <summary><c>a * b + c</c> with a single rounding.</summary>
    static abstract TSelf FusedMultiplyAdd(TSelf a, TSelf b, TSelf c);

    /// <summary>IEEE 754:2019 minimum: NaN propagates, -0 is less than +0 (as <c>MathF.Min</c>).</summary>
    static abstract TSelf Min(TSelf left, TSelf right);

    /// <summary>IEEE 754:2019 maximum: NaN propagates, +0 is greater than -0 (as <c>MathF.Max</c>).</summary>
    static abstract TSelf Max(TSelf left, TSelf right);

    /// <summary>
    /// The hardware minimum (x86 <c>minps</c>: the second operand when either is NaN or both are
    /// zeros). Cheaper than <see cref="Min"/>; for clamps against constants where NaN is handled
    /// separately.
    /// </summary>
    static abstract TSelf MinNative(TSelf left, TSelf right);

    /// <summary>The hardware maximum (x86 <c>maxps</c>); see <see cref="MinNative"/>.</summary>
    static abstract TSelf MaxNative(TSelf left, TSelf right);

    static abstract TSelf Abs(TSelf value);
    static abstract TSelf Sqrt(TSelf value);

    /// <summary>Rounds to the nearest integer, ties to even.</summary>
    static abstract TSelf Round(TSelf value);

    /// <summary>Rounds toward negative infinity.</summary>
    static abstract TSelf Floor(TSelf value);

    static abstract TSelf LessThan(TSelf left, TSelf right);
    static abstract TSelf LessThanOrEqual(TSelf left, TSelf right);
    static abstract TSelf GreaterThan(TSelf left, TSelf right);
    static abstract TSelf GreaterThanOrEqual(TSelf left, TSelf right);
    static abstract TSelf Equal(TSelf left, TSelf right);

    /// <summary>True where the lanes differ, including where either is NaN (as the <c>!=</c> operator).</summary>
    static abstract TSelf NotEqual(TSelf left, TSelf right);

    static abstract TSelf IsNaN(TSelf value);
    static abstract TSelf And(TSelf left, TSelf right);
    static abstract TSelf Or(TSelf left, TSelf right);
    static abstract TSelf Xor(TSelf left, TSelf right);

    /// <summary>A mask of the lanes whose bit pattern has any of <paramref name="bits"/> set (an integer test, so exact for any pattern).</summary>
    static abstract TSelf AnyBitsSet(TSelf value, int bits);

    /// <summary>Whether any lane of <paramref name="mask"/> is set: for a branch to a rarely taken path.</summary>
    static abstract bool Any(TSelf mask);

    /// <summary>Where <paramref name="mask"/> is all ones, <paramref name="ifTrue"/>; else <paramref name="ifFalse"/>.</summary>
    static abstract TSelf Select(TSelf mask, TSelf ifTrue, TSelf ifFalse);

    /// <summary>A mask of the first <paramref name="count"/> lanes (all ones there, zero in the others).</summary>
    static abstract TSelf FirstLanes(nint count);

    /// <summary>2^n for lanes holding integers n in [-126, 127] (other lanes give unspecified results).</summary>
    static abstract TSelf PowerOfTwo(TSelf n);

    /// <summary>
    /// x·2^⌊n⌋ for lanes of <paramref name="n"/> whose floor is in [-252, 254], rounded once (so a
    /// subnormal result is correctly rounded, and every width gives the same bits). The floor is the
    /// definition of x86 <c>vscalefps</c>, so with AVX-512 this is one instruction.
    /// </summary>
    static abstract TSelf ScaleByPowerOfTwo(TSelf x, TSelf n);

    /// <summary>
    /// 2^(j/16) for j the low four bits of each lane's bit pattern: the table of <see cref="VectorMath.Exp{V}"/>,
    /// looked up with one permute where the width has one (<c>SixteenthPowers</c>).
    /// </summary>
    static abstract TSelf SixteenthPowerOfTwo(TSelf bits);

    /// <summary>The unbiased binary exponent of normal, finite, non-zero lanes, as a float.</summary>
    static abstract TSelf Exponent(TSelf value);

    /// <summary>The significand of normal, finite, non-zero lanes, scaled into [1, 2).</summary>
    static abstract TSelf Significand(TSelf value);
}
