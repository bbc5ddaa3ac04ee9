using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace KernelDsl.Runtime;

/// <summary>Small matrix transposes in SSE and AVX registers, for copies between row-major and column-major blocks.</summary>
internal static unsafe class RegisterTranspose
{
    /// <summary>
    /// Reads four rows of four floats (<paramref name="rows"/>, <paramref name="rowStride"/> floats
    /// apart) and writes their transpose as four rows of four floats (<paramref name="columns"/>,
    /// <paramref name="columnStride"/> apart): columns[j][i] = rows[i][j]. Needs
    /// <see cref="Sse.IsSupported"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Transpose4x4(float* rows, nint rowStride, float* columns, nint columnStride)
    {
        Vector128<float> x0 = Sse.LoadVector128(rows);
        Vector128<float> x1 = Sse.LoadVector128(rows + rowStride);
        Vector128<float> x2 = Sse.LoadVector128(rows + 2 * rowStride);
        Vector128<float> x3 = Sse.LoadVector128(rows + 3 * rowStride);
        Vector128<float> low01 = Sse.UnpackLow(x0, x1);   // x0[0] x1[0] x0[1] x1[1]
        Vector128<float> high01 = Sse.UnpackHigh(x0, x1); // x0[2] x1[2] x0[3] x1[3]
        Vector128<float> low23 = Sse.UnpackLow(x2, x3);
        Vector128<float> high23 = Sse.UnpackHigh(x2, x3);
        Sse.Store(columns, Sse.MoveLowToHigh(low01, low23));
        Sse.Store(columns + columnStride, Sse.MoveHighToLow(low23, low01));
        Sse.Store(columns + 2 * columnStride, Sse.MoveLowToHigh(high01, high23));
        Sse.Store(columns + 3 * columnStride, Sse.MoveHighToLow(high23, high01));
    }

    /// <summary>
    /// As <see cref="Transpose4x4"/> for eight rows of eight floats, in 256-bit registers: 24
    /// shuffles and 16 memory operations per 64 floats, against 32 and 32 as four 4 × 4 blocks.
    /// Needs <see cref="Avx.IsSupported"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Transpose8x8(float* rows, nint rowStride, float* columns, nint columnStride)
    {
        Vector256<float> x0 = Avx.LoadVector256(rows);
        Vector256<float> x1 = Avx.LoadVector256(rows + rowStride);
        Vector256<float> x2 = Avx.LoadVector256(rows + 2 * rowStride);
        Vector256<float> x3 = Avx.LoadVector256(rows + 3 * rowStride);
        Vector256<float> x4 = Avx.LoadVector256(rows + 4 * rowStride);
        Vector256<float> x5 = Avx.LoadVector256(rows + 5 * rowStride);
        Vector256<float> x6 = Avx.LoadVector256(rows + 6 * rowStride);
        Vector256<float> x7 = Avx.LoadVector256(rows + 7 * rowStride);

        // Pairs of rows interleaved within each 128-bit half: x0[0] x1[0] x0[1] x1[1] | x0[4] x1[4] x0[5] x1[5].
        Vector256<float> low01 = Avx.UnpackLow(x0, x1), high01 = Avx.UnpackHigh(x0, x1);
        Vector256<float> low23 = Avx.UnpackLow(x2, x3), high23 = Avx.UnpackHigh(x2, x3);
        Vector256<float> low45 = Avx.UnpackLow(x4, x5), high45 = Avx.UnpackHigh(x4, x5);
        Vector256<float> low67 = Avx.UnpackLow(x6, x7), high67 = Avx.UnpackHigh(x6, x7);

        // Four rows of one column in each half: column j of rows 0-3 | column j + 4 of rows 0-3.
        Vector256<float> c04 = Avx.Shuffle(low01, low23, 0x44), c15 = Avx.Shuffle(low01, low23, 0xEE);
        Vector256<float> c26 = Avx.Shuffle(high01, high23, 0x44), c37 = Avx.Shuffle(high01, high23, 0xEE);
        Vector256<float> d04 = Avx.Shuffle(low45, low67, 0x44), d15 = Avx.Shuffle(low45, low67, 0xEE);
        Vector256<float> d26 = Avx.Shuffle(high45, high67, 0x44), d37 = Avx.Shuffle(high45, high67, 0xEE);

        // Rows 0-3 and rows 4-7 of each column joined across the halves.
        Avx.Store(columns, Avx.Permute2x128(c04, d04, 0x20));
        Avx.Store(columns + columnStride, Avx.Permute2x128(c15, d15, 0x20));
        Avx.Store(columns + 2 * columnStride, Avx.Permute2x128(c26, d26, 0x20));
        Avx.Store(columns + 3 * columnStride, Avx.Permute2x128(c37, d37, 0x20));
        Avx.Store(columns + 4 * columnStride, Avx.Permute2x128(c04, d04, 0x31));
        Avx.Store(columns + 5 * columnStride, Avx.Permute2x128(c15, d15, 0x31));
        Avx.Store(columns + 6 * columnStride, Avx.Permute2x128(c26, d26, 0x31));
        Avx.Store(columns + 7 * columnStride, Avx.Permute2x128(c37, d37, 0x31));
    }
}
