using System.Runtime.CompilerServices;

namespace KernelDsl.Runtime;

/// <summary>
/// The register-blocked inner kernel of <see cref="Gemm"/>: a tile of <see cref="Rows{V}"/> rows ×
/// two vectors of columns of C, accumulated in registers while one packed column of A (broadcast
/// lane by lane) and one row of B stream through. With 512-bit vectors (32 registers) the tile is
/// 12 × 32 in 24 accumulators: 24 FMAs per two loads of B, which measured 5-40% faster than 6 × 32
/// in L1 on this machine's noisy VM; with 256-bit and narrower vectors (16 registers) it is 6 × 2·V
/// in 12.
/// </summary>
internal static unsafe class GemmMicroKernel
{
    /// <summary>The largest MR of any width.</summary>
    public const int MaxRows = 12;

    /// <summary>MR for vectors of type <typeparamref name="V"/>: the tile's row count, and the interleave of packed A.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Rows<V>() where V : struct, ISimdFloat<V> => V.Count == 16 ? 12 : 6;

    /// <summary>NR for vectors of type <typeparamref name="V"/>: two registers of columns.</summary>
    public static int Columns<V>() where V : struct, ISimdFloat<V> => 2 * V.Count;

    /// <summary>
    /// C[0..MR, 0..NR) (+)= A·B over <paramref name="depth"/> steps. <paramref name="a"/> is packed
    /// (MR values per step); row p of B starts at <c>b + p * bRowStride</c> and holds NR values.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Run<V>(float* a, float* b, nint bRowStride, nint depth, float* c, nint ldc, bool accumulate)
        where V : struct, ISimdFloat<V>
    {
        if (Rows<V>() == 12)
        {
            Run12<V>(a, b, bRowStride, depth, c, ldc, accumulate);
        }
        else
        {
            Run6<V>(a, b, bRowStride, depth, c, ldc, accumulate);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Run12<V>(float* a, float* b, nint bRowStride, nint depth, float* c, nint ldc, bool accumulate)
        where V : struct, ISimdFloat<V>
    {
        V c00 = V.Create(0f), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
        V c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
        V c60 = c00, c61 = c00, c70 = c00, c71 = c00, c80 = c00, c81 = c00;
        V c90 = c00, c91 = c00, ca0 = c00, ca1 = c00, cb0 = c00, cb1 = c00;
        int width = V.Count;
        for (nint p = 0; p < depth; p++)
        {
            V b0 = V.Load(ref *b, 0);
            V b1 = V.Load(ref *b, width);
            V a0 = V.Create(a[0]);
            c00 = V.FusedMultiplyAdd(a0, b0, c00);
            c01 = V.FusedMultiplyAdd(a0, b1, c01);
            V a1 = V.Create(a[1]);
            c10 = V.FusedMultiplyAdd(a1, b0, c10);
            c11 = V.FusedMultiplyAdd(a1, b1, c11);
            V a2 = V.Create(a[2]);
            c20 = V.FusedMultiplyAdd(a2, b0, c20);
            c21 = V.FusedMultiplyAdd(a2, b1, c21);
            V a3 = V.Create(a[3]);
            c30 = V.FusedMultiplyAdd(a3, b0, c30);
            c31 = V.FusedMultiplyAdd(a3, b1, c31);
            V a4 = V.Create(a[4]);
            c40 = V.FusedMultiplyAdd(a4, b0, c40);
            c41 = V.FusedMultiplyAdd(a4, b1, c41);
            V a5 = V.Create(a[5]);
            c50 = V.FusedMultiplyAdd(a5, b0, c50);
            c51 = V.FusedMultiplyAdd(a5, b1, c51);
            V a6 = V.Create(a[6]);
            c60 = V.FusedMultiplyAdd(a6, b0, c60);
            c61 = V.FusedMultiplyAdd(a6, b1, c61);
            V a7 = V.Create(a[7]);
            c70 = V.FusedMultiplyAdd(a7, b0, c70);
            c71 = V.FusedMultiplyAdd(a7, b1, c71);
            V a8 = V.Create(a[8]);
            c80 = V.FusedMultiplyAdd(a8, b0, c80);
            c81 = V.FusedMultiplyAdd(a8, b1, c81);
            V a9 = V.Create(a[9]);
            c90 = V.FusedMultiplyAdd(a9, b0, c90);
            c91 = V.FusedMultiplyAdd(a9, b1, c91);
            V a10 = V.Create(a[10]);
            ca0 = V.FusedMultiplyAdd(a10, b0, ca0);
            ca1 = V.FusedMultiplyAdd(a10, b1, ca1);
            V a11 = V.Create(a[11]);
            cb0 = V.FusedMultiplyAdd(a11, b0, cb0);
            cb1 = V.FusedMultiplyAdd(a11, b1, cb1);
            a += 12;
            b += bRowStride;
        }

        StoreRow(c, c00, c01, accumulate);
        StoreRow(c + ldc, c10, c11, accumulate);
        StoreRow(c + 2 * ldc, c20, c21, accumulate);
        StoreRow(c + 3 * ldc, c30, c31, accumulate);
        StoreRow(c + 4 * ldc, c40, c41, accumulate);
        StoreRow(c + 5 * ldc, c50, c51, accumulate);
        StoreRow(c + 6 * ldc, c60, c61, accumulate);
        StoreRow(c + 7 * ldc, c70, c71, accumulate);
        StoreRow(c + 8 * ldc, c80, c81, accumulate);
        StoreRow(c + 9 * ldc, c90, c91, accumulate);
        StoreRow(c + 10 * ldc, ca0, ca1, accumulate);
        StoreRow(c + 11 * ldc, cb0, cb1, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Run6<V>(float* a, float* b, nint bRowStride, nint depth, float* c, nint ldc, bool accumulate)
        where V : struct, ISimdFloat<V>
    {
        V c00 = V.Create(0f), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
        V c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
        int width = V.Count;
        for (nint p = 0; p < depth; p++)
        {
            V b0 = V.Load(ref *b, 0);
            V b1 = V.Load(ref *b, width);
            V a0 = V.Create(a[0]);
            c00 = V.FusedMultiplyAdd(a0, b0, c00);
            c01 = V.FusedMultiplyAdd(a0, b1, c01);
            V a1 = V.Create(a[1]);
            c10 = V.FusedMultiplyAdd(a1, b0, c10);
            c11 = V.FusedMultiplyAdd(a1, b1, c11);
            V a2 = V.Create(a[2]);
            c20 = V.FusedMultiplyAdd(a2, b0, c20);
            c21 = V.FusedMultiplyAdd(a2, b1, c21);
            V a3 = V.Create(a[3]);
            c30 = V.FusedMultiplyAdd(a3, b0, c30);
            c31 = V.FusedMultiplyAdd(a3, b1, c31);
            V a4 = V.Create(a[4]);
            c40 = V.FusedMultiplyAdd(a4, b0, c40);
            c41 = V.FusedMultiplyAdd(a4, b1, c41);
            V a5 = V.Create(a[5]);
            c50 = V.FusedMultiplyAdd(a5, b0, c50);
            c51 = V.FusedMultiplyAdd(a5, b1, c51);
            a += 6;
            b += bRowStride;
        }

        StoreRow(c, c00, c01, accumulate);
        StoreRow(c + ldc, c10, c11, accumulate);
        StoreRow(c + 2 * ldc, c20, c21, accumulate);
        StoreRow(c + 3 * ldc, c30, c31, accumulate);
        StoreRow(c + 4 * ldc, c40, c41, accumulate);
        StoreRow(c + 5 * ldc, c50, c51, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow<V>(float* c, V left, V right, bool accumulate)
        where V : struct, ISimdFloat<V>
    {
        if (accumulate)
        {
            left += V.Load(ref *c, 0);
            right += V.Load(ref *c, V.Count);
        }

        V.Store(left, ref *c, 0);
        V.Store(right, ref *c, V.Count);
    }
}
