using System.Numerics.Tensors;

namespace KernelDsl.Tests;

internal static class TensorTestExtensions
{
    /// <summary>The elements in row-major order.</summary>
    public static T[] ToArray<T>(this Tensor<T> tensor)
    {
        var values = new T[tensor.FlattenedLength];
        tensor.FlattenTo(values);
        return values;
    }
}
