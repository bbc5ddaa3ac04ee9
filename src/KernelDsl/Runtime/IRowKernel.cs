using System.ComponentModel;

namespace KernelDsl.Runtime;

/// <summary>
/// The fused body of a generated N-d kernel, run one row at a time: the row is the innermost
/// dimension of the kernel's iteration space, and everything the kernel reduces or broadcasts per
/// row (a softmax's maximum and sum, a layer norm's mean and variance) lives in registers while the
/// row is processed. <see cref="RowRunner"/> walks the outer dimensions (and splits them across
/// cores); <see cref="Gemm"/> calls the same body as the epilogue of a matrix product, on each
/// finished tile of its output.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public interface IRowKernel
{
    /// <summary>
    /// Computes <paramref name="length"/> elements of one row. Each input pointer of
    /// <paramref name="row"/> is the row's first element (an input broadcast along the row points at
    /// its single value); the destination pointer is the row's first output element (or, for a
    /// kernel that reduces the row, the row's single result).
    /// </summary>
    void ExecuteRow<V>(in KernelOperands row, nint length) where V : struct, ISimdFloat<V>;

    /// <summary>
    /// Whether the kernel also writes one value per row into an operand slot (another result of
    /// the kernel, such as a mean kept beside the normalized rows, or a piece of a join): then rows
    /// of no elements still run, since that value (a reduction's identity, or NaN for a mean) must
    /// be written.
    /// </summary>
    static virtual bool WritesValuesPerRow => false;
}
