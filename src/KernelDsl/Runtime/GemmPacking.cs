using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace KernelDsl.Runtime;

/// <summary>
/// Copies blocks of <see cref="Gemm"/>'s operands into the panel layouts
/// <see cref="GemmMicroKernel"/> reads sequentially: A as panels of MR rows interleaved by depth
/// (MR values per step), B as panels of NR columns stored row by row (NR values per step). Missing
/// rows and columns of a partial panel are zeros, so the micro-kernel never branches on edges.
/// </summary>
internal static unsafe class GemmPacking
{
    /// <summary>
    /// Packs <paramref name="rows"/> × <paramref name="depth"/> of A (row stride
    /// <paramref name="rowStride"/>, column stride <paramref name="columnStride"/>) into panels of
    /// <paramref name="mr"/> rows at <paramref name="packed"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackA(float* a, nint rowStride, nint columnStride, nint rows, nint depth, int mr, float* packed)
    {
        for (nint panel = 0; panel * mr < rows; panel++)
        {
            float* target = packed + panel * mr * depth;
            float* first = a + panel * mr * rowStride;
            nint valid = Math.Min(mr, rows - panel * mr);
            if (valid < mr)
            {
                new Span<float>(target, checked((int)(mr * depth))).Clear(); // the missing rows pack as zeros
            }

            if (rowStride == 1)
            {
                // A transposed A (each column contiguous along the rows, as xᵀ in a weight
                // gradient): each step of the panel is a contiguous run of the column, copied whole.
                for (nint p = 0; p < depth; p++)
                {
                    new ReadOnlySpan<float>(first + p * columnStride, (int)valid).CopyTo(new Span<float>(target + p * mr, (int)valid));
                }

                continue;
            }

            nint done = 0;
            if (columnStride == 1 && Sse.IsSupported)
            {
                // Rows contiguous along depth (a row-major A): every four rows are transposed four
                // steps at a time in registers. A scalar copy reads one float per load and, with
                // its rows a page apart, ran about 1.15x slower on a whole 1152³ product.
                done = PackRowGroupsTransposed(first, rowStride, valid, depth, mr, target);
            }

            // The rows no group of four covered, or every row of a strided A, one step at a time:
            // depth outermost, so the panel is written sequentially.
            for (nint p = 0; p < depth; p++)
            {
                float* column = first + p * columnStride;
                float* step = target + p * mr;
                for (nint r = done; r < valid; r++)
                {
                    step[r] = column[r * rowStride];
                }
            }
        }
    }

    /// <summary>
    /// Packs the first <c>4 · ⌊valid / 4⌋</c> rows of one A panel whose rows are contiguous, four
    /// rows by four steps per 4 × 4 transpose (the last <c>depth % 4</c> steps one by one).
    /// Returns how many rows it packed.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static nint PackRowGroupsTransposed(float* first, nint rowStride, nint valid, nint depth, int mr, float* target)
    {
        nint groups = valid / 4 * 4;
        nint p = 0;

        // Sixteen steps (one cache line of each row) for all groups before moving on: rows whose
        // stride is a multiple of 4 KiB share one L1 set, and a line read for four steps only was
        // evicted by the other rows before its next four were read.
        for (; p + 16 <= depth; p += 16)
        {
            for (nint g = 0; g < groups; g += 4)
            {
                float* rows = first + g * rowStride + p;
                float* step = target + p * mr + g;
                RegisterTranspose.Transpose4x4(rows, rowStride, step, mr);
                RegisterTranspose.Transpose4x4(rows + 4, rowStride, step + 4 * mr, mr);
                RegisterTranspose.Transpose4x4(rows + 8, rowStride, step + 8 * mr, mr);
                RegisterTranspose.Transpose4x4(rows + 12, rowStride, step + 12 * mr, mr);
            }
        }

        for (; p + 4 <= depth; p += 4)
        {
            for (nint g = 0; g < groups; g += 4)
            {
                RegisterTranspose.Transpose4x4(first + g * rowStride + p, rowStride, target + p * mr + g, mr);
            }
        }

        for (; p < depth; p++)
        {
            float* column = first + p;
            float* step = target + p * mr;
            for (nint r = 0; r < groups; r++)
            {
                step[r] = column[r * rowStride];
            }
        }

        return groups;
    }

    /// <summary>
    /// Packs <paramref name="depth"/> × <paramref name="columns"/> of B (row stride
    /// <paramref name="rowStride"/>, column stride <paramref name="columnStride"/>) into panels of
    /// NR = 2·V columns at <paramref name="packed"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackB<V>(float* b, nint rowStride, nint columnStride, nint columns, nint depth, float* packed)
        where V : struct, ISimdFloat<V>
    {
        int nr = GemmMicroKernel.Columns<V>();
        if (rowStride == 1 && columnStride != 1)
        {
            // A transposed B (each column contiguous along the depth, as kᵀ in attention scores) is
            // packed the way a row-major A is, by 4 × 4 register transposes: its columns are the
            // "rows", NR of them per panel. Element by element, a [32 × 1 × 128]·[128 × 1024]
            // batch of products (one query against its keys) took 1.6x as long.
            PackA(b, columnStride, 1, columns, depth, nr, packed);
            return;
        }

        nint firstPartial = 0;
        if (columnStride == 1)
        {
            // A row-major B is read row by row, each row front to back across all full panels:
            // reading one panel's column strip down all the rows instead touches a new page every
            // row (rows are usually a page or more apart), which the hardware prefetchers do not
            // follow; row by row measured 1.03x faster on a whole 1024³ product (one thread, 6 of 6
            // alternating rounds).
            nint fullPanels = columns / nr;
            for (nint p = 0; p < depth; p++)
            {
                float* source = b + p * rowStride;
                float* row = packed + p * nr;
                for (nint panel = 0; panel < fullPanels; panel++)
                {
                    V.Store(V.Load(ref *source, 0), ref *row, 0);
                    V.Store(V.Load(ref *source, V.Count), ref *row, V.Count);
                    source += nr;
                    row += nr * depth;
                }
            }

            firstPartial = fullPanels;
        }

        // The last, partial panel (zero-padded), or every panel of a strided B, element by element.
        for (nint panel = firstPartial; panel * nr < columns; panel++)
        {
            float* target = packed + panel * nr * depth;
            nint valid = Math.Min(nr, columns - panel * nr);
            for (nint p = 0; p < depth; p++)
            {
                float* source = b + p * rowStride + panel * nr * columnStride;
                float* row = target + p * nr;
                for (nint j = 0; j < valid; j++)
                {
                    row[j] = source[j * columnStride];
                }

                for (nint j = valid; j < nr; j++)
                {
                    row[j] = 0;
                }
            }
        }
    }
}
