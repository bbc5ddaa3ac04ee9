using System;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace KernelDsl.Runtime;

/// <summary>
/// Where each operand's rows start in an N-d iteration space of <c>outer dimensions × row</c>:
/// the outer lengths, and for each input its stride along every outer dimension and along the row
/// (0 where the input is broadcast). Built once per call from pinned pointers; immutable after.
/// </summary>
internal unsafe struct RowLayout
{
    public const int MaxOuterRank = 8;

    public int OuterRank;
    public int InputCount;
    public nint Rows;
    public nint RowLength;
    public float* Destination;

    /// <summary>The destination's stride along each outer dimension (its rows are contiguous).</summary>
    public Lengths DestinationStrides;
    public Lengths OuterLengths;
    public Pointers Inputs;
    public Lengths InnerStrides;
    public StrideTable OuterStrides;

    /// <summary>
    /// Validates and records one input: <paramref name="strides"/> holds one stride per outer
    /// dimension then the row stride (0 or 1), and every element it addresses must lie in
    /// <paramref name="length"/> floats.
    /// </summary>
    public void AddInput(float* data, nint length, ReadOnlySpan<nint> strides, string name)
    {
        // The messages are built in methods of their own (never inlined): this body is the checks alone.
        if (strides.Length != OuterRank + 1)
        {
            ThrowStrideCount(name, strides.Length, OuterRank + 1);
        }

        nint inner = strides[OuterRank];
        if (inner is not 0 and not 1)
        {
            ThrowRowStride(name, inner);
        }

        // The furthest element read, so a stride that does not fit the buffer is an error, not a stray read.
        nint last = 0;
        bool empty = RowLength == 0;
        for (int d = 0; d < OuterRank; d++)
        {
            if (strides[d] < 0)
            {
                ThrowNegativeStride(name, strides[d], d);
            }

            empty |= OuterLengths[d] == 0;
            last += (OuterLengths[d] - 1) * strides[d];
        }

        last += (RowLength - 1) * inner;
        if (!empty && last >= length)
        {
            ThrowPastBuffer(name, length, last);
        }

        int k = InputCount++;
        Inputs[k] = (nint)data;
        InnerStrides[k] = inner;
        for (int d = 0; d < OuterRank; d++)
        {
            OuterStrides[k * MaxOuterRank + d] = strides[d];
        }
    }

    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowStrideCount(string name, int count, int rank)
        => throw new ArgumentException($"{name} has {count} strides for an iteration space of rank {rank}.", name);

    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowRowStride(string name, nint stride)
        => throw new ArgumentException($"{name} has stride {stride} along its last dimension; fused kernels read rows that are contiguous (stride 1) or broadcast (stride 0). Copy it to a dense tensor first.", name);

    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowDestinationRowStride(string name, nint stride)
        => throw new ArgumentException($"{name} has stride {stride} along its rows; a kernel writes rows that are contiguous (stride 1).", name);

    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowNegativeStride(string name, nint stride, int dimension)
        => throw new ArgumentException($"{name} has negative stride {stride} in dimension {dimension}.", name);

    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowPastBuffer(string name, nint length, nint last)
        => throw new ArgumentException($"{name} holds {length} elements but its shape and strides address element {last}.", name);

    /// <summary>The operands of row <paramref name="row"/>, starting <paramref name="offset"/> elements into it.</summary>
    public readonly KernelOperands Row(nint row, nint offset)
    {
        KernelOperands operands = default;
        PointAtRow(ref operands, row, offset);
        return operands;
    }

    /// <summary>Retargets <paramref name="operands"/>, in place, at row <paramref name="row"/> from <paramref name="offset"/> elements into it (see <see cref="KernelOperands.SetInput"/>).</summary>
    public readonly void PointAtRow(ref KernelOperands operands, nint row, nint offset)
    {
        for (int k = 0; k < InputCount; k++)
        {
            KernelOperands.SetInput(ref operands, k, Inputs[k] + (RowOffset(k, row) + offset * InnerStrides[k]) * sizeof(float));
        }

        KernelOperands.SetDestination(ref operands, Destination + DestinationOffset(row) + offset);
    }

    /// <summary>
    /// Rows of the destination <paramref name="rowStride"/> elements apart, row-major over the outer
    /// dimensions (the row length for a dense destination, 1 for one value per row).
    /// </summary>
    public void SetEvenlySpacedDestination(nint rowStride)
    {
        for (int d = OuterRank - 1; d >= 0; d--)
        {
            DestinationStrides[d] = rowStride;
            rowStride *= OuterLengths[d];
        }
    }

    /// <summary>
    /// Records the destination's strides (one per outer dimension, then along the row) and returns
    /// how many elements from its first the destination must hold; throws for a negative stride or
    /// rows that are not contiguous.
    /// </summary>
    public nint SetDestinationStrides(ReadOnlySpan<nint> strides, string name)
    {
        if (strides.Length != OuterRank + 1)
        {
            ThrowStrideCount(name, strides.Length, OuterRank + 1);
        }

        if (RowLength > 1 && strides[OuterRank] != 1)
        {
            ThrowDestinationRowStride(name, strides[OuterRank]);
        }

        nint last = RowLength - 1;
        for (int d = 0; d < OuterRank; d++)
        {
            if (strides[d] < 0)
            {
                ThrowNegativeStride(name, strides[d], d);
            }

            DestinationStrides[d] = strides[d];
            last += (OuterLengths[d] - 1) * strides[d];
        }

        return last + 1;
    }

    /// <summary>The element offset of the destination's row <paramref name="row"/> (row-major over the outer dimensions).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly nint DestinationOffset(nint row) => Offset(row, DestinationStrides);

    /// <summary>The element offset of input <paramref name="k"/>'s row <paramref name="row"/> (row-major over the outer dimensions).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly nint RowOffset(int k, nint row) => Offset(row, ((ReadOnlySpan<nint>)OuterStrides).Slice(k * MaxOuterRank, MaxOuterRank));

    /// <summary>The element offset of input <paramref name="k"/>'s row at outer index <paramref name="index"/> (one digit per outer dimension).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly nint OuterOffset(int k, scoped ReadOnlySpan<nint> index) => Dot(index, ((ReadOnlySpan<nint>)OuterStrides).Slice(k * MaxOuterRank, MaxOuterRank));

    /// <summary>The element offset of the destination's row at outer index <paramref name="index"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly nint DestinationOuterOffset(scoped ReadOnlySpan<nint> index) => Dot(index, DestinationStrides);

    private static nint Dot(scoped ReadOnlySpan<nint> index, scoped ReadOnlySpan<nint> strides)
    {
        nint offset = 0;
        for (int d = 0; d < index.Length; d++)
        {
            offset += index[d] * strides[d];
        }

        return offset;
    }

    /// <summary>The offset of row <paramref name="row"/> given one stride per outer dimension.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private readonly nint Offset(nint row, ReadOnlySpan<nint> strides)
    {
        nint offset = 0;
        for (int d = OuterRank - 1; d >= 0; d--)
        {
            nint length = OuterLengths[d];
            offset += row % length * strides[d];
            row /= length;
        }

        return offset;
    }

    [InlineArray(MaxOuterRank)]
    internal struct Lengths
    {
        private nint _element;
    }

    [InlineArray(KernelOperands.MaxInputs)]
    internal struct Pointers
    {
        private nint _element;
    }

    [InlineArray(KernelOperands.MaxInputs * MaxOuterRank)]
    internal struct StrideTable
    {
        private nint _element;
    }
}
