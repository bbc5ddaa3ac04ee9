using System;
using System.Globalization;
using System.Text;
using KernelDsl.Compiler.Common;

namespace KernelDsl.Compiler.Graph;

/// <summary>
/// A kernel as a graph: its parameters, its nodes in topological order (each node's operands come
/// before it), and the node whose value the kernel returns. Immutable, with value equality.
/// </summary>
public sealed record KernelGraph(EquatableArray<KernelParameter> Parameters, EquatableArray<GraphNode> Nodes, int Output)
{
    /// <summary>Whether node <paramref name="index"/> varies per element (depends on a tensor input) rather than being the same for all.</summary>
    public bool IsVarying(int index)
    {
        GraphNode node = Nodes[index];
        if (node.Op == Op.Input)
        {
            return true;
        }

        foreach (int operand in node.Operands)
        {
            if (IsVarying(operand))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The expression that computes node <paramref name="index"/>, in DSL spelling: <c>Tanh(x * 0.5f)</c>.</summary>
    public string ToExpression(int index)
    {
        var text = new StringBuilder();
        AppendExpression(text, index, parentPrecedence: 0);
        return text.ToString();
    }

    /// <summary>One line per node: <c>%3 = Mul %1, %2</c>; the printable form of this stage.</summary>
    public string Dump()
    {
        var text = new StringBuilder();
        for (int i = 0; i < Nodes.Count; i++)
        {
            GraphNode node = Nodes[i];
            text.Append('%').Append(i).Append(" = ").Append(node.Op);
            if (node.Op is Op.Input or Op.ScalarInput)
            {
                text.Append(' ').Append(Parameters[node.Parameter].Name);
            }
            else if (node.Op == Op.Constant)
            {
                text.Append(' ').Append(FormatFloat(node.Constant));
            }

            for (int k = 0; k < node.Operands.Count; k++)
            {
                text.Append(k == 0 ? " %" : ", %").Append(node.Operands[k]);
            }

            text.Append('\n');
        }

        return text.Append("return %").Append(Output).Append('\n').ToString();
    }

    /// <summary>A float as a C# literal that round-trips: <c>0.5f</c>, <c>float.NaN</c>.</summary>
    public static string FormatFloat(float value)
    {
        if (float.IsNaN(value))
        {
            return "float.NaN";
        }

        if (float.IsPositiveInfinity(value))
        {
            return "float.PositiveInfinity";
        }

        if (float.IsNegativeInfinity(value))
        {
            return "float.NegativeInfinity";
        }

        if (value == 0 && BitConverter.ToInt32(BitConverter.GetBytes(value), 0) < 0)
        {
            return "-0f";
        }

        string text = value.ToString("R", CultureInfo.InvariantCulture);
        return text + "f";
    }

    private void AppendExpression(StringBuilder text, int index, int parentPrecedence)
    {
        GraphNode node = Nodes[index];
        switch (node.Op)
        {
            case Op.Input:
            case Op.ScalarInput:
                text.Append(Parameters[node.Parameter].Name);
                return;
            case Op.Constant:
                text.Append(FormatFloat(node.Constant));
                return;
            case Op.Neg:
                text.Append('-');
                AppendExpression(text, node.Operands[0], parentPrecedence: 3);
                return;
        }

        string? symbol = OpInfo.InfixSymbol(node.Op);
        if (symbol is null)
        {
            text.Append(node.Op).Append('(');
            for (int k = 0; k < node.Operands.Count; k++)
            {
                text.Append(k == 0 ? "" : ", ");
                AppendExpression(text, node.Operands[k], parentPrecedence: 0);
            }

            text.Append(')');
            return;
        }

        int precedence = node.Op is Op.Mul or Op.Div ? 2 : node.Op is Op.Add or Op.Sub ? 1 : 0;
        bool parenthesize = precedence < parentPrecedence || (OpInfo.IsComparison(node.Op) && parentPrecedence > 0);
        if (OpInfo.IsComparison(node.Op))
        {
            // Comparisons are calls in the DSL (GreaterThan(x, 0f)); print them infix for brevity.
            parenthesize = true;
        }

        text.Append(parenthesize ? "(" : "");
        AppendExpression(text, node.Operands[0], precedence);
        text.Append(' ').Append(symbol).Append(' ');
        // A right operand of the same precedence keeps its parentheses, a * (b * c): float arithmetic
        // is not associative, so the comment must show the grouping the code computes.
        AppendExpression(text, node.Operands[1], precedence + 1);
        text.Append(parenthesize ? ")" : "");
    }
}
