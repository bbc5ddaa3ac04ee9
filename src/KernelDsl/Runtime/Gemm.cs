using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace KernelDsl.Runtime;

/// <summary>
/// Single-precision matrix multiplication, C = A·B, batched with NumPy broadcasting, followed by an
/// optional fused epilogue. The structure is the Goto/BLIS one: B is cut into KC × NC blocks and A
/// into MC × KC blocks, each packed (<see cref="GemmPacking"/>) into panels the micro-kernel reads
/// sequentially, whatever the operands' strides; <see cref="GemmMicroKernel"/> computes MR × 2·V
/// tiles in registers with FMA (12 × 32 with AVX-512, 6 × 2·V otherwise). Independent C blocks
/// are spread across cores. The epilogue (an
/// <see cref="IRowKernel"/>: bias, activation, residual) runs on each block of rows (at most 48)
/// right after its last accumulation, while the block is still in L2, so a fused <c>Relu(MatMul(x, w) + b)</c> writes
/// each output element's final value without another pass over C.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public static unsafe class Gemm
{
    /// <summary>The most batch dimensions (dimensions before the last two) a product may have.</summary>
    public const int MaxBatchRank = RowLayout.MaxOuterRank - 1;

    /// <summary>
    /// KC upper bound: the depth of a packed block. K is cut into equal blocks of at most this many
    /// steps. Every block but the first reads and writes each C tile again, so deeper blocks pay off
    /// while a packed B block (KC × NC) still fits in L2: on a 1024³ product, one thread, 512 ran
    /// about 1.2x faster than 384 and 1.3x faster than 192 (side by side, docs/performance.md).
    /// </summary>
    private const int MaxDepthBlock = 512;

    /// <summary>
    /// MC upper bound: a packed A block (MC × KC, 96 KiB at 48 × 512) stays in L2 beside the packed
    /// B block. With 512-deep blocks, 48 rows beat 96 in alternating calls in one process: a 1152³
    /// product on one thread 95.3 → 106.3 GFLOP/s (30 of 30 pairs), 1024³ on two 134 → 145 (22 of
    /// 30); 24 and 36 rows were no better than 48.
    /// </summary>
    private const int RowBlock = 48;

    /// <summary>
    /// NC upper bound: a packed B block (KC × NC, 1.5 MiB at 512 × 768) stays in L2. With 512-deep
    /// blocks and 48-row A blocks, 384, 1024 and 1536 were each slower than 768 in alternating
    /// calls (1152³ one thread, 1024³ two threads).
    /// </summary>
    private const int ColumnBlock = 768;

    /// <summary>
    /// Up to this many column panels (NR columns each) in a chunk, a row-major A is read in place
    /// rather than packed. Packing costs about a cycle per element of A (its share of a 4 × 4
    /// transpose); each column panel then uses the element in two FMAs, about a cycle too, so at
    /// eight panels packing would be an eighth of the work, and at two (attention's values, 64
    /// columns) half. Wider products measured no faster either way (docs/performance.md).
    /// </summary>
    private const int MaxColumnPanelsForUnpackedA = 8;

    /// <summary>
    /// <paramref name="destination"/>[..., M, N] = A[..., M, K] · B[..., K, N]. Strides are in
    /// elements, one per batch dimension then row and column; a batch stride of 0 broadcasts that
    /// operand. The destination is dense and row-major, or, when <paramref name="destinationStrides"/>
    /// is given (one per batch dimension, then M, then 1 along N), a view whose rows are contiguous
    /// and do not overlap one another (a slice of a wider tensor, the heads of [T, H, D] seen as
    /// [H, T, D]): it is written in place, and the elements between its rows are left untouched.
    /// </summary>
    public static void Multiply(scoped ReadOnlySpan<nint> batchLengths, nint m, nint n, nint k,
        ReadOnlySpan<float> a, scoped ReadOnlySpan<nint> aStrides, ReadOnlySpan<float> b, scoped ReadOnlySpan<nint> bStrides, Span<float> destination,
        scoped ReadOnlySpan<nint> destinationStrides = default)
        => Run(default(NoEpilogue), batchLengths, m, n, k, a, aStrides, b, bStrides, destination, destinationStrides: destinationStrides);

    /// <summary>
    /// As <see cref="Multiply"/>, then applies <paramref name="epilogue"/> to the product in place:
    /// its rows are the rows of C (outer dimensions: the batch dimensions and M; row length N), its
    /// destination pointer reads the product and receives the result, and input k is
    /// <c>input<i>k</i></c> with <c>strides<i>k</i></c> (one per batch dimension, then M, then 0 or 1
    /// along N).
    /// </summary>
    public static void Run<TEpilogue>(in TEpilogue epilogue, scoped ReadOnlySpan<nint> batchLengths, nint m, nint n, nint k,
        ReadOnlySpan<float> a, scoped ReadOnlySpan<nint> aStrides, ReadOnlySpan<float> b, scoped ReadOnlySpan<nint> bStrides,
        Span<float> destination,
        ReadOnlySpan<float> input0 = default, scoped ReadOnlySpan<nint> strides0 = default,
        ReadOnlySpan<float> input1 = default, scoped ReadOnlySpan<nint> strides1 = default,
        ReadOnlySpan<float> input2 = default, scoped ReadOnlySpan<nint> strides2 = default,
        ReadOnlySpan<float> input3 = default, scoped ReadOnlySpan<nint> strides3 = default,
        ReadOnlySpan<float> input4 = default, scoped ReadOnlySpan<nint> strides4 = default,
        ReadOnlySpan<float> input5 = default, scoped ReadOnlySpan<nint> strides5 = default,
        scoped ReadOnlySpan<nint> destinationStrides = default)
        where TEpilogue : struct, IRowKernel
    {
        int batchRank = batchLengths.Length;
        if (batchRank > MaxBatchRank)
        {
            throw new ArgumentException($"A matrix product has at most {MaxBatchRank} batch dimensions, not {batchRank}.", nameof(batchLengths));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        RequireStrideCount(aStrides, batchRank + 2, nameof(aStrides));
        RequireStrideCount(bStrides, batchRank + 2, nameof(bStrides));

        GemmProblem problem = default;
        problem.M = m;
        problem.N = n;
        problem.K = k;
        problem.BatchRank = batchRank;
        problem.Batches = 1;
        for (int d = 0; d < batchRank; d++)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(batchLengths[d], nameof(batchLengths));
            problem.BatchLengths[d] = batchLengths[d];
            problem.BatchStridesA[d] = aStrides[d];
            problem.BatchStridesB[d] = bStrides[d];
            problem.Batches *= batchLengths[d];
        }

        problem.RowStrideA = aStrides[batchRank];
        problem.ColumnStrideA = aStrides[batchRank + 1];
        problem.RowStrideB = bStrides[batchRank];
        problem.ColumnStrideB = bStrides[batchRank + 1];
        nint outputRows = problem.Batches * m;
        if (outputRows == 0 || n == 0)
        {
            return;
        }

        // C's rows are the rows of the epilogue's iteration space (the batch dimensions and M, rows
        // of N), which records and checks the destination's strides; the product keeps its own copy.
        ref RowLayout rows = ref problem.Epilogue;
        rows.OuterRank = batchRank + 1;
        for (int d = 0; d < batchRank; d++)
        {
            rows.OuterLengths[d] = batchLengths[d];
        }

        rows.OuterLengths[batchRank] = m;
        rows.RowLength = n;
        rows.Rows = outputRows;
        nint needed;
        if (destinationStrides.IsEmpty)
        {
            rows.SetEvenlySpacedDestination(n);
            needed = outputRows * n;
        }
        else
        {
            needed = rows.SetDestinationStrides(destinationStrides, nameof(destinationStrides));
        }

        if (destination.Length < needed)
        {
            throw new ArgumentException(destinationStrides.IsEmpty
                ? $"The destination holds {destination.Length} elements; the product has {needed}."
                : $"The destination holds {destination.Length} elements; its strides address element {needed - 1}.", nameof(destination));
        }

        for (int d = 0; d < batchRank; d++)
        {
            problem.BatchStridesC[d] = rows.DestinationStrides[d];
        }

        problem.RowStrideC = rows.DestinationStrides[batchRank];

        RequireInBounds(a.Length, problem.BatchLengths, aStrides, batchRank, m, k, "a");
        RequireInBounds(b.Length, problem.BatchLengths, bStrides, batchRank, k, n, "b");

        fixed (float* pa = a, pb = b, pc = destination, p0 = input0, p1 = input1, p2 = input2, p3 = input3, p4 = input4, p5 = input5)
        {
            problem.A = pa;
            problem.B = pb;
            problem.C = pc;
            rows.Destination = pc;
            AddIfPresent(ref rows, p0, input0.Length, strides0, nameof(input0));
            AddIfPresent(ref rows, p1, input1.Length, strides1, nameof(input1));
            AddIfPresent(ref rows, p2, input2.Length, strides2, nameof(input2));
            AddIfPresent(ref rows, p3, input3.Length, strides3, nameof(input3));
            AddIfPresent(ref rows, p4, input4.Length, strides4, nameof(input4));
            AddIfPresent(ref rows, p5, input5.Length, strides5, nameof(input5));
            FoldBatchesIntoRows(ref problem);

            if (Vector512.IsHardwareAccelerated)
            {
                RunPinned<TEpilogue, Simd512>(epilogue, ref problem);
            }
            else if (Vector256.IsHardwareAccelerated)
            {
                RunPinned<TEpilogue, Simd256>(epilogue, ref problem);
            }
            else if (Vector128.IsHardwareAccelerated)
            {
                RunPinned<TEpilogue, Simd128>(epilogue, ref problem);
            }
            else
            {
                RunPinned<TEpilogue, SimdScalar>(epilogue, ref problem);
            }
        }
    }

    /// <summary>
    /// Turns batches that share one B, and whose rows of A follow one another in memory, into rows
    /// of one taller product: <c>[B, T, K]·[K, N]</c> (a dense layer applied to every token) is
    /// <c>[B·T, K]·[K, N]</c>, which packs each block of B once rather than once per batch and
    /// gives the row blocks and the cores more rows to share. Only the innermost batch dimensions
    /// fold, and only where C's rows follow one another across them too; the epilogue's row
    /// numbering, batch-major, is the same either way.
    /// </summary>
    private static void FoldBatchesIntoRows(ref GemmProblem problem)
    {
        while (problem.BatchRank > 0)
        {
            int d = problem.BatchRank - 1;
            nint length = problem.BatchLengths[d];
            bool sharesB = problem.BatchStridesB[d] == 0 || length == 1;

            // A single row has no row stride of its own (a tensor span gives a length-1 dimension
            // stride 0): the next batch's row is the next row.
            nint rowStride = problem.M == 1 ? problem.BatchStridesA[d] : problem.RowStrideA;
            bool rowsFollow = problem.BatchStridesA[d] == problem.M * rowStride || length == 1;
            nint rowStrideC = problem.M == 1 ? problem.BatchStridesC[d] : problem.RowStrideC;
            bool rowsOfCFollow = problem.BatchStridesC[d] == problem.M * rowStrideC || length == 1;
            if (!sharesB || !rowsFollow || !rowsOfCFollow)
            {
                return;
            }

            problem.RowStrideA = rowStride;
            problem.RowStrideC = rowStrideC;
            problem.M *= length;
            problem.Batches /= length;
            problem.BatchRank = d;
        }
    }

    private static void RequireStrideCount(ReadOnlySpan<nint> strides, int count, string name)
    {
        if (strides.Length != count)
        {
            throw new ArgumentException($"{name} has {strides.Length} strides; a product with these batch dimensions needs {count}.", name);
        }
    }

    /// <summary>Throws unless every element the strides address lies in the buffer.</summary>
    private static void RequireInBounds(nint length, in RowLayout.Lengths batchLengths, ReadOnlySpan<nint> strides, int batchRank, nint rows, nint columns, string name)
    {
        if (rows == 0 || columns == 0)
        {
            return;
        }

        nint last = (rows - 1) * strides[batchRank] + (columns - 1) * strides[batchRank + 1];
        for (int d = 0; d < batchRank; d++)
        {
            if (batchLengths[d] == 0)
            {
                return;
            }

            last += (batchLengths[d] - 1) * strides[d];
        }

        for (int d = 0; d < strides.Length; d++)
        {
            if (strides[d] < 0)
            {
                throw new ArgumentException($"{name} has negative stride {strides[d]} in dimension {d}.", name);
            }
        }

        if (last >= length)
        {
            throw new ArgumentException($"{name} holds {length} elements but its shape and strides address element {last}.", name);
        }
    }

    private static void AddIfPresent(ref RowLayout layout, float* data, int length, ReadOnlySpan<nint> strides, string name)
    {
        if (!strides.IsEmpty)
        {
            layout.AddInput(data, length, strides, name);
        }
    }

    private static void RunPinned<TEpilogue, V>(in TEpilogue epilogue, ref GemmProblem problem)
        where TEpilogue : struct, IRowKernel
        where V : struct, ISimdFloat<V>
    {
        int mr = GemmMicroKernel.Rows<V>();
        int nr = GemmMicroKernel.Columns<V>();
        nint m = problem.M, n = problem.N;

        // A few rows against a transposed B: dot products straight from the operands (GemmDotProducts);
        // against a B with contiguous rows: sums of B's rows, block by block (GemmFewRows).
        problem.ByDotProducts = problem.RowStrideB == 1 && problem.ColumnStrideB != 1 && problem.ColumnStrideA == 1 && m <= GemmDotProducts.MaxRows;
        problem.ByFewRows = !problem.ByDotProducts && problem.ColumnStrideB == 1 && m <= GemmFewRows.MaxRows;

        // A packed product counts its multiply-adds, four to an element of an elementwise kernel (they
        // run from registers and L1); a few rows stream B once, like an elementwise kernel over B.
        long work = (long)problem.Batches * m * n * Math.Max(problem.K, 1);
        int workers = ElementwiseRunner.ChooseWorkerCount(problem.ByDotProducts || problem.ByFewRows ? work / Math.Max(m, 1) : work / 4);

        // Work is split into chunks of C: one batch, a range of rows, a block of columns. A chunk
        // packs each block of B once and reuses it for all its rows, so the rows are split only as
        // far as the workers need: every worker gets work, and the chunks divide evenly among them.
        nint rowChunks = 1;
        nint columnBlocks = (n + ColumnBlock - 1) / ColumnBlock;
        while (workers > 1 && problem.Batches * rowChunks * columnBlocks % workers != 0 || problem.Batches * rowChunks * columnBlocks < workers)
        {
            bool canSplitM = (m + rowChunks) / (rowChunks + 1) >= mr;
            bool canSplitN = (n + columnBlocks) / (columnBlocks + 1) >= nr;
            if (canSplitM && (m / rowChunks >= n / columnBlocks || !canSplitN))
            {
                rowChunks++;
            }
            else if (canSplitN)
            {
                columnBlocks++;
            }
            else
            {
                break;
            }
        }

        // Equal depth blocks (a short last block would cost a whole pass over C for little work),
        // a multiple of 16 steps so A's transposed packing reads whole cache lines.
        nint depthBlocks = (problem.K + MaxDepthBlock - 1) / MaxDepthBlock;
        problem.DepthBlock = Math.Min(Math.Max(problem.K, 1), RoundUp((problem.K + depthBlocks - 1) / Math.Max(depthBlocks, 1), 16));
        problem.ChunkRows = RoundUp((m + rowChunks - 1) / rowChunks, mr);
        problem.ColumnBlock = RoundUp((n + columnBlocks - 1) / columnBlocks, nr);
        problem.RowChunks = (m + problem.ChunkRows - 1) / problem.ChunkRows;
        problem.ColumnBlocks = (n + problem.ColumnBlock - 1) / problem.ColumnBlock;
        nint chunks = problem.Batches * problem.RowChunks * problem.ColumnBlocks;

        var job = new BlockJob<TEpilogue, V>(epilogue, problem);
        if (workers == 1 || chunks == 1)
        {
            for (int chunk = 0; chunk < chunks; chunk++)
            {
                job.RunChunk(chunk);
            }

            return;
        }

        ParallelBatch<BlockJob<TEpilogue, V>>.Run(job, checked((int)chunks), workers);
    }

    private static nint RoundUp(nint value, nint multiple) => Math.Max(multiple, (value + multiple - 1) / multiple * multiple);

    /// <summary>Computes one chunk of C (one batch, a range of rows, NC columns), all of K, with its epilogue.</summary>
    private readonly struct BlockJob<TEpilogue, V>(TEpilogue epilogue, GemmProblem problem) : IParallelJob
        where TEpilogue : struct, IRowKernel
        where V : struct, ISimdFloat<V>
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void RunChunk(int chunkIndex)
        {
            int mr = GemmMicroKernel.Rows<V>();
            int nr = GemmMicroKernel.Columns<V>();
            nint chunksPerBatch = problem.RowChunks * problem.ColumnBlocks;
            nint batch = chunkIndex / chunksPerBatch;
            nint chunkRowStart = chunkIndex % chunksPerBatch / problem.ColumnBlocks * problem.ChunkRows;
            nint chunkRows = Math.Min(problem.ChunkRows, problem.M - chunkRowStart);
            nint columnStart = chunkIndex % problem.ColumnBlocks * problem.ColumnBlock;
            nint columns = Math.Min(problem.ColumnBlock, problem.N - columnStart);
            nint columnPanels = (columns + nr - 1) / nr;
            nint depthBlock = problem.DepthBlock;

            (nint batchA, nint batchB, nint batchC) = problem.BatchOffsets(batch);
            float* a = problem.A + batchA;
            float* b = problem.B + batchB + columnStart * problem.ColumnStrideB;
            float* c = problem.C + batchC + columnStart;
            KernelOperands epilogueRow = default; // retargeted in place for each row of a finished tile

            if (problem.ByDotProducts || problem.ByFewRows)
            {
                if (problem.ByDotProducts)
                {
                    GemmDotProducts.Run<V>(a + chunkRowStart * problem.RowStrideA, problem.RowStrideA, b, problem.ColumnStrideB, problem.K,
                        c + chunkRowStart * problem.RowStrideC, problem.RowStrideC, chunkRows, columns);
                }
                else
                {
                    GemmFewRows.Run<V>(a + chunkRowStart * problem.RowStrideA, problem.RowStrideA, problem.ColumnStrideA, b, problem.RowStrideB, problem.K,
                        c + chunkRowStart * problem.RowStrideC, problem.RowStrideC, chunkRows, columns);
                }

                if (typeof(TEpilogue) != typeof(NoEpilogue))
                {
                    for (nint r = 0; r < chunkRows; r++)
                    {
                        problem.Epilogue.PointAtRow(ref epilogueRow, batch * problem.M + chunkRowStart + r, columnStart);
                        epilogue.ExecuteRow<V>(epilogueRow, columns);
                    }
                }

                return;
            }

            // B is read in place when its rows are contiguous and only a few rows of A reuse each
            // panel (a matrix-vector-like product): packing would cost as much as the product.
            bool packB = problem.ColumnStrideB != 1 || chunkRows > 2 * mr;

            // Likewise A, when its rows are contiguous and only a few column panels reuse each of
            // its panels (a narrow product, as probabilities times values in attention): packing
            // transposes every element of A, which cost about half of the multiply-adds themselves
            // at two panels. The micro-kernel then broadcasts from the rows in place; only a last,
            // partial panel is packed (zero-padded), so no read passes the end of A.
            bool packA = problem.ColumnStrideA != 1 || columnPanels > MaxColumnPanelsForUnpackedA;
            nint rowBlock = Math.Min(RowBlock, RoundUp(chunkRows, mr));
            PackBuffers buffers = PackBuffers.ForThisThread(rowBlock * depthBlock, columnPanels * nr * depthBlock);
            float* tile = stackalloc float[GemmMicroKernel.MaxRows * 2 * 16];

            for (nint depthStart = 0; depthStart < problem.K || depthStart == 0; depthStart += depthBlock)
            {
                nint depth = Math.Min(depthBlock, problem.K - depthStart);
                bool accumulate = depthStart > 0;
                bool last = depthStart + depthBlock >= problem.K;
                if (packB)
                {
                    GemmPacking.PackB<V>(b + depthStart * problem.RowStrideB, problem.RowStrideB, problem.ColumnStrideB, columns, depth, buffers.B);
                }

                for (nint rowStart = chunkRowStart; rowStart < chunkRowStart + chunkRows; rowStart += rowBlock)
                {
                    nint rows = Math.Min(rowBlock, chunkRowStart + chunkRows - rowStart);
                    nint rowPanels = (rows + mr - 1) / mr;
                    float* aBlock = a + rowStart * problem.RowStrideA + depthStart * problem.ColumnStrideA;
                    nint fullPanels = packA ? 0 : rows / mr;
                    if (fullPanels < rowPanels)
                    {
                        GemmPacking.PackA(aBlock + fullPanels * mr * problem.RowStrideA, problem.RowStrideA, problem.ColumnStrideA, rows - fullPanels * mr, depth, mr, buffers.A);
                    }

                    for (nint jp = 0; jp < columnPanels; jp++)
                    {
                        nint panelColumns = Math.Min(nr, columns - jp * nr);
                        float* bPanel;
                        nint bRowStride;
                        if (packB)
                        {
                            bPanel = buffers.B + jp * nr * depth;
                            bRowStride = nr;
                        }
                        else if (panelColumns == nr)
                        {
                            bPanel = b + depthStart * problem.RowStrideB + jp * nr;
                            bRowStride = problem.RowStrideB;
                        }
                        else
                        {
                            // The last, partial panel is packed (zero-padded), so no read passes the end of B.
                            GemmPacking.PackB<V>(b + depthStart * problem.RowStrideB + jp * nr * problem.ColumnStrideB, problem.RowStrideB, problem.ColumnStrideB, panelColumns, depth, buffers.B);
                            bPanel = buffers.B;
                            bRowStride = nr;
                        }

                        for (nint ip = 0; ip < rowPanels; ip++)
                        {
                            nint panelRows = Math.Min(mr, rows - ip * mr);
                            bool inPlace = ip < fullPanels;
                            float* aPanel = inPlace ? aBlock + ip * mr * problem.RowStrideA : buffers.A + (ip - fullPanels) * mr * depth;
                            nint aRowStride = inPlace ? problem.RowStrideA : 1;
                            nint aStep = inPlace ? 1 : mr;
                            float* cTile = c + (rowStart + ip * mr) * problem.RowStrideC + jp * nr;
                            if (panelRows == mr && panelColumns == nr)
                            {
                                GemmMicroKernel.Run<V>(aPanel, aRowStride, aStep, bPanel, bRowStride, depth, cTile, problem.RowStrideC, accumulate);
                            }
                            else
                            {
                                // An edge tile: computed whole into a scratch tile, and only its valid part copied.
                                GemmMicroKernel.Run<V>(aPanel, aRowStride, aStep, bPanel, bRowStride, depth, tile, nr, accumulate: false);
                                for (nint r = 0; r < panelRows; r++)
                                {
                                    for (nint j = 0; j < panelColumns; j++)
                                    {
                                        float value = tile[r * nr + j];
                                        cTile[r * problem.RowStrideC + j] = accumulate ? cTile[r * problem.RowStrideC + j] + value : value;
                                    }
                                }
                            }
                        }
                    }

                    if (last && typeof(TEpilogue) != typeof(NoEpilogue))
                    {
                        // The block's rows are final and still in L2: apply the epilogue now, not in
                        // another pass over C, a whole row of the chunk's columns at a time.
                        for (nint r = 0; r < rows; r++)
                        {
                            problem.Epilogue.PointAtRow(ref epilogueRow, batch * problem.M + rowStart + r, columnStart);
                            epilogue.ExecuteRow<V>(epilogueRow, columns);
                        }
                    }
                }
            }
        }
    }

    /// <summary>The epilogue of a plain product: none.</summary>
    private readonly struct NoEpilogue : IRowKernel
    {
        public void ExecuteRow<V>(in KernelOperands row, nint length) where V : struct, ISimdFloat<V>
        {
        }
    }

    /// <summary>Per-thread packing buffers, kept between calls and grown on demand (pinned, so raw pointers stay valid).</summary>
    private readonly struct PackBuffers(float* a, float* b)
    {
        [ThreadStatic]
        private static float[]? t_a;

        [ThreadStatic]
        private static float[]? t_b;

        public float* A => a;

        public float* B => b;

        public static PackBuffers ForThisThread(nint aLength, nint bLength)
        {
            float[] packA = Ensure(ref t_a, aLength);
            float[] packB = Ensure(ref t_b, bLength);
            // Pinned-heap arrays never move, so their addresses may be kept.
            return new PackBuffers(CacheLineAligned(packA), CacheLineAligned(packB));
        }

        /// <summary>
        /// The first 64-byte boundary in <paramref name="buffer"/>. The heap aligns arrays to 8 or 16
        /// bytes only; a 512-bit load of a packed B row that straddles two cache lines costs two,
        /// and unaligned panels measured about 1.05x slower on a whole 1152³ product.
        /// </summary>
        private static float* CacheLineAligned(float[] buffer)
        {
            nint address = (nint)Unsafe.AsPointer(ref buffer[0]);
            return (float*)((address + CacheLineBytes - 1) & ~(nint)(CacheLineBytes - 1));
        }

        private static float[] Ensure(ref float[]? buffer, nint length)
        {
            // 64 floats of slack: a vector-wide store may touch the padding after the last panel;
            // and one cache line more, given up to alignment.
            nint needed = Math.Max(length, 1) + 64 + CacheLineBytes / sizeof(float);
            if (buffer is null || buffer.Length < needed)
            {
                buffer = GC.AllocateUninitializedArray<float>(checked((int)needed), pinned: true);
            }

            return buffer;
        }

        private const int CacheLineBytes = 64;
    }
}

/// <summary>One product's operands and blocking, shared read-only by the workers.</summary>
internal unsafe struct GemmProblem
{
    public float* A;
    public float* B;
    public float* C;
    public nint M;
    public nint N;
    public nint K;
    public nint RowStrideA;
    public nint ColumnStrideA;
    public nint RowStrideB;
    public nint ColumnStrideB;

    /// <summary>How far apart C's rows are within a batch (N when it is dense).</summary>
    public nint RowStrideC;
    public int BatchRank;
    public nint Batches;
    public RowLayout.Lengths BatchLengths;
    public RowLayout.Lengths BatchStridesA;
    public RowLayout.Lengths BatchStridesB;
    public RowLayout.Lengths BatchStridesC;
    public nint DepthBlock;
    public nint ChunkRows;
    public nint ColumnBlock;
    public nint RowChunks;
    public nint ColumnBlocks;
    public bool ByDotProducts;

    /// <summary>Whether chunks run <see cref="GemmFewRows"/>: a few rows of A against B's contiguous rows, read in place.</summary>
    public bool ByFewRows;
    public RowLayout Epilogue;

    /// <summary>The element offsets of batch <paramref name="batch"/> (row-major over the batch dimensions) in A, B and C.</summary>
    public readonly (nint A, nint B, nint C) BatchOffsets(nint batch)
    {
        nint offsetA = 0, offsetB = 0, offsetC = 0;
        for (int d = BatchRank - 1; d >= 0; d--)
        {
            nint index = batch % BatchLengths[d];
            batch /= BatchLengths[d];
            offsetA += index * BatchStridesA[d];
            offsetB += index * BatchStridesB[d];
            offsetC += index * BatchStridesC[d];
        }

        return (offsetA, offsetB, offsetC);
    }
}
