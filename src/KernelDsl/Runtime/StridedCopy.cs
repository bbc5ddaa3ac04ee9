using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace KernelDsl.Runtime;

/// <summary>Copies a strided view (a transpose) into dense row-major memory, and dense memory into a strided view.</summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public static unsafe class StridedCopy
{
    /// <summary>The side of the square blocks a transpose is copied in.</summary>
    private const int Block = 128;

    /// <summary>
    /// destination[i0, i1, ...] = source[i0·strides[0] + i1·strides[1] + ...] for every index of
    /// <paramref name="lengths"/>; the destination is dense.
    /// </summary>
    public static void Run(ReadOnlySpan<float> source, scoped ReadOnlySpan<nint> lengths, scoped ReadOnlySpan<nint> strides, Span<float> destination)
    {
        (nint count, nint last) = Measure(lengths, strides);
        if (count == 0)
        {
            return;
        }

        if (last >= source.Length || count > destination.Length)
        {
            throw new ArgumentException($"The copy addresses element {last} of a source of {source.Length} and writes {count} elements to a destination of {destination.Length}.");
        }

        Copy(source, destination, lengths, strides, count, toStrided: false);
    }

    /// <summary>
    /// The inverse of <see cref="Run"/>: destination[i0·strides[0] + i1·strides[1] + ...] =
    /// source[i0, i1, ...], the source dense. Writes a kernel's result computed in dense scratch
    /// memory into a strided destination (a slice of a wider tensor); the caller has checked that
    /// the strides give every element its own location. Rows contiguous in the destination (stride
    /// 1 along the last dimension, as in any slice) are copied whole; a transpose (another
    /// dimension contiguous) by blocks, as <see cref="Run"/> reads one; others element by element.
    /// </summary>
    public static void Scatter(ReadOnlySpan<float> source, scoped ReadOnlySpan<nint> lengths, scoped ReadOnlySpan<nint> strides, Span<float> destination)
    {
        (nint count, nint last) = Measure(lengths, strides);
        if (count == 0)
        {
            return;
        }

        if (last >= destination.Length || count > source.Length)
        {
            throw new ArgumentException($"The copy writes element {last} of a destination of {destination.Length} and reads {count} elements from a source of {source.Length}.");
        }

        Copy(source, destination, lengths, strides, count, toStrided: true);
    }

    /// <summary>
    /// Copies between dense memory and a strided view (from the view, or with
    /// <paramref name="toStrided"/> into it): a transpose by blocks, anything else row by row.
    /// </summary>
    private static void Copy(ReadOnlySpan<float> source, Span<float> destination, scoped ReadOnlySpan<nint> lengths, scoped ReadOnlySpan<nint> strides, nint count, bool toStrided)
    {
        int contiguous = ContiguousOuterDimension(lengths, strides);
        if (contiguous >= 0)
        {
            CopyTransposedBlocks(source, lengths, strides, contiguous, destination, toStrided);
            return;
        }

        CopyRowByRow(source, destination, lengths, strides, count, toStrided);
    }

    /// <summary>The number of elements of a view, and the offset of its last one; validates the lengths and strides.</summary>
    private static (nint Count, nint Last) Measure(scoped ReadOnlySpan<nint> lengths, scoped ReadOnlySpan<nint> strides)
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

        return (count, last);
    }

    /// <summary>
    /// Copies between dense memory and a strided view one row (last dimension) at a time, the rows'
    /// offsets advancing like an odometer: from the view to the dense side, or with
    /// <paramref name="toStrided"/> back. A row with stride 1 (a slice's rows) is one span copy.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void CopyRowByRow(ReadOnlySpan<float> source, Span<float> destination, scoped ReadOnlySpan<nint> lengths, scoped ReadOnlySpan<nint> strides, nint count, bool toStrided)
    {
        int rank = lengths.Length;
        Span<nint> index = stackalloc nint[rank];
        nint offset = 0; // of the row in the view
        nint inner = lengths[rank - 1], innerStride = strides[rank - 1];
        for (nint dense = 0; dense < count; dense += inner)
        {
            if (innerStride == 1)
            {
                (toStrided ? source.Slice((int)dense, (int)inner) : source.Slice((int)offset, (int)inner))
                    .CopyTo(toStrided ? destination.Slice((int)offset, (int)inner) : destination.Slice((int)dense, (int)inner));
            }
            else if (toStrided)
            {
                for (int j = 0; j < inner; j++)
                {
                    destination[(int)(offset + j * innerStride)] = source[(int)dense + j];
                }
            }
            else
            {
                for (int j = 0; j < inner; j++)
                {
                    destination[(int)dense + j] = source[(int)(offset + j * innerStride)];
                }
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

    /// <summary>
    /// The dimension other than the last that the source reads contiguously (stride 1), when the
    /// last dimension is not contiguous: a transpose. -1 otherwise.
    /// </summary>
    private static int ContiguousOuterDimension(ReadOnlySpan<nint> lengths, ReadOnlySpan<nint> strides)
    {
        int rank = lengths.Length;
        if (strides[rank - 1] == 1 || lengths[rank - 1] == 1)
        {
            return -1;
        }

        for (int d = rank - 2; d >= 0; d--)
        {
            if (strides[d] == 1 && lengths[d] > 1)
            {
                return d;
            }
        }

        return -1;
    }

    /// <summary>
    /// A transpose copied by blocks: for every index of the other dimensions, the plane of
    /// dimension <paramref name="contiguous"/> (contiguous in the view) and the last dimension
    /// (contiguous in the dense memory) is copied by <see cref="CopyPlane"/>, from the view
    /// (<paramref name="source"/>) to dense memory, or with <paramref name="toStrided"/> from dense
    /// memory into the view (<paramref name="destination"/>). Bounds were checked by the caller.
    /// Element by element, a [4096, 1024] transpose took about 44 ms (the whole of a 45 ms column
    /// sum); by blocks, 14 ms on one core and 7.7 ms on two.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void CopyTransposedBlocks(ReadOnlySpan<float> source, ReadOnlySpan<nint> lengths, ReadOnlySpan<nint> strides, int contiguous, Span<float> destination, bool toStrided)
    {
        int rank = lengths.Length;
        Span<nint> denseStrides = stackalloc nint[rank];
        denseStrides[rank - 1] = 1;
        for (int d = rank - 2; d >= 0; d--)
        {
            denseStrides[d] = denseStrides[d + 1] * lengths[d + 1];
        }

        nint planes = 1;
        for (int d = 0; d < rank - 1; d++)
        {
            planes *= d == contiguous ? 1 : lengths[d];
        }

        Span<nint> index = stackalloc nint[rank];
        fixed (float* sourceStart = &MemoryMarshal.GetReference(source), destinationStart = &MemoryMarshal.GetReference(destination))
        {
            float* view = toStrided ? destinationStart : sourceStart;
            float* dense = toStrided ? sourceStart : destinationStart;
            nint viewOffset = 0, denseOffset = 0;
            for (nint plane = 0; plane < planes; plane++)
            {
                // The plane's rows are contiguous where it is read, its columns where it is written.
                if (toStrided)
                {
                    CopyPlane(dense + denseOffset, denseStrides[contiguous], view + viewOffset, strides[rank - 1], lengths[rank - 1], lengths[contiguous]);
                }
                else
                {
                    CopyPlane(view + viewOffset, strides[rank - 1], dense + denseOffset, denseStrides[contiguous], lengths[contiguous], lengths[rank - 1]);
                }

                // Next index of the other dimensions, odometer-wise (the plane's two are skipped).
                for (int d = rank - 2; d >= 0; d--)
                {
                    if (d == contiguous)
                    {
                        continue;
                    }

                    viewOffset += strides[d];
                    denseOffset += denseStrides[d];
                    if (++index[d] < lengths[d])
                    {
                        break;
                    }

                    viewOffset -= lengths[d] * strides[d];
                    denseOffset -= lengths[d] * denseStrides[d];
                    index[d] = 0;
                }
            }
        }
    }

    /// <summary>
    /// destination[r · rowStride + c] = source[r + c · columnStride] for r &lt; rows, c &lt; columns.
    /// The leading rows and columns that would leave the vectors unaligned (32 bytes with AVX, else
    /// 16) are copied one by one first (the heap aligns arrays to 8 bytes only, and a transpose
    /// whose vectors straddled cache lines ran 1.4x slower), then the rest in blocks of
    /// <see cref="Block"/> × <see cref="Block"/>: a block touches at most 2 × <see cref="Block"/>
    /// pages, which the TLB holds. Within a block, eight destination rows at a time are written
    /// front to back by 8 × 8 register transposes where AVX is available, four at a time by 4 × 4
    /// ones where SSE is; the edges one element at a time.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void CopyPlane(float* source, nint columnStride, float* destination, nint rowStride, nint rows, nint columns)
    {
        int vector = Avx.IsSupported ? 8 : 4; // the floats in a transpose's loads and stores
        nint firstRow = columnStride % vector == 0 ? Math.Min(rows, MisalignedFloats(source, vector)) : 0;
        nint firstColumn = rowStride % vector == 0 ? Math.Min(columns, MisalignedFloats(destination, vector)) : 0;
        CopyElements(source, columnStride, destination, rowStride, 0, firstRow, 0, columns);
        CopyElements(source, columnStride, destination, rowStride, firstRow, rows, 0, firstColumn);

        // The column blocks are independent: large planes spread them across cores.
        var job = new BlockColumnsJob(source, columnStride, destination, rowStride, firstRow, rows, firstColumn, columns);
        int blocks = checked((int)((columns - firstColumn + Block - 1) / Block));
        int workers = Math.Min(blocks, ElementwiseRunner.ChooseWorkerCount((long)rows * columns));
        if (workers <= 1)
        {
            for (int block = 0; block < blocks; block++)
            {
                job.RunChunk(block);
            }

            return;
        }

        ParallelBatch<BlockColumnsJob>.Run(job, blocks, workers);
    }

    /// <summary>One column block of a plane (all its rows), in blocks of <see cref="Block"/> rows.</summary>
    private readonly struct BlockColumnsJob(float* source, nint columnStride, float* destination, nint rowStride, nint firstRow, nint rows, nint firstColumn, nint columns) : IParallelJob
    {
        public void RunChunk(int chunkIndex)
        {
            nint c0 = firstColumn + (nint)chunkIndex * Block;
            nint c1 = Math.Min(c0 + Block, columns);
            for (nint r0 = firstRow; r0 < rows; r0 += Block)
            {
                nint r1 = Math.Min(r0 + Block, rows);
                nint r = r0;
                if (Avx.IsSupported)
                {
                    // Eight rows at a time by 8 × 8 transposes: 1.2-1.4x the speed of 4 × 4 ones
                    // (docs/performance.md). The columns past the last eight go four rows at a time.
                    nint eightColumns = c0 + (c1 - c0) / 8 * 8;
                    for (; r + 8 <= r1; r += 8)
                    {
                        for (nint c = c0; c < eightColumns; c += 8)
                        {
                            RegisterTranspose.Transpose8x8(source + r + c * columnStride, columnStride, destination + r * rowStride + c, rowStride);
                        }

                        CopyFourRowsAtATime(r, r + 8, eightColumns, c1);
                    }
                }

                r = CopyFourRowsAtATime(r, r1, c0, c1);
                CopyElements(source, columnStride, destination, rowStride, r, r1, c0, c1);
            }
        }

        /// <summary>
        /// Rows [<paramref name="r0"/>, <paramref name="r1"/>) four at a time by 4 × 4 transposes
        /// (their last columns one by one), where SSE is available; returns the first row not copied.
        /// </summary>
        private nint CopyFourRowsAtATime(nint r0, nint r1, nint c0, nint c1)
        {
            if (!Sse.IsSupported)
            {
                return r0;
            }

            nint fullColumns = c0 + (c1 - c0) / 4 * 4;
            nint r = r0;
            for (; r + 4 <= r1; r += 4)
            {
                float* from = source + r;
                float* to = destination + r * rowStride;
                for (nint c = c0; c < fullColumns; c += 4)
                {
                    RegisterTranspose.Transpose4x4(from + c * columnStride, columnStride, to + c, rowStride);
                }

                CopyElements(source, columnStride, destination, rowStride, r, r + 4, fullColumns, c1);
            }

            return r;
        }
    }

    /// <summary>How many floats from <paramref name="address"/> to the next boundary of a vector of <paramref name="vector"/> floats (0 to vector - 1).</summary>
    private static nint MisalignedFloats(float* address, int vector)
    {
        nint bytes = vector * sizeof(float);
        return (bytes - ((nint)address & (bytes - 1))) / sizeof(float) % vector;
    }

    /// <summary>The same copy for rows [<paramref name="r0"/>, <paramref name="r1"/>) and columns [<paramref name="c0"/>, <paramref name="c1"/>), one element at a time.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void CopyElements(float* source, nint columnStride, float* destination, nint rowStride, nint r0, nint r1, nint c0, nint c1)
    {
        for (nint r = r0; r < r1; r++)
        {
            float* to = destination + r * rowStride;
            for (nint c = c0; c < c1; c++)
            {
                to[c] = source[r + c * columnStride];
            }
        }
    }
}
