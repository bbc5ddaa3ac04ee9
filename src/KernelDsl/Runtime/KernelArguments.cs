using System;
using System.ComponentModel;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Text;

namespace KernelDsl.Runtime;

/// <summary>
/// Argument checks shared by the generated kernel entry points. Each failure is an
/// <see cref="ArgumentException"/> whose <see cref="ArgumentException.ParamName"/> is the offending
/// parameter and whose message names both sizes.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public static class KernelArguments
{
    /// <summary>Throws unless the input has as many elements as the destination.</summary>
    public static void RequireSameLength(int inputLength, string inputName, int destinationLength, string destinationName)
    {
        if (inputLength != destinationLength)
        {
            throw new ArgumentException(
                $"'{inputName}' has {inputLength} elements but '{destinationName}' has {destinationLength}; an elementwise kernel needs every tensor argument to have the destination's length.",
                inputName);
        }
    }

    /// <summary>
    /// Throws if <paramref name="input"/> and <paramref name="destination"/> share memory without
    /// being exactly the same memory. In-place use (the same span for both) is allowed.
    /// </summary>
    public static void RequireNoPartialOverlap(ReadOnlySpan<float> input, string inputName, ReadOnlySpan<float> destination, string destinationName)
    {
        if (input.Overlaps(destination, out int offset) && (offset != 0 || input.Length != destination.Length))
        {
            throw new ArgumentException(
                $"'{destinationName}' partially overlaps '{inputName}' (they start {offset} elements apart); pass the same memory to compute in place, or memory that does not overlap.",
                destinationName);
        }
    }

    /// <summary>Throws unless the input has the shape of the destination.</summary>
    public static void RequireSameShape(scoped ReadOnlySpan<nint> inputLengths, string inputName, scoped ReadOnlySpan<nint> destinationLengths, string destinationName)
    {
        if (!inputLengths.SequenceEqual(destinationLengths))
        {
            throw new ArgumentException(
                $"'{inputName}' has shape {FormatShape(inputLengths)} but '{destinationName}' has shape {FormatShape(destinationLengths)}; an elementwise kernel needs every tensor argument to have the destination's shape.",
                inputName);
        }
    }

    /// <summary>The elements of a dense tensor span as a span; throws for strided views and for more than <see cref="int.MaxValue"/> elements.</summary>
    public static ReadOnlySpan<float> AsSpan(in ReadOnlyTensorSpan<float> tensor, string name)
    {
        int length = CheckedDenseLength(tensor.IsDense, tensor.FlattenedLength, tensor.Strides, name);
        return length == 0 ? default : MemoryMarshal.CreateReadOnlySpan(in tensor.GetPinnableReference(), length);
    }

    /// <summary>The elements of a dense tensor span as a span; throws for strided views and for more than <see cref="int.MaxValue"/> elements.</summary>
    public static Span<float> AsSpan(in TensorSpan<float> tensor, string name)
    {
        int length = CheckedDenseLength(tensor.IsDense, tensor.FlattenedLength, tensor.Strides, name);
        return length == 0 ? default : MemoryMarshal.CreateSpan(ref tensor.GetPinnableReference(), length);
    }

    /// <summary>Formats a shape as <c>[2, 3]</c>.</summary>
    public static string FormatShape(scoped ReadOnlySpan<nint> lengths)
    {
        var text = new StringBuilder("[");
        for (int i = 0; i < lengths.Length; i++)
        {
            text.Append(i == 0 ? "" : ", ").Append(lengths[i]);
        }

        return text.Append(']').ToString();
    }

    private static int CheckedDenseLength(bool isDense, nint flattenedLength, scoped ReadOnlySpan<nint> strides, string name)
    {
        if (flattenedLength == 0)
        {
            return 0;
        }

        if (!isDense)
        {
            throw new ArgumentException(
                $"'{name}' is a strided view (strides {FormatShape(strides)}), not dense memory; fused kernels read tensors in row-major order, so copy it to a dense tensor first (for example with ToDenseTensor()).",
                name);
        }

        if (flattenedLength > int.MaxValue)
        {
            throw new ArgumentException($"'{name}' has {flattenedLength} elements; fused kernels support at most {int.MaxValue}.", name);
        }

        return (int)flattenedLength;
    }
}
