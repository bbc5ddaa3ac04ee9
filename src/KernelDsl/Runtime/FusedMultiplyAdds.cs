using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace KernelDsl.Runtime;

/// <summary>
/// <c>a * b + c</c> for 128-bit vectors and single lanes, on machines with and without a fused
/// multiply-add instruction. (The wider widths need none of this: .NET accelerates Vector256 only
/// with AVX2 and Vector512 only with AVX-512, and enables FMA with either.)
/// </summary>
/// <remarks>
/// Without the instruction (x86 before FMA3, such as Sandy Bridge or the Atom cores, or a runtime
/// told to ignore AVX2), <c>Vector128.FusedMultiplyAdd</c> and <c>MathF.FusedMultiplyAdd</c> fall
/// back to exact software emulation, and the vector math library is mostly multiply-adds: with
/// AVX2 switched off, a softmax, SiLU and GELU over rows in L2 ran 5-8 times slower than with what
/// is done here instead (docs/performance.md). Here the product is taken in double precision
/// instead, where it is exact (24 + 24 bits of significand fit in 53), the sum rounds once to double
/// and then to float: a few instructions per lane. That rounds twice, so in rare cases (the double
/// sum lying exactly halfway between two floats) it differs from a true fused multiply-add by one
/// unit in the last place; every width and the scalar tail compute it the same way, so they still
/// agree bit for bit with each other.
/// </remarks>
internal static class FusedMultiplyAdds
{
    // Each method tests the ISA flags itself (constants when the JIT imports it), so the branch not
    // taken is dropped before inlining and adds nothing to a kernel's inlining budget.

    /// <summary><c>a * b + c</c>: one fused multiply-add where the machine has it (FMA3 on x86, any ARM64), else <see cref="ViaDouble(float, float, float)"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float MultiplyAdd(float a, float b, float c)
        => Fma.IsSupported || AdvSimd.IsSupported ? MathF.FusedMultiplyAdd(a, b, c) : ViaDouble(a, b, c);

    /// <inheritdoc cref="MultiplyAdd(float, float, float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> MultiplyAdd(Vector128<float> a, Vector128<float> b, Vector128<float> c)
        => Fma.IsSupported || AdvSimd.IsSupported ? Vector128.FusedMultiplyAdd(a, b, c) : ViaDouble(a, b, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ViaDouble(float a, float b, float c) => (float)((double)a * b + c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> ViaDouble(Vector128<float> a, Vector128<float> b, Vector128<float> c)
    {
        // Intrinsics only (no tuples), so this adds no inlinees: the JIT's inlining budget for a
        // kernel is spent on the kernel, not on this.
        Vector128<double> lower = Vector128.WidenLower(a) * Vector128.WidenLower(b) + Vector128.WidenLower(c);
        Vector128<double> upper = Vector128.WidenUpper(a) * Vector128.WidenUpper(b) + Vector128.WidenUpper(c);
        return Vector128.Narrow(lower, upper);
    }
}
