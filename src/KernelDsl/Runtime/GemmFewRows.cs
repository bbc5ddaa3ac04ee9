using System;
using System.Runtime.CompilerServices;

namespace KernelDsl.Runtime;

/// <summary>
/// <see cref="Gemm"/>'s path for a few rows of A against a B whose rows are contiguous (a dense
/// layer's weights <c>[K, N]</c> at batch 1): each row of C is a sum of rows of B scaled by that row
/// of A, computed a block of columns at a time with the block's sums in registers, so B is read once,
/// in place, and nothing is packed. The packed micro-kernel computes 12 rows per tile, so for one
/// row it would do twelve times the multiply-adds, and packing B would cost as much as the product.
/// </summary>
internal static unsafe class GemmFewRows
{
    /// <summary>The most rows of A this path takes; more rows fill the micro-kernel's tiles.</summary>
    public const int MaxRows = 4;

    /// <summary>
    /// C[0..rows, 0..columns) = A·B for A with rows <paramref name="aRowStride"/> apart and columns
    /// <paramref name="aColumnStride"/> apart, and B with rows <paramref name="bRowStride"/> apart,
    /// each contiguous; C's rows are <paramref name="ldc"/> apart.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run<V>(float* a, nint aRowStride, nint aColumnStride, float* b, nint bRowStride, nint depth, float* c, nint ldc, nint rows, nint columns)
        where V : struct, ISimdFloat<V>
    {
        nint j = 0;
        for (; j + 4 * V.Count <= columns; j += 4 * V.Count)
        {
            for (nint i = 0; i < rows; i++)
            {
                // Four independent sums, so consecutive steps do not wait on each other's multiply-add.
                float* row = a + i * aRowStride;
                float* column = b + j;
                V s0 = V.Create(0f), s1 = s0, s2 = s0, s3 = s0;
                for (nint p = 0; p < depth; p++, column += bRowStride)
                {
                    V x = V.Create(row[p * aColumnStride]);
                    s0 = V.FusedMultiplyAdd(x, V.Load(ref column[0], 0), s0);
                    s1 = V.FusedMultiplyAdd(x, V.Load(ref column[0], V.Count), s1);
                    s2 = V.FusedMultiplyAdd(x, V.Load(ref column[0], 2 * V.Count), s2);
                    s3 = V.FusedMultiplyAdd(x, V.Load(ref column[0], 3 * V.Count), s3);
                }

                ref float target = ref c[i * ldc + j];
                V.Store(s0, ref target, 0);
                V.Store(s1, ref target, V.Count);
                V.Store(s2, ref target, 2 * V.Count);
                V.Store(s3, ref target, 3 * V.Count);
            }
        }

        for (; j + V.Count <= columns; j += V.Count)
        {
            for (nint i = 0; i < rows; i++)
            {
                float* row = a + i * aRowStride;
                float* column = b + j;
                V s = V.Create(0f);
                for (nint p = 0; p < depth; p++, column += bRowStride)
                {
                    s = V.FusedMultiplyAdd(V.Create(row[p * aColumnStride]), V.Load(ref column[0], 0), s);
                }

                V.Store(s, ref c[i * ldc + j], 0);
            }
        }

        for (; j < columns; j++)
        {
            for (nint i = 0; i < rows; i++)
            {
                float* row = a + i * aRowStride;
                float s = 0f;
                for (nint p = 0; p < depth; p++)
                {
                    s = FusedMultiplyAdds.MultiplyAdd(row[p * aColumnStride], b[p * bRowStride + j], s);
                }

                c[i * ldc + j] = s;
            }
        }
    }
}
