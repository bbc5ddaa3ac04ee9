using System.Linq;
using KernelDsl.Compiler.Graph;

namespace KernelDsl.Generators.Parsing;

/// <summary>Graph building both front ends share: which calls reduce, reductions as the compiler fuses them, and the shapes known while lowering.</summary>
internal static class ReductionLowering
{
    /// <summary>
    /// The reduction a function of <c>Ops</c> computes (Sum, Mean, Prod, Max or Min over an axis or
    /// axes, its second parameter), or null (Max and Min of two values are elementwise).
    /// </summary>
    public static Op? ReductionOf(Microsoft.CodeAnalysis.IMethodSymbol target)
    {
        bool secondIsAxes = target.Parameters.Length >= 2 && (target.Parameters[1].Type.SpecialType == Microsoft.CodeAnalysis.SpecialType.System_Int32
            || target.Parameters[1].Type is Microsoft.CodeAnalysis.IArrayTypeSymbol { ElementType.SpecialType: Microsoft.CodeAnalysis.SpecialType.System_Int32 });
        return !secondIsAxes ? null : target.Name switch
        {
            "Sum" => Op.Sum,
            "Mean" => Op.Mean,
            "Prod" => Op.Prod,
            "Max" => Op.ReduceMax,
            "Min" => Op.ReduceMin,
            _ => null,
        };
    }

    /// <summary>
    /// A reduction as the compiler fuses it: one axis at a time, each the last axis of its operand.
    /// Several axes become nested reductions (highest axis first, so the lower ones keep their
    /// numbers; nested means are the mean, since every inner mean counts the same elements); another
    /// axis is moved last by a transpose (and, with keepDims, moved back). Without known shapes the
    /// reduction is kept as written, and shape inference reports what is wrong with it.
    /// </summary>
    public static int Reduce(GraphBuilder builder, Op op, int operand, bool keepDims, int[] axes)
    {
        int rank = ShapeOf(builder, operand)?.Rank ?? -1;
        int[] normalized = axes.Select(a => a < 0 ? a + rank : a).Distinct().OrderByDescending(a => a).ToArray();
        if (rank < 1 || normalized.Length != axes.Length || normalized.Any(a => a < 0 || a >= rank))
        {
            return builder.Reduce(op, operand, keepDims, axes);
        }

        int current = operand;
        foreach (int axis in normalized)
        {
            if (axis == rank - 1)
            {
                current = builder.Reduce(op, current, keepDims, axis);
            }
            else
            {
                int[] toLast = Enumerable.Range(0, rank).Where(d => d != axis).Concat(new[] { axis }).ToArray();
                current = builder.Reduce(op, builder.Transpose(current, toLast), keepDims, rank - 1);
                if (keepDims)
                {
                    int[] back = new int[rank];
                    for (int d = 0; d < rank; d++)
                    {
                        back[toLast[d]] = d;
                    }

                    current = builder.Transpose(current, back);
                }
            }

            rank -= keepDims ? 0 : 1;
        }

        return current;
    }

    /// <summary>
    /// A composite normalizing along <paramref name="axis"/> (Softmax, LogSoftmax), built where the
    /// compiler fuses it: along the last axis. Another axis is swapped with the last by a transpose,
    /// the composite runs along the last axis, and the result is transposed back, so a softmax over
    /// columns is a row softmax of the transposed view. Without known shapes, or when the axis is
    /// the last already, the composite is built as written (shape inference reports a bad axis).
    /// </summary>
    public static int AlongLastAxis(GraphBuilder builder, int operand, int axis, System.Func<int, int, int> composite)
    {
        int rank = ShapeOf(builder, operand)?.Rank ?? -1;
        int normalized = axis < 0 ? axis + rank : axis;
        if (rank < 2 || normalized < 0 || normalized >= rank - 1)
        {
            return composite(operand, axis);
        }

        int[] swap = Enumerable.Range(0, rank).Select(d => d == normalized ? rank - 1 : d == rank - 1 ? normalized : d).ToArray();
        return builder.Transpose(composite(builder.Transpose(operand, swap), rank - 1), swap);
    }

    /// <summary>The shape of a node built so far, when the kernel declares shapes and the node's are known.</summary>
    public static KernelDsl.Compiler.Shapes.Shape? ShapeOf(GraphBuilder builder, int node)
    {
        if (!KernelDsl.Compiler.Shapes.ShapeInference.IsShaped(new KernelGraph(builder.Parameters, KernelDsl.Compiler.Common.EquatableArray<GraphNode>.Empty, 0)))
        {
            return null;
        }

        KernelGraph graph = builder.Build(node);
        return KernelDsl.Compiler.Shapes.ShapeInference.Infer(graph).Shapes[graph.Output];
    }
}
