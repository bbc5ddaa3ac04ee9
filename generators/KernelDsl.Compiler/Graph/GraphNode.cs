using System;
using KernelDsl.Compiler.Common;

namespace KernelDsl.Compiler.Graph;

/// <summary>
/// One node of a <see cref="KernelGraph"/>: an op applied to earlier nodes (by index). Leaves carry
/// a parameter index or a constant. Value equality makes structurally equal nodes equal, which is
/// how <see cref="GraphBuilder"/> shares common subexpressions.
/// </summary>
/// <param name="Op">The operation.</param>
/// <param name="Operands">Indices of the operand nodes, all smaller than this node's own index.</param>
/// <param name="Parameter">For <see cref="Op.Input"/> and <see cref="Op.ScalarInput"/>: the kernel parameter's index; else -1.</param>
/// <param name="ConstantBits">For <see cref="Op.Constant"/>: the float's bits (bits, so +0 and -0 differ and NaN equals itself).</param>
/// <param name="Attributes">Integer attributes: for reductions keepDims (0 or 1) then the axes; for
/// <see cref="Op.Transpose"/> the permutation. Empty for other ops.</param>
public sealed record GraphNode(Op Op, EquatableArray<int> Operands, int Parameter = -1, int ConstantBits = 0, EquatableArray<int> Attributes = default)
{
    /// <summary>For a reduction: whether reduced axes stay as size-1 dimensions.</summary>
    public bool KeepDims => Attributes.Count > 0 && Attributes[0] != 0;

    /// <summary>For a reduction: the axes as written (negative counts from the end).</summary>
    public System.Collections.Generic.IEnumerable<int> Axes => System.Linq.Enumerable.Skip(Attributes, 1);

    /// <summary>
    /// For <see cref="Op.Exp"/> in a loop statement: its operand is known to be at most 0 (or NaN), as
    /// <c>x - Max(x)</c> is, so the renderer may drop the upper clamp (<c>VectorMath.ExpOfNonPositive</c>).
    /// Set by <c>RowLowering</c>; graph nodes themselves never carry it.
    /// </summary>
    public bool NonPositiveOperand => Op == Op.Exp && Attributes.Count > 0 && Attributes[0] != 0;

    /// <summary>For <see cref="Op.Constant"/>: the value.</summary>
    public float Constant => BitConverter.ToSingle(BitConverter.GetBytes(ConstantBits), 0);

    /// <summary>A constant node.</summary>
    public static GraphNode OfConstant(float value) => new(Op.Constant, EquatableArray<int>.Empty, ConstantBits: BitConverter.ToInt32(BitConverter.GetBytes(value), 0));
}
