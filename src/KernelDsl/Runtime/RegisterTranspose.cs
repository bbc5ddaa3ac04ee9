using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace KernelDsl.Runtime;

/// <summary>Small matrix transposes in SSE registers, for copies between row-major and column-major blocks.</summary>
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
}
