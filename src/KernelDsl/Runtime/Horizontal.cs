using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;

namespace KernelDsl.Runtime;

/// <summary>
/// Reductions across the lanes of one register, for the end of a generated reduction loop. Max and
/// Min follow <see cref="MathF.Max(float, float)"/>: NaN propagates, as in <c>TensorPrimitives</c>.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public static class Horizontal
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum<V>(V value) where V : struct, ISimdFloat<V> => V.Sum(value);

    public static float Max<V>(V value) where V : struct, ISimdFloat<V> => Tree(value, Operation.Max);

    public static float Min<V>(V value) where V : struct, ISimdFloat<V> => Tree(value, Operation.Min);

    public static float Product<V>(V value) where V : struct, ISimdFloat<V> => Tree(value, Operation.Product);

    private enum Operation
    {
        Max,
        Min,
        Product,
    }

    /// <summary>
    /// Combines the lanes pairwise (a tree of depth log2(Count), not a chain of Count - 1 dependent
    /// steps): at the end of every row of a reduction, so its latency is paid per row.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Tree<V>(V value, Operation operation) where V : struct, ISimdFloat<V>
    {
        Span<float> lanes = stackalloc float[V.Count];
        V.Store(value, ref lanes[0], 0);
        for (int width = V.Count / 2; width >= 1; width /= 2)
        {
            for (int i = 0; i < width; i++)
            {
                float a = lanes[i], b = lanes[i + width];
                lanes[i] = operation switch
                {
                    Operation.Max => MathF.Max(a, b),
                    Operation.Min => MathF.Min(a, b),
                    _ => a * b,
                };
            }
        }

        return lanes[0];
    }
}
