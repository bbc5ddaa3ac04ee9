using System;
using System.Runtime.CompilerServices;

namespace KernelDsl.Runtime;

/// <summary>
/// <see cref="Gemm"/>'s path for a few rows of A against a transposed B (each column of B contiguous
/// along the depth, as the keys <c>kᵀ</c> when one query attends to them): each element of C is a
/// dot product of two contiguous runs, four columns at a time, so B is read once, straight from
/// where it is, and nothing is packed. With so few rows, packing B would cost as much as the product,
/// which is bound by reading B.
/// </summary>
internal static unsafe class GemmDotProducts
{
    /// <summary>
    /// The most rows of A (per batch) this path takes; more rows reuse a packed B enough to pay for
    /// packing it. Side by side on [32 batches × M × 128]·[128 × 1024] products (medians of 5
    /// alternating rounds): M = 1 2.7x faster than packing, 4 1.6x, 8 1.1x, 16 0.6x.
    /// </summary>
    public const int MaxRows = 4;

    /// <summary>
    /// C[0..rows, 0..columns) = A·B for row-major <paramref name="a"/> (rows
    /// <paramref name="aRowStride"/> apart, contiguous along the depth) and B given by its columns
    /// (<paramref name="bColumnStride"/> apart, each contiguous along the depth).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run<V>(float* a, nint aRowStride, float* b, nint bColumnStride, nint depth, float* c, nint ldc, nint rows, nint columns)
        where V : struct, ISimdFloat<V>
    {
        nint j = 0;
        for (; j + 4 <= columns; j += 4)
        {
            float* b0 = b + j * bColumnStride, b1 = b0 + bColumnStride, b2 = b1 + bColumnStride, b3 = b2 + bColumnStride;
            for (nint i = 0; i < rows; i++)
            {
                float* row = a + i * aRowStride;
                V s0 = V.Create(0f), s1 = s0, s2 = s0, s3 = s0;
                nint p = 0;
                for (; p + V.Count <= depth; p += V.Count)
                {
                    V x = V.Load(ref row[p], 0);
                    s0 = V.FusedMultiplyAdd(x, V.Load(ref b0[p], 0), s0);
                    s1 = V.FusedMultiplyAdd(x, V.Load(ref b1[p], 0), s1);
                    s2 = V.FusedMultiplyAdd(x, V.Load(ref b2[p], 0), s2);
                    s3 = V.FusedMultiplyAdd(x, V.Load(ref b3[p], 0), s3);
                }

                float r0 = V.Sum(s0), r1 = V.Sum(s1), r2 = V.Sum(s2), r3 = V.Sum(s3);
                for (; p < depth; p++)
                {
                    r0 = FusedMultiplyAdds.MultiplyAdd(row[p], b0[p], r0);
                    r1 = FusedMultiplyAdds.MultiplyAdd(row[p], b1[p], r1);
                    r2 = FusedMultiplyAdds.MultiplyAdd(row[p], b2[p], r2);
                    r3 = FusedMultiplyAdds.MultiplyAdd(row[p], b3[p], r3);
                }

                float* target = c + i * ldc + j;
                target[0] = r0;
                target[1] = r1;
                target[2] = r2;
                target[3] = r3;
            }
        }

        for (; j < columns; j++)
        {
            float* column = b + j * bColumnStride;
            for (nint i = 0; i < rows; i++)
            {
                float* row = a + i * aRowStride;
                V sum = V.Create(0f);
                nint p = 0;
                for (; p + V.Count <= depth; p += V.Count)
                {
                    sum = V.FusedMultiplyAdd(V.Load(ref row[p], 0), V.Load(ref column[p], 0), sum);
                }

                float r = V.Sum(sum);
                for (; p < depth; p++)
                {
                    r = FusedMultiplyAdds.MultiplyAdd(row[p], column[p], r);
                }

                c[i * ldc + j] = r;
            }
        }
    }
}
