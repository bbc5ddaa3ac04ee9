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
    /// <summary>The nodes the kernel returns: the operands of a <see cref="Op.Tuple"/> output, else the output alone.</summary>
    public EquatableArray<int> Results => Nodes[Output].Op == Op.Tuple ? Nodes[Output].Operands : EquatableArray.Create(Output);

    /// <summary>
    /// For each node, whether it varies per element (depends on a tensor input) rather than being the
    /// same for all. One forward pass: operands come before their users, so a DAG whose shared
    /// subexpressions form exponentially many paths still costs one visit per node.
    /// </summary>
    public bool[] VaryingNodes()
    {
        var varying = new bool[Nodes.Count];
        for (int i = 0; i < Nodes.Count; i++)
        {
            GraphNode node = Nodes[i];
            varying[i] = node.Op == Op.Input || System.Linq.Enumerable.Any(node.Operands, operand => varying[operand]);
        }

        return varying;
    }

    /// <summary>The expression that computes node <paramref name="index"/>, in DSL spelling: <c>Tanh(x * 0.5f)</c>.</summary>
    public string ToExpression(int index) => TryToExpression(index, int.MaxValue)!;

    /// <summary>
    /// The expression of node <paramref name="index"/> if it is at most <paramref name="maxLength"/>
    /// characters, else null. Printing stops at the budget: shared subexpressions print once per use,
    /// so the full text of a deep DAG can be exponentially long.
    /// </summary>
    public string? TryToExpression(int index, int maxLength)
    {
        var text = new StringBuilder();
        return AppendExpression(text, index, parentPrecedence: 0, maxLength) ? text.ToString() : null;
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
            else if (node.Attributes.Count > 0)
            {
                text.Append(" {").Append(FormatAttributes(node).TrimStart(',', ' ')).Append('}');
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

    /// <summary>A node's attributes as the DSL's trailing arguments: <c>, axis: -1, keepDims: true</c>.</summary>
    public static string FormatAttributes(GraphNode node)
    {
        if (OpInfo.IsReduction(node.Op))
        {
            int[] axes = System.Linq.Enumerable.ToArray(node.Axes);
            string axisText = axes.Length == 1 ? "axis: " + axes[0].ToString(CultureInfo.InvariantCulture) : "axes: [" + string.Join(", ", axes) + "]";
            return ", " + axisText + (node.KeepDims ? ", keepDims: true" : "");
        }

        if (node.Op == Op.Reshape)
        {
            return ", " + string.Join(", ", node.Attributes);
        }

        if (node.Op == Op.Concat)
        {
            return $", axis: {node.Attributes[0]}";
        }

        if (node.Op == Op.Slice)
        {
            return $", axis: {node.Attributes[0]}, start: {node.Attributes[1]}, length: {node.Attributes[2]}";
        }

        return node.Op == Op.Transpose && node.Attributes.Count > 0 ? ", [" + string.Join(", ", node.Attributes) + "]" : "";
    }

    /// <summary>Appends the expression; false as soon as the text exceeds <paramref name="maxLength"/>.</summary>
    private bool AppendExpression(StringBuilder text, int index, int parentPrecedence, int maxLength)
    {
        if (text.Length > maxLength)
        {
            return false;
        }

        GraphNode node = Nodes[index];
        switch (node.Op)
        {
            case Op.Input:
            case Op.ScalarInput:
                text.Append(Parameters[node.Parameter].Name);
                return text.Length <= maxLength;
            case Op.Constant:
                text.Append(FormatFloat(node.Constant));
                return text.Length <= maxLength;
            case Op.Neg:
                text.Append('-');
                return AppendExpression(text, node.Operands[0], parentPrecedence: 3, maxLength);
        }

        string? symbol = OpInfo.InfixSymbol(node.Op);
        if (symbol is null)
        {
            text.Append(OpInfo.IsReduction(node.Op) ? OpInfo.ReductionName(node.Op) : node.Op.ToString()).Append('(');
            for (int k = 0; k < node.Operands.Count; k++)
            {
                text.Append(k == 0 ? "" : ", ");
                if (!AppendExpression(text, node.Operands[k], parentPrecedence: 0, maxLength))
                {
                    return false;
                }
            }

            text.Append(FormatAttributes(node)).Append(')');
            return text.Length <= maxLength;
        }

        // Comparisons are calls in the DSL (GreaterThan(x, 0f)); they print infix, always parenthesized.
        int precedence = node.Op is Op.Mul or Op.Div ? 2 : node.Op is Op.Add or Op.Sub ? 1 : 0;
        bool parenthesize = OpInfo.IsComparison(node.Op) || precedence < parentPrecedence;
        text.Append(parenthesize ? "(" : "");
        if (!AppendExpression(text, node.Operands[0], precedence, maxLength))
        {
            return false;
        }

        text.Append(' ').Append(symbol).Append(' ');
        // A right operand of the same precedence keeps its parentheses, a * (b * c): float arithmetic
        // is not associative, so the comment must show the grouping the code computes.
        if (!AppendExpression(text, node.Operands[1], precedence + 1, maxLength))
        {
            return false;
        }

        text.Append(parenthesize ? ")" : "");
        return text.Length <= maxLength;
    }
}
