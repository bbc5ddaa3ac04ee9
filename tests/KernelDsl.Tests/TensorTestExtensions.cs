using System;
using System.Linq;
using System.Numerics.Tensors;

namespace KernelDsl.Tests;

internal static class TensorTestExtensions
{
    /// <summary>A tensor of this shape with values drawn uniformly from [-4, 4).</summary>
    public static Tensor<float> Draw(Random random, params nint[] shape)
    {
        var values = new float[shape.Aggregate((nint)1, (a, b) => a * b)];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (float)(random.NextDouble() * 8 - 4);
        }

        return Tensor.Create(values, shape);
    }

    /// <summary>Where element <paramref name="flat"/> (in row-major order of the indices) of a view with these lengths and strides lies, from its first element.</summary>
    public static nint StridedOffset(nint flat, System.ReadOnlySpan<nint> lengths, System.ReadOnlySpan<nint> strides)
    {
        nint at = 0;
        for (int d = lengths.Length - 1; d >= 0; d--)
        {
            at += flat % lengths[d] * strides[d];
            flat /= lengths[d];
        }

        return at;
    }

    /// <summary>The elements in row-major order.</summary>
    public static T[] ToArray<T>(this Tensor<T> tensor)
    {
        var values = new T[tensor.FlattenedLength];
        tensor.FlattenTo(values);
        return values;
    }
}
