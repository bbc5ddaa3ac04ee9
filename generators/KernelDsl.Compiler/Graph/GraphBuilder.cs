using System.Collections.Generic;
using KernelDsl.Compiler.Common;

namespace KernelDsl.Compiler.Graph;

/// <summary>
/// Builds a <see cref="KernelGraph"/> node by node. Adding a node equal to one already present returns
/// the existing index (hash-consing), so common subexpressions such as the <c>x * x</c> in
/// <c>x * x * x + x * x</c> are computed once. <see cref="Build"/> drops nodes the output does not use.
/// </summary>
public sealed class GraphBuilder
{
    private readonly List<GraphNode> _nodes = new();
    private readonly Dictionary<GraphNode, int> _indices = new();

    public GraphBuilder(EquatableArray<KernelParameter> parameters) => Parameters = parameters;

    public EquatableArray<KernelParameter> Parameters { get; }

    /// <summary>How many nodes have been added; a node added later has an index at least this.</summary>
    public int Count => _nodes.Count;

    /// <summary>The node at <paramref name="index"/>.</summary>
    public GraphNode this[int index] => _nodes[index];

    /// <summary>Adds <paramref name="node"/> (or finds its equal) and returns its index.</summary>
    public int Add(GraphNode node)
    {
        if (_indices.TryGetValue(node, out int existing))
        {
            return existing;
        }

        _nodes.Add(node);
        _indices.Add(node, _nodes.Count - 1);
        return _nodes.Count - 1;
    }

    public int Constant(float value) => Add(GraphNode.OfConstant(value));

    public int Parameter(int parameterIndex) => Add(new GraphNode(
        Parameters[parameterIndex].Kind == ParameterKind.Tensor ? Op.Input : Op.ScalarInput,
        EquatableArray<int>.Empty,
        Parameter: parameterIndex));

    public int Apply(Op op, params int[] operands) => Add(new GraphNode(op, new EquatableArray<int>(operands)));

    /// <summary>A reduction of <paramref name="operand"/> along <paramref name="axes"/>.</summary>
    public int Reduce(Op op, int operand, bool keepDims, params int[] axes)
    {
        var attributes = new int[axes.Length + 1];
        attributes[0] = keepDims ? 1 : 0;
        axes.CopyTo(attributes, 1);
        return Add(new GraphNode(op, EquatableArray.Create(operand), Attributes: new EquatableArray<int>(attributes)));
    }

    /// <summary>Elements [start, start + length) of <paramref name="operand"/> along <paramref name="axis"/>.</summary>
    public int Slice(int operand, int axis, int start, int length)
        => Add(new GraphNode(Op.Slice, EquatableArray.Create(operand), Attributes: EquatableArray.Create(axis, start, length)));

    /// <summary><paramref name="operands"/> joined along <paramref name="axis"/> (negative counts from the end).</summary>
    public int Concat(int axis, params int[] operands)
        => Add(new GraphNode(Op.Concat, new EquatableArray<int>(operands), Attributes: EquatableArray.Create(axis)));

    /// <summary><paramref name="operand"/> with new lengths (0 copies the operand's length there, -1 is inferred).</summary>
    public int Reshape(int operand, params int[] lengths)
        => Add(new GraphNode(Op.Reshape, EquatableArray.Create(operand), Attributes: new EquatableArray<int>(lengths)));

    /// <summary>A transpose of <paramref name="operand"/>; an empty permutation swaps the last two dimensions.</summary>
    public int Transpose(int operand, params int[] permutation)
        => Add(new GraphNode(Op.Transpose, EquatableArray.Create(operand), Attributes: new EquatableArray<int>(permutation)));

    /// <summary>The graph computing node <paramref name="output"/>, with unused nodes removed and the rest renumbered in order.</summary>
    public KernelGraph Build(int output) => Build(output, out _);

    /// <summary>As <see cref="Build(int)"/>, also giving each builder node's index in the graph (-1 for dropped nodes).</summary>
    public KernelGraph Build(int output, out int[] graphIndex)
    {
        var live = new bool[_nodes.Count];
        MarkLive(output, live);

        var newIndex = new int[_nodes.Count];
        graphIndex = newIndex;
        for (int i = 0; i < newIndex.Length; i++)
        {
            newIndex[i] = -1;
        }

        var nodes = new List<GraphNode>();
        for (int i = 0; i < _nodes.Count; i++)
        {
            if (!live[i])
            {
                continue;
            }

            GraphNode node = _nodes[i];
            var operands = new int[node.Operands.Count];
            for (int k = 0; k < operands.Length; k++)
            {
                operands[k] = newIndex[node.Operands[k]];
            }

            newIndex[i] = nodes.Count;
            nodes.Add(node with { Operands = new EquatableArray<int>(operands) });
        }

        return new KernelGraph(Parameters, nodes.ToEquatableArray(), newIndex[output]);
    }

    private void MarkLive(int index, bool[] live)
    {
        if (live[index])
        {
            return;
        }

        live[index] = true;
        foreach (int operand in _nodes[index].Operands)
        {
            MarkLive(operand, live);
        }
    }
}
