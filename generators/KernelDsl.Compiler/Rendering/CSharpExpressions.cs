using System;
using System.Linq;
using KernelDsl.Compiler.Graph;

namespace KernelDsl.Compiler.Rendering;

/// <summary>C# for one elementwise op over <c>ISimdFloat</c> values of type <c>type</c>.</summary>
internal static class CSharpExpressions
{
    /// <summary>The expression computing <paramref name="node"/> from its operands' values (named by <paramref name="value"/>).</summary>
    public static string Elementwise(GraphNode node, string type, Func<int, string> value)
    {
        string Operand(int k) => value(node.Operands[k]);
        string Args() => string.Join(", ", node.Operands.Select(value));
        string? infix = node.Op is Op.Add or Op.Sub or Op.Mul or Op.Div ? OpInfo.InfixSymbol(node.Op) : null;
        if (infix is not null)
        {
            return $"{Operand(0)} {infix} {Operand(1)}";
        }

        return node.Op switch
        {
            Op.Constant => $"{type}.Create({KernelGraph.FormatFloat(node.Constant)})",
            Op.Neg => $"-{Operand(0)}",
            Op.Abs or Op.Sqrt or Op.Min or Op.Max => $"{type}.{node.Op}({Args()})",
            Op.Exp when node.NonPositiveOperand => $"{CSharpLoopRenderer.Runtime}::VectorMath.ExpOfNonPositive({Args()})",
            _ when OpInfo.IsVectorMathFunction(node.Op) => $"{CSharpLoopRenderer.Runtime}::VectorMath.{node.Op}({Args()})",
            Op.Less => $"{type}.LessThan({Args()})",
            Op.LessEqual => $"{type}.LessThanOrEqual({Args()})",
            Op.Greater => $"{type}.GreaterThan({Args()})",
            Op.GreaterEqual => $"{type}.GreaterThanOrEqual({Args()})",
            Op.Equal => $"{type}.Equal({Args()})",
            Op.NotEqual => $"{type}.NotEqual({Args()})",
            Op.Where => $"{type}.Select({Args()})",
            _ => throw new InvalidOperationException($"the C# renderer has no elementwise rule for {node.Op}"),
        };
    }
}
