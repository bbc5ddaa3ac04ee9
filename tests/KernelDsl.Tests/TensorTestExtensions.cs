using System.Numerics.Tensors;

namespace KernelDsl.Tests;

internal static class TensorTestExtensions
{
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
