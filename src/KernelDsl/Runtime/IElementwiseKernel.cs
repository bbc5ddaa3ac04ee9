using System.ComponentModel;

namespace KernelDsl.Runtime;

/// <summary>
/// The fused loop body of a generated elementwise kernel. The generator emits one readonly struct
/// per kernel that implements this interface; <see cref="ElementwiseRunner"/> pins the operands,
/// splits the index range across cores and picks the widest accelerated SIMD width.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public interface IElementwiseKernel
{
    /// <summary>
    /// Computes elements [<paramref name="start"/>, <paramref name="end"/>) with vectors of type
    /// <typeparamref name="V"/>. The runner guarantees that <c>end - start</c> is a multiple of
    /// <c>V.Count</c>.
    /// </summary>
    void Execute<V>(in KernelOperands operands, nint start, nint end) where V : struct, ISimdFloat<V>;
}
