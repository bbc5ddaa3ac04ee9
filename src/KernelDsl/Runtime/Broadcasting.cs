using System;
using System.Numerics.Tensors;

namespace KernelDsl.Runtime;

/// <summary>NumPy broadcasting for the eager <see cref="Ops"/>.</summary>
internal static class Broadcasting
{
    /// <summary>The broadcast shape of two shapes: aligned from the right, a 1 stretches to the other size.</summary>
    public static nint[] Shape(scoped ReadOnlySpan<nint> left, scoped ReadOnlySpan<nint> right, string rightName)
    {
        int rank = Math.Max(left.Length, right.Length);
        var shape = new nint[rank];
        for (int i = 0; i < rank; i++)
        {
            nint l = i < rank - left.Length ? 1 : left[i - (rank - left.Length)];
            nint r = i < rank - right.Length ? 1 : right[i - (rank - right.Length)];
            if (l != r && l != 1 && r != 1)
            {
                throw new ArgumentException(
                    $"Cannot broadcast shape {KernelArguments.FormatShape(left)} with '{rightName}' of shape {KernelArguments.FormatShape(right)}: dimension {i} is {l} and {r}.",
                    rightName);
            }

            shape[i] = l == 1 ? r : l;
        }

        return shape;
    }

    /// <summary>The elements of <paramref name="tensor"/> broadcast to <paramref name="shape"/>, in row-major order.</summary>
    public static T[] Flatten<T>(Tensor<T> tensor, nint[] shape)
    {
        ReadOnlyTensorSpan<T> source = tensor.Lengths.SequenceEqual(shape) ? tensor : Tensor.Broadcast<T>(tensor, shape);
        var values = new T[source.FlattenedLength];
        source.FlattenTo(values);
        return values;
    }
}
