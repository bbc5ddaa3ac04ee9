using System;
using System.ComponentModel;

namespace KernelDsl.Runtime;

/// <summary>Copies a strided view (a transpose) into dense row-major memory.</summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public static class StridedCopy
{
    /// <summary>
    /// destination[i0, i1, ...] = source[i0·strides[0] + i1·strides[1] + ...] for every index of
    /// <paramref name="lengths"/>; the destination is dense.
    /// </summary>
    public static void Run(ReadOnlySpan<float> source, scoped ReadOnlySpan<nint> lengths, scoped ReadOnlySpan<nint> strides, Span<float> destination)
    {
        if (lengths.Length != strides.Length || lengths.Length == 0)
        {
            throw new ArgumentException($"A copy needs one stride per dimension: {lengths.Length} lengths, {strides.Length} strides.", nameof(strides));
        }

        nint count = 1, last = 0;
        for (int d = 0; d < lengths.Length; d++)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(lengths[d], nameof(lengths));
            ArgumentOutOfRangeException.ThrowIfNegative(strides[d], nameof(strides));
            count *= lengths[d];
            last += (lengths[d] - 1) * strides[d];
        }

        if (count == 0)
        {
            return;
        }

        if (last >= source.Length || count > destination.Length)
        {
            throw new ArgumentException($"The copy addresses element {last} of a source of {source.Length} and writes {count} elements to a destination of {destination.Length}.");
        }

        int rank = lengths.Length;
        Span<nint> index = stackalloc nint[rank];
        nint offset = 0;
        nint inner = lengths[rank - 1], innerStride = strides[rank - 1];
        for (nint written = 0; written < count; written += inner)
        {
            Span<float> row = destination.Slice((int)written, (int)inner);
            for (int j = 0; j < row.Length; j++)
            {
                row[j] = source[(int)(offset + j * innerStride)];
            }

            for (int d = rank - 2; d >= 0; d--)
            {
                offset += strides[d];
                if (++index[d] < lengths[d])
                {
                    break;
                }

                offset -= lengths[d] * strides[d];
                index[d] = 0;
            }
        }
    }
}
