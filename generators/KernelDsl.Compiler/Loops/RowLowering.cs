using System.Collections.Generic;
using System.Linq;
using KernelDsl.Compiler.Common;
using KernelDsl.Compiler.Fusion;
using KernelDsl.Compiler.Graph;
using KernelDsl.Compiler.Shapes;

namespace KernelDsl.Compiler.Loops;

/// <summary>
/// Schedules a row group (or a contraction's epilogue) as passes over each row. Every value is one
/// of: row-level (varies along the row; computed inside a pass, recomputed by each pass that needs
/// it, so no row is ever stored between passes), per-row (a reduction's result, or what is computed
/// from such results: one scalar per row), or invariant (constants and scalar parameters).
/// </summary>
public static class RowLowering
{
    private const int MaxCommentLength = 72;

    private enum Level
    {
        Invariant,
        RowScalar,
        RowLevel,
    }

    public static RowProgram Lower(KernelGraph graph, Shape?[] shapes, NdGroup group, ICollection<int> temporaries, string structName)
    {
        int product = group.Product;
        var stops = new HashSet<int>(temporaries.Where(t => t != group.Output));
        if (product >= 0)
        {
            stops.Add(product);
        }

        IReadOnlyList<int> cone = NdPlanner.Cone(graph, group.Output, stops);
        var coneSet = new HashSet<int>(cone);

        // Leaves: inputs, scratch buffers, the product, and the outermost view of a chain of transposes.
        var leaves = new List<RowLeaf>();
        var leafOf = new Dictionary<int, RowLeaf>();
        int slot = 0;
        foreach (int n in cone)
        {
            if (!IsLeaf(graph, n, product, stops, coneSet, group.Output))
            {
                continue;
            }

            (RowLeafKind kind, int source, int[] permutation) = Resolve(graph, shapes, n, product, stops);
            Shape shape = shapes[n]!;
            bool rowScalar = shape.Dims[shape.Rank - 1].IsOne;
            string name = kind switch
            {
                RowLeafKind.Parameter => "in_" + graph.Parameters[source].Name.TrimStart('@'),
                RowLeafKind.Temporary => "tmp" + source,
                _ => "product",
            };
            if (permutation.Length > 0)
            {
                name += "_view" + n;
            }

            var leaf = new RowLeaf(n, kind, source, permutation.ToEquatableArray(), shape, rowScalar, kind == RowLeafKind.Product ? -1 : slot++, name);
            leaves.Add(leaf);
            leafOf[n] = leaf;
        }

        // Levels, in graph order (operands first).
        var level = new Dictionary<int, Level>();
        var computed = cone.Where(n => leafOf.ContainsKey(n)
            || graph.Nodes[n].Op is not Op.Transpose and not Op.Input && !stops.Contains(n)).ToList();
        foreach (int n in computed)
        {
            GraphNode node = graph.Nodes[n];
            level[n] = leafOf.TryGetValue(n, out RowLeaf? leaf) ? (leaf.RowScalar ? Level.RowScalar : Level.RowLevel)
                : node.Op is Op.Constant or Op.ScalarInput ? Level.Invariant
                : OpInfo.IsReduction(node.Op) ? Level.RowScalar
                : node.Operands.Select(o => level[o]).Max();
        }

        Dim[] domain = Domain(graph, shapes, computed, leafOf);
        var passes = new List<RowPass>();
        var pending = new List<LoopStatement>();
        var usedPerRow = new HashSet<int>(computed.Where(n => level[n] == Level.RowScalar && !leafOf.ContainsKey(n) && !OpInfo.IsReduction(graph.Nodes[n].Op))
            .SelectMany(n => graph.Nodes[n].Operands));
        foreach (int n in computed)
        {
            GraphNode node = graph.Nodes[n];
            if (level[n] == Level.RowLevel)
            {
                continue; // computed inside the passes that need it
            }

            if (OpInfo.IsReduction(node.Op) && level[node.Operands[0]] == Level.RowLevel)
            {
                passes.Add(Pass(graph, pending, n, node.Op, node.Operands[0], level, leafOf));
                pending = new List<LoopStatement>();
                continue;
            }

            if (level[n] == Level.RowScalar || usedPerRow.Contains(n) || n == group.Output)
            {
                pending.Add(Statement(graph, n));
            }
        }

        bool outputIsRowScalar = level[group.Output] != Level.RowLevel;
        if (!outputIsRowScalar)
        {
            passes.Add(Pass(graph, pending, -1, Op.Input, group.Output, level, leafOf));
            pending = new List<LoopStatement>();
        }

        return new RowProgram(structName, graph.Parameters, domain.ToEquatableArray(), leaves.ToEquatableArray(), passes.ToEquatableArray(),
            pending.ToEquatableArray(), group.Output, outputIsRowScalar, group.Reason);
    }

    /// <summary>The iteration space: the broadcast of every computed value's shape, with a reduction taken without keepDims counted as keeping its axis.</summary>
    private static Dim[] Domain(KernelGraph graph, Shape?[] shapes, List<int> computed, Dictionary<int, RowLeaf> leafOf)
    {
        var squeezed = new HashSet<int>();
        Shape domain = Shape.Scalar;
        foreach (int n in computed)
        {
            GraphNode node = graph.Nodes[n];
            bool isSqueezed = !leafOf.ContainsKey(n) && (OpInfo.IsReduction(node.Op) ? !node.KeepDims : node.Operands.Any(squeezed.Contains));
            Shape frame = shapes[n]!;
            if (isSqueezed)
            {
                squeezed.Add(n);
                frame = new Shape(frame.Dims.Concat(new[] { Dim.Literal(1) }).ToEquatableArray());
                if (OpInfo.IsReduction(node.Op))
                {
                    continue; // its operand's frame covers it
                }
            }

            BroadcastResult result = Broadcasting.Broadcast(domain, frame);
            domain = result.Shape ?? domain;
        }

        return domain.Rank == 0 ? new[] { Dim.Literal(1) } : domain.Dims.ToArray();
    }

    private static RowPass Pass(KernelGraph graph, List<LoopStatement> before, int reduction, Op op, int value, Dictionary<int, Level> level, Dictionary<int, RowLeaf> leafOf)
    {
        // The row-level statements value needs: its operands through row-level and invariant nodes;
        // per-row values and row-scalar leaves become parameters of the pass.
        var body = new SortedSet<int>();
        var inputs = new SortedSet<int>();
        var rowScalars = new SortedSet<int>();
        var stack = new Stack<int>();
        stack.Push(value);
        while (stack.Count > 0)
        {
            int n = stack.Pop();
            if (level[n] == Level.RowScalar)
            {
                rowScalars.Add(n);
                continue;
            }

            if (!body.Add(n))
            {
                continue;
            }

            if (leafOf.ContainsKey(n))
            {
                inputs.Add(n);
                continue;
            }

            foreach (int operand in graph.Nodes[n].Operands)
            {
                stack.Push(operand);
            }
        }

        string? expression = reduction >= 0 ? graph.TryToExpression(reduction, MaxCommentLength) : graph.TryToExpression(value, MaxCommentLength);
        return new RowPass(before.ToEquatableArray(), reduction, op, value, body.Select(n => Statement(graph, n)).ToEquatableArray(),
            inputs.ToEquatableArray(), rowScalars.ToEquatableArray(), expression);
    }

    private static LoopStatement Statement(KernelGraph graph, int n)
        => new(n, graph.Nodes[n], graph.Nodes[n].Operands.Count == 0 ? null : graph.TryToExpression(n, MaxCommentLength));

    private static bool IsLeaf(KernelGraph graph, int n, int product, HashSet<int> stops, HashSet<int> cone, int output)
    {
        GraphNode node = graph.Nodes[n];
        if (node.Op == Op.Input || n == product || stops.Contains(n) && n != output)
        {
            return !IsViewedOnly(graph, n, cone, output);
        }

        return node.Op == Op.Transpose && !IsViewedOnly(graph, n, cone, output);
    }

    /// <summary>Whether every use of n in the group is by a transpose (so n is read only through that view).</summary>
    private static bool IsViewedOnly(KernelGraph graph, int n, HashSet<int> cone, int output)
        => n != output && cone.Where(u => graph.Nodes[u].Operands.Contains(n)).All(u => graph.Nodes[u].Op == Op.Transpose);

    /// <summary>A leaf's source (a parameter, a scratch buffer or the product) and the permutation from its dimensions to the source's.</summary>
    public static (RowLeafKind Kind, int Source, int[] Permutation) Resolve(KernelGraph graph, Shape?[] shapes, int n, int product, ICollection<int> stops)
    {
        if (n == product)
        {
            return (RowLeafKind.Product, n, new int[0]);
        }

        if (stops.Contains(n))
        {
            return (RowLeafKind.Temporary, n, new int[0]);
        }

        int[]? permutation = null;
        int node = n;
        while (graph.Nodes[node].Op == Op.Transpose)
        {
            int operand = graph.Nodes[node].Operands[0];
            int[] step = ShapeInference.Permutation(graph.Nodes[node], shapes[operand]!.Rank)!;
            permutation = permutation is null ? step : permutation.Select(p => step[p]).ToArray();
            node = operand;
            if (stops.Contains(node) || node == product)
            {
                break;
            }
        }

        RowLeafKind kind = node == product ? RowLeafKind.Product : graph.Nodes[node].Op == Op.Input ? RowLeafKind.Parameter : RowLeafKind.Temporary;
        int source = kind == RowLeafKind.Parameter ? graph.Nodes[node].Parameter : node;
        return (kind, source, permutation ?? new int[0]);
    }
}
