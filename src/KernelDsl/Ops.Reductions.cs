using System;
using System.Numerics.Tensors;

namespace KernelDsl;

public static partial class Ops
{
    /// <summary>The sum along <paramref name="axis"/> (negative counts from the end); 0 over an empty axis.</summary>
    public static Tensor<float> Sum(Tensor<float> x, int axis, bool keepDims = false) => Reduce(x, [axis], keepDims, Reduction.Sum);

    /// <summary>The sum along each of <paramref name="axes"/>.</summary>
    public static Tensor<float> Sum(Tensor<float> x, int[] axes, bool keepDims = false) => Reduce(x, axes, keepDims, Reduction.Sum);

    /// <summary>The mean along <paramref name="axis"/>; NaN over an empty axis.</summary>
    public static Tensor<float> Mean(Tensor<float> x, int axis, bool keepDims = false) => Reduce(x, [axis], keepDims, Reduction.Mean);

    /// <summary>The mean along each of <paramref name="axes"/>.</summary>
    public static Tensor<float> Mean(Tensor<float> x, int[] axes, bool keepDims = false) => Reduce(x, axes, keepDims, Reduction.Mean);

    /// <summary>The product along <paramref name="axis"/>; 1 over an empty axis.</summary>
    public static Tensor<float> Prod(Tensor<float> x, int axis, bool keepDims = false) => Reduce(x, [axis], keepDims, Reduction.Prod);

    /// <summary>The product along each of <paramref name="axes"/>.</summary>
    public static Tensor<float> Prod(Tensor<float> x, int[] axes, bool keepDims = false) => Reduce(x, axes, keepDims, Reduction.Prod);

    /// <summary>
    /// The maximum along <paramref name="axis"/> (NaN if any element is NaN; -∞ over an empty axis).
    /// <paramref name="keepDims"/> has no default so that <c>Max(x, 0)</c> stays the elementwise maximum with 0.
    /// </summary>
    public static Tensor<float> Max(Tensor<float> x, int axis, bool keepDims) => Reduce(x, [axis], keepDims, Reduction.Max);

    /// <summary>The maximum along each of <paramref name="axes"/>.</summary>
    public static Tensor<float> Max(Tensor<float> x, int[] axes, bool keepDims) => Reduce(x, axes, keepDims, Reduction.Max);

    /// <summary>The minimum along <paramref name="axis"/> (NaN if any element is NaN; +∞ over an empty axis); see <see cref="Max(Tensor{float}, int, bool)"/>.</summary>
    public static Tensor<float> Min(Tensor<float> x, int axis, bool keepDims) => Reduce(x, [axis], keepDims, Reduction.Min);

    /// <summary>The minimum along each of <paramref name="axes"/>.</summary>
    public static Tensor<float> Min(Tensor<float> x, int[] axes, bool keepDims) => Reduce(x, axes, keepDims, Reduction.Min);

    private enum Reduction
    {
        Sum,
        Mean,
        Prod,
        Max,
        Min,
    }

    private static Tensor<float> Reduce(Tensor<float> x, int[] axes, bool keepDims, Reduction reduction)
    {
        Checked(x);
        ArgumentNullException.ThrowIfNull(axes);
        int rank = x.Rank;
        bool[] reduced = NormalizeAxes(axes, rank);
        nint[] keptLengths = new nint[rank];
        nint count = 1;
        for (int d = 0; d < rank; d++)
        {
            keptLengths[d] = reduced[d] ? 1 : x.Lengths[d];
            count *= reduced[d] ? x.Lengths[d] : 1;
        }

        float identity = reduction switch
        {
            Reduction.Prod => 1f,
            Reduction.Max => float.NegativeInfinity,
            Reduction.Min => float.PositiveInfinity,
            _ => 0f,
        };
        float[] values = Runtime.Broadcasting.Flatten(x, x.Lengths.ToArray());
        float[] result = new float[ShapeSize(keptLengths)];
        Array.Fill(result, identity);

        // Walk x in row-major order; the output index is x's index with the reduced axes at 0.
        var index = new nint[rank];
        for (int i = 0; i < values.Length; i++)
        {
            nint target = 0;
            for (int d = 0; d < rank; d++)
            {
                target = target * keptLengths[d] + (reduced[d] ? 0 : index[d]);
            }

            float v = values[i];
            result[target] = reduction switch
            {
                Reduction.Prod => result[target] * v,
                Reduction.Max => MathF.Max(result[target], v),
                Reduction.Min => MathF.Min(result[target], v),
                _ => result[target] + v,
            };

            for (int d = rank - 1; d >= 0 && ++index[d] == x.Lengths[d]; d--)
            {
                index[d] = 0;
            }
        }

        if (reduction == Reduction.Mean)
        {
            for (int i = 0; i < result.Length; i++)
            {
                result[i] /= count;
            }
        }

        return Tensor.Create(result, keepDims ? keptLengths : Squeezed(x.Lengths, reduced));
    }

    /// <summary>Which axes of a rank-<paramref name="rank"/> tensor <paramref name="axes"/> names; negative axes count from the end.</summary>
    private static bool[] NormalizeAxes(int[] axes, int rank)
    {
        if (axes.Length == 0)
        {
            throw new ArgumentException("Name at least one axis to reduce.", nameof(axes));
        }

        var reduced = new bool[rank];
        foreach (int axis in axes)
        {
            int normalized = axis < 0 ? axis + rank : axis;
            if (normalized < 0 || normalized >= rank)
            {
                throw new ArgumentOutOfRangeException(nameof(axes), axis, $"Axis {axis} is out of range for a tensor of rank {rank} (valid: -{rank} to {rank - 1}).");
            }

            if (reduced[normalized])
            {
                throw new ArgumentException($"Axis {axis} is named twice.", nameof(axes));
            }

            reduced[normalized] = true;
        }

        return reduced;
    }

    /// <summary>The lengths without the reduced axes; [1] when nothing is left (tensors here have rank at least 1).</summary>
    private static nint[] Squeezed(ReadOnlySpan<nint> lengths, bool[] reduced)
    {
        var kept = new System.Collections.Generic.List<nint>();
        for (int d = 0; d < lengths.Length; d++)
        {
            if (!reduced[d])
            {
                kept.Add(lengths[d]);
            }
        }

        return kept.Count == 0 ? [1] : kept.ToArray();
    }

    private static nint ShapeSize(ReadOnlySpan<nint> lengths)
    {
        nint size = 1;
        foreach (nint length in lengths)
        {
            size *= length;
        }

        return size;
    }
}
