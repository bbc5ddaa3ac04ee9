using System.Runtime.CompilerServices;

namespace KernelDsl.Runtime;

/// <summary>Portable forms of <see cref="ISimdFloat{TSelf}"/> operations that some widths have a single instruction for.</summary>
internal static class SimdMath
{
    /// <summary>
    /// x·2^n as x·2^n1·2^n2 with both factors normal floats. For x in [0.5, 2), n1 ≥ -125 keeps the
    /// first product normal and so exact; only the last multiplication rounds, as a single-instruction
    /// scale would.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V ScaleInTwoSteps<V>(V x, V n) where V : struct, ISimdFloat<V>
    {
        V n1 = V.MinNative(V.MaxNative(n, V.Create(-125f)), V.Create(127f));
        return x * V.PowerOfTwo(n1) * V.PowerOfTwo(n - n1);
    }
}
