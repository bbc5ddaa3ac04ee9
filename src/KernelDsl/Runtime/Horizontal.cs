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

    public static float Max<V>(V value) where V : struct, ISimdFloat<V>
    {
        float result = V.GetElement(value, 0);
        for (int i = 1; i < V.Count; i++)
        {
            result = MathF.Max(result, V.GetElement(value, i));
        }

        return result;
    }

    public static float Min<V>(V value) where V : struct, ISimdFloat<V>
    {
        float result = V.GetElement(value, 0);
        for (int i = 1; i < V.Count; i++)
        {
            result = MathF.Min(result, V.GetElement(value, i));
        }

        return result;
    }

    public static float Product<V>(V value) where V : struct, ISimdFloat<V>
    {
        float result = V.GetElement(value, 0);
        for (int i = 1; i < V.Count; i++)
        {
            result *= V.GetElement(value, i);
        }

        return result;
    }
}
