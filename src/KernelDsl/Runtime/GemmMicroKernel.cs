using System.Runtime.CompilerServices;

namespace KernelDsl.Runtime;

/// <summary>
/// The register-blocked inner kernel of <see cref="Gemm"/>: a tile of <see cref="Rows"/> rows ×
/// two vectors of columns of C, accumulated in twelve registers while one packed column of A
/// (broadcast lane by lane) and one row of B stream through. Per step of k it does twelve FMAs for
/// two loads of B and six broadcasts of A, so on every width the FMA units, not the loads, bound it.
/// </summary>
internal static unsafe class GemmMicroKernel
{
    /// <summary>MR: the tile's row count, and the interleave of packed A.</summary>
    public const int Rows = 6;

    /// <summary>NR for vectors of type <typeparamref name="V"/>: two registers of columns.</summary>
    public static int Columns<V>() where V : struct, ISimdFloat<V> => 2 * V.Count;

    /// <summary>
    /// C[0..6, 0..NR) (+)= A·B over <paramref name="depth"/> steps. <paramref name="a"/> is packed
    /// (six values per step); row p of B starts at <c>b + p * bRowStride</c> and holds NR values.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run<V>(float* a, float* b, nint bRowStride, nint depth, float* c, nint ldc, bool accumulate)
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
            a += Rows;
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
