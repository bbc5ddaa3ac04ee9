using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace KernelDsl.Runtime;

/// <summary>
/// Reductions across the lanes of one register, for the end of a generated reduction loop. Max and
/// Min follow <see cref="MathF.Max(float, float)"/>: NaN propagates, as in <c>TensorPrimitives</c>.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public static class Horizontal
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum<V>(V value) where V : struct, ISimdFloat<V> => Tree(value, Operation.Sum);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Max<V>(V value) where V : struct, ISimdFloat<V> => Tree(value, Operation.Max);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Min<V>(V value) where V : struct, ISimdFloat<V> => Tree(value, Operation.Min);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Product<V>(V value) where V : struct, ISimdFloat<V> => Tree(value, Operation.Product);

    private enum Operation
    {
        Sum,
        Max,
        Min,
        Product,
    }

    /// <summary>
    /// Combines the lanes pairwise (a tree of depth log2(Count), not a chain of Count - 1 dependent
    /// steps): at the end of every row of a reduction, so its latency is paid per row. Each level
    /// combines the lower half of the lanes with the upper half, in registers. The pairs are those of
    /// a scalar tree that combines lane i with lane i + width for halving widths, so a product's
    /// rounding is the same; Max and Min are the IEEE 754 vector forms, which, like
    /// <see cref="MathF.Max(float, float)"/>, propagate NaN and order -0 below +0. A scalar tree
    /// through a stack buffer cost a call per row (the JIT does not inline a method that allocates on
    /// the stack) and fifteen scalar steps: a softmax over rows of 64 floats ran 1.4x slower with it.
    /// Sums take the same tree: <c>Vector512.Sum</c> adds within each 128-bit quarter first (about
    /// 26 instructions, a longer chain), and rows of 64 floats ran 3-4% faster this way.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Tree<V>(V value, Operation operation) where V : struct, ISimdFloat<V>
    {
        Vector128<float> quarter;
        if (typeof(V) == typeof(Simd512))
        {
            Vector512<float> whole = Unsafe.As<V, Simd512>(ref value).Value;
            Vector256<float> half = Combine(whole.GetLower(), whole.GetUpper(), operation);
            quarter = Combine(half.GetLower(), half.GetUpper(), operation);
        }
        else if (typeof(V) == typeof(Simd256))
        {
            Vector256<float> whole = Unsafe.As<V, Simd256>(ref value).Value;
            quarter = Combine(whole.GetLower(), whole.GetUpper(), operation);
        }
        else if (typeof(V) == typeof(Simd128))
        {
            quarter = Unsafe.As<V, Simd128>(ref value).Value;
        }
        else
        {
            return Unsafe.As<V, SimdScalar>(ref value).Value; // one lane
        }

        Vector128<float> pairs = Combine(quarter, Vector128.Shuffle(quarter, Vector128.Create(2, 3, 0, 1)), operation);
        return Combine(pairs, Vector128.Shuffle(pairs, Vector128.Create(1, 0, 3, 2)), operation).ToScalar();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Combine(Vector256<float> left, Vector256<float> right, Operation operation) => operation switch
    {
        Operation.Sum => left + right,
        Operation.Max => Vector256.Max(left, right),
        Operation.Min => Vector256.Min(left, right),
        _ => left * right,
    };

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Combine(Vector128<float> left, Vector128<float> right, Operation operation) => operation switch
    {
        Operation.Sum => left + right,
        Operation.Max => Vector128.Max(left, right),
        Operation.Min => Vector128.Min(left, right),
        _ => left * right,
    };
}
