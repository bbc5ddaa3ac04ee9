using System;
using System.ComponentModel;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace KernelDsl.Runtime;

/// <summary>
/// Runs a generated <see cref="IRowKernel"/> over an iteration space of outer dimensions × one row:
/// pins the operands, checks that every stride stays inside its buffer, and splits the rows (or,
/// for an elementwise kernel over few long rows, pieces of rows) across cores.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public static unsafe class RowRunner
{
    /// <summary>The most outer dimensions an iteration space may have.</summary>
    public const int MaxOuterRank = RowLayout.MaxOuterRank;

    /// <summary>
    /// Rows up to this size have their next row prefetched while they are computed (see
    /// <see cref="KernelOperands.NextRowAddress"/>); longer rows do not fit in L1 with the next
    /// one anyway, and their passes stream from memory.
    /// </summary>
    private const int MaxPrefetchedRowBytes = 16 * 1024;

    /// <summary>
    /// A call that writes at most this many bytes is taken to find its destination in cache (L1 holds
    /// 32-48 KiB), so its output passes store without first reaching a vector boundary
    /// (<see cref="KernelOperands.DestinationInCache"/>): for one row of 768 floats, the two extra
    /// out-of-line steps were about a tenth of the call.
    /// </summary>
    internal const int InCacheDestinationBytes = 32 * 1024;

    /// <summary>Whether the whole call writes at most <see cref="InCacheDestinationBytes"/> (every row, not a worker's share).</summary>
    private static bool DestinationFitsInCache(in RowLayout layout) => layout.Rows * layout.RowLength <= InCacheDestinationBytes / sizeof(float);

    /// <summary>Row pieces are multiples of this many elements: whole 512-bit vectors and cache lines.</summary>
    private const int PieceAlignment = 64;

    /// <summary>
    /// Runs <paramref name="kernel"/> on every row of the space <paramref name="outerLengths"/> ×
    /// <paramref name="rowLength"/>. Input k is <c>input<i>k</i></c> with
    /// <c>strides<i>k</i></c> (one per outer dimension, then 0 or 1 along the row). Row r of the
    /// destination starts at <c>r * destinationRowStride</c> (the row length for a dense result, 1
    /// for a kernel that reduces each row to a value), or, when <paramref name="destinationStrides"/>
    /// is given (one per outer dimension, then 1 along the row: a view whose rows are contiguous, such
    /// as a slice of a middle axis or a permutation of the outer axes), where those strides put it;
    /// its rows must not overlap one another. <paramref name="rowsMaySplit"/> says whether a row may
    /// be computed in pieces: true for elementwise kernels, false for reductions.
    /// </summary>
    [SkipLocalsInit]
    public static void Run<TKernel>(in TKernel kernel, scoped ReadOnlySpan<nint> outerLengths, nint rowLength, bool rowsMaySplit,
        Span<float> destination, nint destinationRowStride,
        ReadOnlySpan<float> input0 = default, scoped ReadOnlySpan<nint> strides0 = default,
        ReadOnlySpan<float> input1 = default, scoped ReadOnlySpan<nint> strides1 = default,
        ReadOnlySpan<float> input2 = default, scoped ReadOnlySpan<nint> strides2 = default,
        ReadOnlySpan<float> input3 = default, scoped ReadOnlySpan<nint> strides3 = default,
        ReadOnlySpan<float> input4 = default, scoped ReadOnlySpan<nint> strides4 = default,
        ReadOnlySpan<float> input5 = default, scoped ReadOnlySpan<nint> strides5 = default,
        ReadOnlySpan<float> input6 = default, scoped ReadOnlySpan<nint> strides6 = default,
        ReadOnlySpan<float> input7 = default, scoped ReadOnlySpan<nint> strides7 = default,
        scoped ReadOnlySpan<nint> destinationStrides = default)
        where TKernel : struct, IRowKernel
    {
        if (outerLengths.Length > MaxOuterRank)
        {
            ThrowOuterRank(outerLengths.Length);
        }

        // Only the entries for this call's rank and inputs are written, and only those are read:
        // zeroing the whole layout (some 700 bytes of tables) cost more than a small row's work.
        Unsafe.SkipInit(out RowLayout layout);
        layout.InputCount = 0;
        layout.Destination = null;
        layout.OuterRank = outerLengths.Length;
        layout.RowLength = rowLength;
        ArgumentOutOfRangeException.ThrowIfNegative(destinationRowStride);
        nint rows = 1;
        for (int d = 0; d < outerLengths.Length; d++)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(outerLengths[d], nameof(outerLengths));
            layout.OuterLengths[d] = outerLengths[d];
            rows *= outerLengths[d];
        }

        layout.Rows = rows;
        bool byStrides = !destinationStrides.IsEmpty;
        if (rows == 0 || (rowLength == 0 && !TKernel.WritesValuesPerRow && (byStrides || destinationRowStride != 1)))
        {
            return; // nothing to compute (a reduction over empty rows still writes its identity)
        }

        nint needed;
        if (byStrides)
        {
            needed = layout.SetDestinationStrides(destinationStrides, nameof(destinationStrides));
        }
        else
        {
            layout.SetEvenlySpacedDestination(destinationRowStride);
            needed = (rows - 1) * destinationRowStride + (destinationRowStride == 1 ? 1 : rowLength);
        }

        if (destination.Length < needed)
        {
            ThrowDestinationTooShort(destination.Length, needed);
        }

        fixed (float* d = destination, p0 = input0, p1 = input1, p2 = input2, p3 = input3, p4 = input4, p5 = input5, p6 = input6, p7 = input7)
        {
            layout.Destination = d;
            AddIfPresent(ref layout, p0, input0.Length, strides0, nameof(input0));
            AddIfPresent(ref layout, p1, input1.Length, strides1, nameof(input1));
            AddIfPresent(ref layout, p2, input2.Length, strides2, nameof(input2));
            AddIfPresent(ref layout, p3, input3.Length, strides3, nameof(input3));
            AddIfPresent(ref layout, p4, input4.Length, strides4, nameof(input4));
            AddIfPresent(ref layout, p5, input5.Length, strides5, nameof(input5));
            AddIfPresent(ref layout, p6, input6.Length, strides6, nameof(input6));
            AddIfPresent(ref layout, p7, input7.Length, strides7, nameof(input7));
            RunPinned(kernel, layout, rowsMaySplit && (byStrides || destinationRowStride == rowLength));
        }
    }

    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowOuterRank(int rank)
        => throw new ArgumentException($"An iteration space has at most {MaxOuterRank} outer dimensions, not {rank}.", "outerLengths");

    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowDestinationTooShort(int length, nint needed)
        => throw new ArgumentException($"The destination holds {length} elements; the kernel writes {needed}.", "destination");

    private static void AddIfPresent(ref RowLayout layout, float* data, int length, ReadOnlySpan<nint> strides, string name)
    {
        if (!strides.IsEmpty)
        {
            layout.AddInput(data, length, strides, name);
        }
    }

    private static void RunPinned<TKernel>(in TKernel kernel, in RowLayout layout, bool rowsMaySplit)
        where TKernel : struct, IRowKernel
    {
        nint rows = layout.Rows;
        int workers = ElementwiseRunner.ChooseWorkerCount(rows * Math.Max(layout.RowLength, 1));
        if (workers > 1)
        {
            RunInParallel(kernel, layout, rowsMaySplit, workers);
            return;
        }

        if (rows == 1)
        {
            // One row (a token at batch 1): every operand starts at its base, so there is no
            // odometer to set up and no next row to prefetch, which cost more than a short row.
            KernelOperands operands = default;
            for (int k = 0; k < layout.InputCount; k++)
            {
                KernelOperands.SetInput(ref operands, k, layout.Inputs[k]);
            }

            KernelOperands.SetDestination(ref operands, layout.Destination);
            KernelOperands.SetDestinationInCache(ref operands, DestinationFitsInCache(layout));
            ExecuteRow(kernel, operands, layout.RowLength);
            return;
        }

        ExecuteRows(kernel, layout, 0, rows);
    }

    // A method of its own: its jobs each hold a copy of the layout (some 700 bytes), and a
    // method's locals are zeroed on every call. Inlined into RunPinned, they cost the calls that
    // never run in parallel 1.7 KB of zeroed stack each: a one-row copy kernel's call took 1.3x
    // as long, a one-row layer norm's 1.1x (docs/performance.md, call overhead).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void RunInParallel<TKernel>(in TKernel kernel, in RowLayout layout, bool rowsMaySplit, int workers)
        where TKernel : struct, IRowKernel
    {
        nint rows = layout.Rows;

        // A few units per worker, so a late or interrupted worker does not hold up the rest. With
        // fewer rows than that, an elementwise kernel cuts its rows into aligned pieces.
        nint wanted = workers * 4;
        nint piecesPerRow = 1;
        if (rowsMaySplit && rows < wanted)
        {
            piecesPerRow = Math.Min((wanted + rows - 1) / rows, Math.Max(1, layout.RowLength / PieceAlignment));
        }

        if (piecesPerRow > 1)
        {
            nint pieceLength = (layout.RowLength + piecesPerRow - 1) / piecesPerRow;
            pieceLength = (pieceLength + PieceAlignment - 1) / PieceAlignment * PieceAlignment;
            piecesPerRow = (layout.RowLength + pieceLength - 1) / pieceLength;
            var pieces = new PieceJob<TKernel>(kernel, layout, piecesPerRow, pieceLength);
            ParallelBatch<PieceJob<TKernel>>.Run(pieces, checked((int)(rows * piecesPerRow)), workers);
            return;
        }

        nint chunkCount = Math.Min(rows, wanted);
        nint chunkRows = (rows + chunkCount - 1) / chunkCount;
        chunkCount = (rows + chunkRows - 1) / chunkRows;
        var job = new RowsJob<TKernel>(kernel, layout, chunkRows);
        ParallelBatch<RowsJob<TKernel>>.Run(job, (int)chunkCount, workers);
    }

    /// <summary>Runs rows [start, end) on this thread with the widest accelerated vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void ExecuteRows<TKernel>(in TKernel kernel, in RowLayout layout, nint start, nint end)
        where TKernel : struct, IRowKernel
    {
        if (Vector512.IsHardwareAccelerated)
        {
            ExecuteRows<TKernel, Simd512>(kernel, layout, start, end);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            ExecuteRows<TKernel, Simd256>(kernel, layout, start, end);
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            ExecuteRows<TKernel, Simd128>(kernel, layout, start, end);
        }
        else
        {
            ExecuteRows<TKernel, SimdScalar>(kernel, layout, start, end);
        }
    }

    /// <summary>The widest accelerated width, for callers that run a single row.</summary>
    internal static void ExecuteRow<TKernel>(in TKernel kernel, in KernelOperands row, nint length)
        where TKernel : struct, IRowKernel
    {
        if (Vector512.IsHardwareAccelerated)
        {
            kernel.ExecuteRow<Simd512>(row, length);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            kernel.ExecuteRow<Simd256>(row, length);
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            kernel.ExecuteRow<Simd128>(row, length);
        }
        else
        {
            kernel.ExecuteRow<SimdScalar>(row, length);
        }
    }

    // Optimized on first call, like the kernels: the row loop runs a few times per call but long.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ExecuteRows<TKernel, V>(in TKernel kernel, in RowLayout layout, nint start, nint end)
        where TKernel : struct, IRowKernel
        where V : struct, ISimdFloat<V>
    {
        // Rows are visited in runs along the last outer dimension, where every operand moves by a
        // fixed stride: within a run each pointer just steps by its stride, row after row, and only
        // where a run ends does the odometer over the outer dimensions carry and recompute them.
        // (Carrying the odometer after every row, its offsets and digits in stack arrays, cost
        // short rows several nanoseconds each: a layer norm over rows of 16 or 64 floats took
        // 1.25-1.8x as long, docs/performance.md.)
        int rank = layout.OuterRank;
        int inputs = layout.InputCount;
        int last = rank - 1;
        Span<nint> index = stackalloc nint[RowLayout.MaxOuterRank];
        Span<nint> runStrideBytes = stackalloc nint[KernelOperands.MaxInputs];
        nint runLength = rank == 0 ? 1 : layout.OuterLengths[last];
        nint destinationRunStrideBytes = rank == 0 ? 0 : layout.DestinationStrides[last] * sizeof(float);
        for (int k = 0; k < inputs; k++)
        {
            runStrideBytes[k] = rank == 0 ? 0 : layout.OuterStrides[k * RowLayout.MaxOuterRank + last] * sizeof(float);
        }

        // Where the first row lies: the odometer's digits, one division per chunk, not per row (a
        // call on one thread starts at row 0, all zeros).
        nint rest = start;
        for (int d = last; d >= 0 && rest != 0; d--)
        {
            index[d] = rest % layout.OuterLengths[d];
            rest /= layout.OuterLengths[d];
        }

        KernelOperands operands = default; // retargeted in place each row (see KernelOperands.SetInput)
        KernelOperands.SetDestinationInCache(ref operands, DestinationFitsInCache(layout));
        if (rank > 0 && layout.RowLength * sizeof(float) <= MaxPrefetchedRowBytes)
        {
            for (int k = 0; k < inputs; k++)
            {
                // Along the last outer dimension; at a run's end the hint is off, and harmless.
                KernelOperands.SetNextRowDistance(ref operands, k, runStrideBytes[k]);
            }
        }

        Span<nint> pointers = stackalloc nint[KernelOperands.MaxInputs];
        nint row = start;
        while (row < end)
        {
            // The run's first row, from the odometer's digits.
            for (int k = 0; k < inputs; k++)
            {
                pointers[k] = layout.Inputs[k] + layout.OuterOffset(k, index[..rank]) * sizeof(float);
            }

            nint destination = (nint)layout.Destination + layout.DestinationOuterOffset(index[..rank]) * sizeof(float);
            nint runEnd = Math.Min(end, row + (rank == 0 ? 1 : runLength - index[last]));
            for (; row < runEnd; row++)
            {
                for (int k = 0; k < inputs; k++)
                {
                    KernelOperands.SetInput(ref operands, k, pointers[k]);
                    pointers[k] += runStrideBytes[k];
                }

                KernelOperands.SetDestination(ref operands, (float*)destination);
                destination += destinationRunStrideBytes;
                kernel.ExecuteRow<V>(operands, layout.RowLength);
            }

            // Carry: the last digit wraps to 0, and the next outer digit that does not wrap moves on.
            if (rank > 0)
            {
                index[last] = 0;
                for (int d = last - 1; d >= 0; d--)
                {
                    if (++index[d] < layout.OuterLengths[d])
                    {
                        break;
                    }

                    index[d] = 0;
                }
            }
        }
    }

    private readonly struct RowsJob<TKernel>(TKernel kernel, RowLayout layout, nint chunkRows) : IParallelJob
        where TKernel : struct, IRowKernel
    {
        public void RunChunk(int chunkIndex)
        {
            nint start = chunkIndex * chunkRows;
            ExecuteRows(kernel, layout, start, Math.Min(start + chunkRows, layout.Rows));
        }
    }

    private readonly struct PieceJob<TKernel>(TKernel kernel, RowLayout layout, nint piecesPerRow, nint pieceLength) : IParallelJob
        where TKernel : struct, IRowKernel
    {
        public void RunChunk(int chunkIndex)
        {
            nint row = chunkIndex / piecesPerRow;
            nint start = chunkIndex % piecesPerRow * pieceLength;
            nint length = Math.Min(pieceLength, layout.RowLength - start);
            ExecuteRow(kernel, layout.Row(row, start), length);
        }
    }
}
