using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace KernelDsl.Runtime;

/// <summary>
/// The register-blocked inner kernel of <see cref="Gemm"/>: a tile of <see cref="Rows{V}"/> rows ×
/// two vectors of columns of C, accumulated in registers while one packed column of A (broadcast
/// lane by lane) and one row of B stream through. With 512-bit vectors (32 registers) the tile is
/// 12 × 32 in 24 accumulators: 24 FMAs per two loads of B, which measured 5-40% faster than 6 × 32
/// in L1 on this machine's noisy VM; with 256-bit and narrower vectors (16 registers) it is 6 × 2·V
/// in 12.
/// <para>
/// The tiles are written over the raw vector types (<see cref="IGemmLanes{TVector}"/>), not the
/// <see cref="ISimdFloat{TSelf}"/> wrappers: with a wrapper, the JIT computed the second FMA of each
/// row into the dying broadcast register and copied it back to the accumulator (twelve extra moves
/// per step), and a whole 1152³ product ran about 1.1x slower.
/// </para>
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
    /// C[0..MR, 0..NR) (+)= A·B over <paramref name="depth"/> steps. Element (r, p) of A is at
    /// <c>a + r * aRowStride + p * aStep</c>: a packed panel (MR values per step) is (1, MR), a
    /// row-major A read in place is (its row stride, 1). Row p of B starts at
    /// <c>b + p * bRowStride</c> and holds NR values.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Run<V>(float* a, nint aRowStride, nint aStep, float* b, nint bRowStride, nint depth, float* c, nint ldc, bool accumulate)
        where V : struct, ISimdFloat<V>
    {
        if (typeof(V) == typeof(Simd512))
        {
            Run12<Lanes512, Vector512<float>>(a, aRowStride, aStep, b, bRowStride, depth, c, ldc, accumulate);
        }
        else if (typeof(V) == typeof(Simd256))
        {
            Run6<Lanes256, Vector256<float>>(a, aRowStride, aStep, b, bRowStride, depth, c, ldc, accumulate);
        }
        else if (typeof(V) == typeof(Simd128))
        {
            Run6<Lanes128, Vector128<float>>(a, aRowStride, aStep, b, bRowStride, depth, c, ldc, accumulate);
        }
        else
        {
            Run6<LanesScalar, float>(a, aRowStride, aStep, b, bRowStride, depth, c, ldc, accumulate);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Run12<L, TVector>(float* a, nint aRowStride, nint aStep, float* b, nint bRowStride, nint depth, float* c, nint ldc, bool accumulate)
        where L : struct, IGemmLanes<TVector>
        where TVector : struct
    {
        TVector c00 = default, c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
        TVector c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
        TVector c60 = c00, c61 = c00, c70 = c00, c71 = c00, c80 = c00, c81 = c00;
        TVector c90 = c00, c91 = c00, ca0 = c00, ca1 = c00, cb0 = c00, cb1 = c00;
        int width = L.Count;

        // Rows in groups of three from four base pointers (row r at row<i>k</i>[0], [s], [2s]):
        // addressing modes the JIT folds into each broadcast, whatever A's row stride.
        nint s1 = aRowStride, s2 = 2 * aRowStride;
        float* row0 = a, row3 = a + 3 * s1, row6 = a + 6 * s1, row9 = a + 9 * s1;
        for (nint p = 0; p < depth; p++)
        {
            TVector b0 = L.Load(b);
            TVector b1 = L.Load(b + width);
            TVector a0 = L.Broadcast(row0[0]);
            c00 = L.FusedMultiplyAdd(a0, b0, c00);
            c01 = L.FusedMultiplyAdd(a0, b1, c01);
            TVector a1 = L.Broadcast(row0[s1]);
            c10 = L.FusedMultiplyAdd(a1, b0, c10);
            c11 = L.FusedMultiplyAdd(a1, b1, c11);
            TVector a2 = L.Broadcast(row0[s2]);
            c20 = L.FusedMultiplyAdd(a2, b0, c20);
            c21 = L.FusedMultiplyAdd(a2, b1, c21);
            TVector a3 = L.Broadcast(row3[0]);
            c30 = L.FusedMultiplyAdd(a3, b0, c30);
            c31 = L.FusedMultiplyAdd(a3, b1, c31);
            TVector a4 = L.Broadcast(row3[s1]);
            c40 = L.FusedMultiplyAdd(a4, b0, c40);
            c41 = L.FusedMultiplyAdd(a4, b1, c41);
            TVector a5 = L.Broadcast(row3[s2]);
            c50 = L.FusedMultiplyAdd(a5, b0, c50);
            c51 = L.FusedMultiplyAdd(a5, b1, c51);
            TVector a6 = L.Broadcast(row6[0]);
            c60 = L.FusedMultiplyAdd(a6, b0, c60);
            c61 = L.FusedMultiplyAdd(a6, b1, c61);
            TVector a7 = L.Broadcast(row6[s1]);
            c70 = L.FusedMultiplyAdd(a7, b0, c70);
            c71 = L.FusedMultiplyAdd(a7, b1, c71);
            TVector a8 = L.Broadcast(row6[s2]);
            c80 = L.FusedMultiplyAdd(a8, b0, c80);
            c81 = L.FusedMultiplyAdd(a8, b1, c81);
            TVector a9 = L.Broadcast(row9[0]);
            c90 = L.FusedMultiplyAdd(a9, b0, c90);
            c91 = L.FusedMultiplyAdd(a9, b1, c91);
            TVector a10 = L.Broadcast(row9[s1]);
            ca0 = L.FusedMultiplyAdd(a10, b0, ca0);
            ca1 = L.FusedMultiplyAdd(a10, b1, ca1);
            TVector a11 = L.Broadcast(row9[s2]);
            cb0 = L.FusedMultiplyAdd(a11, b0, cb0);
            cb1 = L.FusedMultiplyAdd(a11, b1, cb1);
            row0 += aStep;
            row3 += aStep;
            row6 += aStep;
            row9 += aStep;
            b += bRowStride;
        }

        StoreRow<L, TVector>(c, c00, c01, accumulate);
        StoreRow<L, TVector>(c + ldc, c10, c11, accumulate);
        StoreRow<L, TVector>(c + 2 * ldc, c20, c21, accumulate);
        StoreRow<L, TVector>(c + 3 * ldc, c30, c31, accumulate);
        StoreRow<L, TVector>(c + 4 * ldc, c40, c41, accumulate);
        StoreRow<L, TVector>(c + 5 * ldc, c50, c51, accumulate);
        StoreRow<L, TVector>(c + 6 * ldc, c60, c61, accumulate);
        StoreRow<L, TVector>(c + 7 * ldc, c70, c71, accumulate);
        StoreRow<L, TVector>(c + 8 * ldc, c80, c81, accumulate);
        StoreRow<L, TVector>(c + 9 * ldc, c90, c91, accumulate);
        StoreRow<L, TVector>(c + 10 * ldc, ca0, ca1, accumulate);
        StoreRow<L, TVector>(c + 11 * ldc, cb0, cb1, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Run6<L, TVector>(float* a, nint aRowStride, nint aStep, float* b, nint bRowStride, nint depth, float* c, nint ldc, bool accumulate)
        where L : struct, IGemmLanes<TVector>
        where TVector : struct
    {
        TVector c00 = default, c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
        TVector c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
        int width = L.Count;
        nint s1 = aRowStride, s2 = 2 * aRowStride;
        float* row0 = a, row3 = a + 3 * s1;
        for (nint p = 0; p < depth; p++)
        {
            TVector b0 = L.Load(b);
            TVector b1 = L.Load(b + width);
            TVector a0 = L.Broadcast(row0[0]);
            c00 = L.FusedMultiplyAdd(a0, b0, c00);
            c01 = L.FusedMultiplyAdd(a0, b1, c01);
            TVector a1 = L.Broadcast(row0[s1]);
            c10 = L.FusedMultiplyAdd(a1, b0, c10);
            c11 = L.FusedMultiplyAdd(a1, b1, c11);
            TVector a2 = L.Broadcast(row0[s2]);
            c20 = L.FusedMultiplyAdd(a2, b0, c20);
            c21 = L.FusedMultiplyAdd(a2, b1, c21);
            TVector a3 = L.Broadcast(row3[0]);
            c30 = L.FusedMultiplyAdd(a3, b0, c30);
            c31 = L.FusedMultiplyAdd(a3, b1, c31);
            TVector a4 = L.Broadcast(row3[s1]);
            c40 = L.FusedMultiplyAdd(a4, b0, c40);
            c41 = L.FusedMultiplyAdd(a4, b1, c41);
            TVector a5 = L.Broadcast(row3[s2]);
            c50 = L.FusedMultiplyAdd(a5, b0, c50);
            c51 = L.FusedMultiplyAdd(a5, b1, c51);
            row0 += aStep;
            row3 += aStep;
            b += bRowStride;
        }

        StoreRow<L, TVector>(c, c00, c01, accumulate);
        StoreRow<L, TVector>(c + ldc, c10, c11, accumulate);
        StoreRow<L, TVector>(c + 2 * ldc, c20, c21, accumulate);
        StoreRow<L, TVector>(c + 3 * ldc, c30, c31, accumulate);
        StoreRow<L, TVector>(c + 4 * ldc, c40, c41, accumulate);
        StoreRow<L, TVector>(c + 5 * ldc, c50, c51, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow<L, TVector>(float* c, TVector left, TVector right, bool accumulate)
        where L : struct, IGemmLanes<TVector>
        where TVector : struct
    {
        if (accumulate)
        {
            left = L.Add(left, L.Load(c));
            right = L.Add(right, L.Load(c + L.Count));
        }

        L.Store(left, c);
        L.Store(right, c + L.Count);
    }
}

/// <summary>The vector operations a GEMM tile needs, on a raw vector type (no wrapper struct).</summary>
internal unsafe interface IGemmLanes<TVector>
    where TVector : struct
{
    static abstract int Count { get; }

    static abstract TVector Broadcast(float value);

    static abstract TVector Load(float* source);

    static abstract void Store(TVector value, float* destination);

    static abstract TVector Add(TVector left, TVector right);

    static abstract TVector FusedMultiplyAdd(TVector a, TVector b, TVector c);
}

internal readonly unsafe struct Lanes512 : IGemmLanes<Vector512<float>>
{
    public static int Count => Vector512<float>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Broadcast(float value) => Vector512.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Load(float* source) => Vector512.Load(source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector512<float> value, float* destination) => value.Store(destination);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Add(Vector512<float> left, Vector512<float> right) => left + right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> FusedMultiplyAdd(Vector512<float> a, Vector512<float> b, Vector512<float> c) => Vector512.FusedMultiplyAdd(a, b, c);
}

internal readonly unsafe struct Lanes256 : IGemmLanes<Vector256<float>>
{
    public static int Count => Vector256<float>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Broadcast(float value) => Vector256.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Load(float* source) => Vector256.Load(source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector256<float> value, float* destination) => value.Store(destination);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Add(Vector256<float> left, Vector256<float> right) => left + right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> FusedMultiplyAdd(Vector256<float> a, Vector256<float> b, Vector256<float> c) => Vector256.FusedMultiplyAdd(a, b, c);
}

internal readonly unsafe struct Lanes128 : IGemmLanes<Vector128<float>>
{
    public static int Count => Vector128<float>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Broadcast(float value) => Vector128.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Load(float* source) => Vector128.Load(source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector128<float> value, float* destination) => value.Store(destination);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Add(Vector128<float> left, Vector128<float> right) => left + right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> FusedMultiplyAdd(Vector128<float> a, Vector128<float> b, Vector128<float> c) => FusedMultiplyAdds.MultiplyAdd(a, b, c);
}

/// <summary>One float per "vector", for machines without SIMD; the same arithmetic as <see cref="SimdScalar"/>.</summary>
internal readonly unsafe struct LanesScalar : IGemmLanes<float>
{
    public static int Count => 1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Broadcast(float value) => value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Load(float* source) => *source;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(float value, float* destination) => *destination = value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Add(float left, float right) => left + right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float FusedMultiplyAdd(float a, float b, float c) => FusedMultiplyAdds.MultiplyAdd(a, b, c);
}
