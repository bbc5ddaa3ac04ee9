using KernelDsl.Compiler.Graph;

namespace KernelDsl.Compiler.Passes;

/// <summary>
/// Rewrites composite ops into primitives, so backends implement only the primitives and the
/// simplifier sees through composites (a Gelu's constant multiplications fold with their neighbours).
/// </summary>
public static class LowerComposites
{
    public static KernelGraph Run(KernelGraph graph) => GraphRewriter.RewriteOnce(graph, Rule);

    private static int? Rule(GraphBuilder b, GraphNode node)
    {
        int x = node.Operands.Count > 0 ? node.Operands[0] : -1;
        switch (node.Op)
        {
            case Op.Relu:
                // max(x, 0): NaN stays NaN, as in the eager Tensor.Max.
                return b.Apply(Op.Max, x, b.Constant(0f));
            case Op.Gelu:
                // x·Φ(x): the same as 0.5·x·(1 + erf(x/√2)), without its cancellation for x < 0.
                return b.Apply(Op.Mul, x, b.Apply(Op.NormalCdf, x));
            case Op.Silu:
                return b.Apply(Op.Mul, x, b.Apply(Op.Sigmoid, x));
            case Op.LeakyRelu:
                return b.Apply(Op.Where, b.Apply(Op.Greater, x, b.Constant(0f)), x, b.Apply(Op.Mul, x, node.Operands[1]));
            case Op.Clamp:
                return b.Apply(Op.Min, b.Apply(Op.Max, x, node.Operands[1]), node.Operands[2]);
            default:
                return null;
        }
    }
}
