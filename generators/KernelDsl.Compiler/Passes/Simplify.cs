using System;
using KernelDsl.Compiler.Graph;

namespace KernelDsl.Compiler.Passes;

/// <summary>
/// Algebraic simplification. Every rule is exact in IEEE float32 (it changes no result bit, NaN and
/// signed zero included), except where noted: the generated kernel must agree with the eager body.
/// Common subexpressions are shared by <see cref="GraphBuilder"/> as the graph is rebuilt.
/// </summary>
public static class Simplify
{
    public static KernelGraph Run(KernelGraph graph) => GraphRewriter.RewriteToFixpoint(graph, Rule);

    private static int? Rule(GraphBuilder b, GraphNode node)
    {
        if (TryFold(b, node) is int folded)
        {
            return folded;
        }

        int Operand(int k) => node.Operands[k];
        bool IsConstant(int k, float value) => b[Operand(k)].Op == Op.Constant && b[Operand(k)].ConstantBits == BitConverter.ToInt32(BitConverter.GetBytes(value), 0);

        switch (node.Op)
        {
            case Op.Mul when IsConstant(1, 1f):
                return Operand(0);
            case Op.Mul when IsConstant(0, 1f):
                return Operand(1);
            case Op.Mul when IsConstant(1, -1f):
                return b.Apply(Op.Neg, Operand(0));
            case Op.Mul when IsConstant(0, -1f):
                return b.Apply(Op.Neg, Operand(1));
            case Op.Div when IsConstant(1, 1f):
                return Operand(0);
            case Op.Sub when IsConstant(1, 0f):
                return Operand(0);
            case Op.Add when IsConstant(1, -0f):
                return Operand(0);
            case Op.Add when IsConstant(0, -0f):
                return Operand(1);
            case Op.Neg when b[Operand(0)].Op == Op.Neg:
                return b[Operand(0)].Operands[0];
            // x^n for small integer n as multiplications: x² and x⁻¹ are exact; x³ rounds twice (≤ 1 ulp from a correctly rounded pow).
            case Op.Pow when IsConstant(1, 0f):
                return b.Constant(1f);
            case Op.Pow when IsConstant(1, 1f):
                return Operand(0);
            case Op.Pow when IsConstant(1, 2f):
                return b.Apply(Op.Mul, Operand(0), Operand(0));
            case Op.Pow when IsConstant(1, 3f):
                return b.Apply(Op.Mul, b.Apply(Op.Mul, Operand(0), Operand(0)), Operand(0));
            case Op.Pow when IsConstant(1, -1f):
                return b.Apply(Op.Div, b.Constant(1f), Operand(0));
            default:
                return null;
        }
    }

    /// <summary>Evaluates arithmetic on constants at compile time.</summary>
    private static int? TryFold(GraphBuilder b, GraphNode node)
    {
        if (!OpInfo.IsElementwise(node.Op) || OpInfo.IsComparison(node.Op) || node.Op == Op.Where || OpInfo.IsComposite(node.Op))
        {
            return null;
        }

        foreach (int operand in node.Operands)
        {
            if (b[operand].Op != Op.Constant)
            {
                return null;
            }
        }

        // float32 operations evaluated in float64 then rounded give the float32 result exactly for
        // + - * / and sqrt (53 ≥ 2·24 + 2 bits); the transcendentals round from a more precise value.
        double a = b[node.Operands[0]].Constant;
        double c = node.Operands.Count > 1 ? b[node.Operands[1]].Constant : 0;
        double? value = node.Op switch
        {
            Op.Neg => -a,
            Op.Abs => Math.Abs(a),
            Op.Sqrt => Math.Sqrt(a),
            Op.Exp => Math.Exp(a),
            Op.Log => Math.Log(a),
            Op.Tanh => Math.Tanh(a),
            Op.Sigmoid => 1 / (1 + Math.Exp(-a)),
            Op.Sin => Math.Sin(a),
            Op.Cos => Math.Cos(a),
            Op.Add => a + c,
            Op.Sub => a - c,
            Op.Mul => a * c,
            Op.Div => a / c,
            Op.Min => double.IsNaN(a) || double.IsNaN(c) ? double.NaN : a < c || (a == c && IsNegativeZero(a)) ? a : c,
            Op.Max => double.IsNaN(a) || double.IsNaN(c) ? double.NaN : a > c || (a == c && !IsNegativeZero(a)) ? a : c,
            Op.Pow => Math.Pow(a, c),
            _ => null,
        };

        return value is double v ? b.Constant((float)v) : null;
    }

    private static bool IsNegativeZero(double value) => value == 0 && BitConverter.DoubleToInt64Bits(value) < 0;
}
