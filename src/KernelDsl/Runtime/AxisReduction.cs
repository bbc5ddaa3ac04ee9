using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace KernelDsl.Runtime;

/// <summary>
/// Reduces the last axis of a strided view into dense memory without copying the view first. The
/// generated code uses it for a reduction over an axis other than the source's last one (the
/// column sums of a matrix): the view moves that axis last, so its second-to-last axis is the
/// source's contiguous one, and whole source rows are combined into a destination row, reading the
/// source front to back.
/// </summary>
/// <remarks>
/// Every element of the result is combined in the order of the reduced axis, starting from the
/// reduction's identity, as the eager <c>Ops</c> reductions do; so results do not depend on the
/// SIMD width or the number of threads, and a single-axis sum equals the eager one bit for bit.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public static unsafe class AxisReduction
{
    /// <summary>The most columns combined per unit of work: 8 KiB of destination, which stays in L1 while source rows stream past.</summary>
    private const int MaxColumns = 2048;

    /// <summary>
    /// The fewest columns worth a unit of work of their own when a row is split across threads: a
    /// 4 KiB page of each source row. Narrower blocks jump to a new page every few cache lines, which
    /// the prefetchers do not follow: column sums of [4096, 1024] in blocks of 128 columns on two
    /// threads took 2.2-3.8 ms against 0.9-1.0 ms for whole rows on one.
    /// </summary>
    private const int MinColumns = 1024;

    /// <summary>Source rows combined per sweep over the destination columns (fewer loads and stores of the destination).</summary>
    private const int RowsPerSweep = 4;

    /// <summary>
    /// destination[i0, ..., i(n-2)] = the sum over k of source[i0·strides[0] + ... + k·strides[n-1]]
    /// for every index of the first n-1 <paramref name="lengths"/>; 0 over an empty axis. With
    /// <paramref name="continuing"/>, the sums continue from the destination's values instead (the
    /// reduced axis arrives in pieces, in order: see <see cref="StreamedRows"/>).
    /// </summary>
    public static void Sum(ReadOnlySpan<float> source, scoped ReadOnlySpan<nint> lengths, scoped ReadOnlySpan<nint> strides, Span<float> destination, bool continuing = false)
        => Run<SumStep>(source, lengths, strides, destination, mean: false, continuing);

    /// <summary>As <see cref="Sum"/>, divided by the reduced length; NaN over an empty axis.</summary>
    public static void Mean(ReadOnlySpan<float> source, scoped ReadOnlySpan<nint> lengths, scoped ReadOnlySpan<nint> strides, Span<float> destination)
        => Run<SumStep>(source, lengths, strides, destination, mean: true, continuing: false);

    /// <summary>As <see cref="Sum"/> for the product; 1 over an empty axis.</summary>
    public static void Prod(ReadOnlySpan<float> source, scoped ReadOnlySpan<nint> lengths, scoped ReadOnlySpan<nint> strides, Span<float> destination, bool continuing = false)
        => Run<ProdStep>(source, lengths, strides, destination, mean: false, continuing);

    /// <summary>As <see cref="Sum"/> for the maximum (NaN if any element is NaN, +0 above -0); -∞ over an empty axis.</summary>
    public static void Max(ReadOnlySpan<float> source, scoped ReadOnlySpan<nint> lengths, scoped ReadOnlySpan<nint> strides, Span<float> destination, bool continuing = false)
        => Run<MaxStep>(source, lengths, strides, destination, mean: false, continuing);

    /// <summary>As <see cref="Sum"/> for the minimum (NaN if any element is NaN, -0 below +0); +∞ over an empty axis.</summary>
    public static void Min(ReadOnlySpan<float> source, scoped ReadOnlySpan<nint> lengths, scoped ReadOnlySpan<nint> strides, Span<float> destination, bool continuing = false)
        => Run<MinStep>(source, lengths, strides, destination, mean: false, continuing);

    /// <summary>The mean from sums taken in pieces: sums[i] / <paramref name="count"/> for i &lt; <paramref name="length"/> (NaN for a count of 0, as <see cref="Mean"/>).</summary>
    public static void DivideSums(Span<float> sums, nint length, nint count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        foreach (ref float sum in sums.Slice(0, checked((int)length)))
        {
            sum /= count;
        }
    }

    /// <summary>The elements of one piece of a streamed reduction: 64 Ki floats (256 KiB), which stay in the L2 cache between being written and reduced.</summary>
    private const int StreamedElements = 64 * 1024;

    /// <summary>
    /// How many slices along the leading axis (each <paramref name="sliceElements"/> floats) the
    /// generated code computes into its scratch buffer at a time before reducing them with
    /// <c>continuing</c>: as many as fit <see cref="StreamedElements"/>, at least one.
    /// </summary>
    public static nint StreamedRows(nint sliceElements) => Math.Max(1, StreamedElements / Math.Max(sliceElements, 1));

    private static void Run<TStep>(ReadOnlySpan<float> source, scoped ReadOnlySpan<nint> lengths, scoped ReadOnlySpan<nint> strides, Span<float> destination, bool mean, bool continuing)
        where TStep : struct, IReductionStep
    {
        if (lengths.Length != strides.Length || lengths.Length == 0)
        {
            throw new ArgumentException($"A reduction needs one stride per dimension: {lengths.Length} lengths, {strides.Length} strides.", nameof(strides));
        }

        int rank = lengths.Length;
        nint count = 1, last = 0;
        for (int d = 0; d < rank; d++)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(lengths[d], nameof(lengths));
            ArgumentOutOfRangeException.ThrowIfNegative(strides[d], nameof(strides));
            count = d < rank - 1 ? checked(count * lengths[d]) : count;
            last += lengths[d] == 0 ? 0 : (lengths[d] - 1) * strides[d];
        }

        nint reduced = lengths[rank - 1];
        if (count > destination.Length)
        {
            throw new ArgumentException($"The reduction writes {count} elements to a destination of {destination.Length}.", nameof(destination));
        }

        if (count == 0)
        {
            return;
        }

        if (reduced == 0)
        {
            if (!continuing)
            {
                destination.Slice(0, (int)count).Fill(mean ? float.NaN : TStep.Identity);
            }

            return;
        }

        if (last >= source.Length)
        {
            throw new ArgumentException($"The reduction addresses element {last} of a source of {source.Length}.", nameof(source));
        }

        nint* shape = stackalloc nint[rank];
        nint* steps = stackalloc nint[rank];
        for (int d = 0; d < rank; d++)
        {
            shape[d] = lengths[d];
            steps[d] = strides[d];
        }

        fixed (float* from = &MemoryMarshal.GetReference(source), to = &MemoryMarshal.GetReference(destination))
        {
            if (rank >= 2 && strides[rank - 2] == 1 && lengths[rank - 2] > 1)
            {
                ReduceRows<TStep>(from, shape, steps, rank, to, count, mean, continuing);
            }
            else
            {
                ReduceElements<TStep>(from, shape, steps, rank, to, count, mean, continuing);
            }
        }
    }

    /// <summary>
    /// The view's second-to-last axis is contiguous in the source: each destination row (its last
    /// axis) is the combination of source rows, <paramref name="steps"/>[rank-1] apart. The work is
    /// cut into column blocks of each destination row, spread across cores when large.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ReduceRows<TStep>(float* source, nint* shape, nint* steps, int rank, float* destination, nint count, bool mean, bool continuing)
        where TStep : struct, IReductionStep
    {
        nint columns = shape[rank - 2];
        nint rows = count / columns;
        int workers = ElementwiseRunner.ChooseWorkerCount((long)count * shape[rank - 1]);

        // Blocks of at most MaxColumns; when there are too few rows to keep every worker busy, rows
        // are cut into more blocks, down to MinColumns.
        nint blocksPerRow = (columns + MaxColumns - 1) / MaxColumns;
        if (workers > 1 && rows * blocksPerRow < 4 * workers)
        {
            nint wanted = (4 * workers + rows - 1) / rows;
            blocksPerRow = Math.Max(blocksPerRow, Math.Min(wanted, (columns + MinColumns - 1) / MinColumns));
        }

        nint width = (columns + blocksPerRow - 1) / blocksPerRow;
        width = (width + 15) / 16 * 16; // whole 64-byte lines per block where the rows are aligned
        blocksPerRow = (columns + width - 1) / width;
        var job = new ColumnBlocksJob<TStep>(source, shape, steps, rank, destination, width, blocksPerRow, mean, continuing);
        nint blocks = checked(rows * blocksPerRow);
        if (workers <= 1 || blocks == 1)
        {
            for (nint block = 0; block < blocks; block++)
            {
                job.RunBlock(block);
            }

            return;
        }

        ParallelBatch<ColumnBlocksJob<TStep>>.Run(job, checked((int)blocks), workers);
    }

    /// <summary>One block of columns of one destination row.</summary>
    private readonly struct ColumnBlocksJob<TStep>(float* source, nint* shape, nint* steps, int rank, float* destination, nint width, nint blocksPerRow, bool mean, bool continuing) : IParallelJob
        where TStep : struct, IReductionStep
    {
        public void RunChunk(int chunkIndex) => RunBlock(chunkIndex);

        public void RunBlock(nint block)
        {
            nint row = block / blocksPerRow;
            nint columns = shape[rank - 2];
            nint first = block % blocksPerRow * width;
            nint length = Math.Min(width, columns - first);

            // The source offset of this destination row: its index over the outer axes, odometer-wise from the last.
            nint offset = 0;
            for (nint d = rank - 3, rest = row; d >= 0; d--)
            {
                offset += rest % shape[d] * steps[d];
                rest /= shape[d];
            }

            float* from = source + offset + first;
            float* to = destination + row * columns + first;
            nint reduced = shape[rank - 1], stride = steps[rank - 1];
            if (Vector512.IsHardwareAccelerated)
            {
                CombineRows<TStep, Simd512>(from, stride, reduced, to, length, mean, continuing);
            }
            else if (Vector256.IsHardwareAccelerated)
            {
                CombineRows<TStep, Simd256>(from, stride, reduced, to, length, mean, continuing);
            }
            else if (Vector128.IsHardwareAccelerated)
            {
                CombineRows<TStep, Simd128>(from, stride, reduced, to, length, mean, continuing);
            }
            else
            {
                CombineRows<TStep, SimdScalar>(from, stride, reduced, to, length, mean, continuing);
            }
        }
    }

    /// <summary>
    /// destination[j] = identity ⊕ source[j] ⊕ source[stride + j] ⊕ ... for j &lt; <paramref name="length"/>
    /// (continuing: destination[j] ⊕ source[j] ⊕ ...), combining <see cref="RowsPerSweep"/> source
    /// rows per sweep over the destination block, which stays in L1.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void CombineRows<TStep, V>(float* source, nint stride, nint reduced, float* destination, nint length, bool mean, bool continuing)
        where TStep : struct, IReductionStep
        where V : struct, ISimdFloat<V>
    {
        ref float to = ref *destination;
        nint vectorEnd = length - length % V.Count;
        nint j, k = 0;
        if (!continuing)
        {
            V identity = V.Create(TStep.Identity);
            for (j = 0; j < vectorEnd; j += V.Count)
            {
                V.Store(TStep.Combine(identity, V.Load(ref *source, j)), ref to, j);
            }

            for (; j < length; j++)
            {
                destination[j] = TStep.Combine(SimdScalar.Create(TStep.Identity), SimdScalar.Create(source[j])).Value;
            }

            k = 1;
        }

        for (; k + RowsPerSweep <= reduced; k += RowsPerSweep)
        {
            ref float r0 = ref *(source + k * stride), r1 = ref *(source + (k + 1) * stride);
            ref float r2 = ref *(source + (k + 2) * stride), r3 = ref *(source + (k + 3) * stride);
            for (j = 0; j < vectorEnd; j += V.Count)
            {
                V acc = V.Load(ref to, j);
                acc = TStep.Combine(acc, V.Load(ref r0, j));
                acc = TStep.Combine(acc, V.Load(ref r1, j));
                acc = TStep.Combine(acc, V.Load(ref r2, j));
                acc = TStep.Combine(acc, V.Load(ref r3, j));
                V.Store(acc, ref to, j);
            }

            for (; j < length; j++)
            {
                SimdScalar acc = SimdScalar.Create(destination[j]);
                for (nint r = k; r < k + RowsPerSweep; r++)
                {
                    acc = TStep.Combine(acc, SimdScalar.Create(source[r * stride + j]));
                }

                destination[j] = acc.Value;
            }
        }

        for (; k < reduced; k++)
        {
            ref float row = ref *(source + k * stride);
            for (j = 0; j < vectorEnd; j += V.Count)
            {
                V.Store(TStep.Combine(V.Load(ref to, j), V.Load(ref row, j)), ref to, j);
            }

            for (; j < length; j++)
            {
                destination[j] = TStep.Combine(SimdScalar.Create(destination[j]), SimdScalar.Create(source[k * stride + j])).Value;
            }
        }

        if (mean)
        {
            V divisor = V.Create(reduced);
            for (j = 0; j < vectorEnd; j += V.Count)
            {
                V.Store(V.Load(ref to, j) / divisor, ref to, j);
            }

            for (; j < length; j++)
            {
                destination[j] /= reduced;
            }
        }
    }

    /// <summary>
    /// Any other layout (the view's rows are not contiguous in the source): each destination
    /// element is combined on its own, one source element at a time. Correct for every stride, but
    /// not fast; the generated code routes such views through a dense copy instead.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ReduceElements<TStep>(float* source, nint* shape, nint* steps, int rank, float* destination, nint count, bool mean, bool continuing)
        where TStep : struct, IReductionStep
    {
        nint reduced = shape[rank - 1], stride = steps[rank - 1];
        for (nint i = 0; i < count; i++)
        {
            nint offset = 0;
            for (nint d = rank - 2, rest = i; d >= 0; d--)
            {
                offset += rest % shape[d] * steps[d];
                rest /= shape[d];
            }

            SimdScalar acc = SimdScalar.Create(continuing ? destination[i] : TStep.Identity);
            for (nint k = 0; k < reduced; k++)
            {
                acc = TStep.Combine(acc, SimdScalar.Create(source[offset + k * stride]));
            }

            destination[i] = mean ? acc.Value / reduced : acc.Value;
        }
    }

    /// <summary>One reduction's combining step and its identity.</summary>
    private interface IReductionStep
    {
        static abstract float Identity { get; }

        static abstract V Combine<V>(V accumulated, V value) where V : struct, ISimdFloat<V>;
    }

    private readonly struct SumStep : IReductionStep
    {
        public static float Identity => 0f;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static V Combine<V>(V accumulated, V value) where V : struct, ISimdFloat<V> => accumulated + value;
    }

    private readonly struct ProdStep : IReductionStep
    {
        public static float Identity => 1f;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static V Combine<V>(V accumulated, V value) where V : struct, ISimdFloat<V> => accumulated * value;
    }

    private readonly struct MaxStep : IReductionStep
    {
        public static float Identity => float.NegativeInfinity;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static V Combine<V>(V accumulated, V value) where V : struct, ISimdFloat<V> => V.Max(accumulated, value);
    }

    private readonly struct MinStep : IReductionStep
    {
        public static float Identity => float.PositiveInfinity;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static V Combine<V>(V accumulated, V value) where V : struct, ISimdFloat<V> => V.Min(accumulated, value);
    }
}
