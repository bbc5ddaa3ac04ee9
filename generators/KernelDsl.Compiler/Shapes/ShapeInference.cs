using System.Collections.Generic;
using System.Linq;
using KernelDsl.Compiler.Common;
using KernelDsl.Compiler.Graph;

namespace KernelDsl.Compiler.Shapes;

/// <summary>What kind of shape error a node has; each kind is its own diagnostic.</summary>
public enum ShapeErrorKind
{
    /// <summary>Operands of an elementwise op do not broadcast (KD0001).</summary>
    Broadcast,
    /// <summary>The inner dimensions of a contraction differ (KD0002).</summary>
    Contraction,
    /// <summary>An axis or permutation does not fit the operand's rank (KD0003).</summary>
    Axis,
    /// <summary>A reshape's lengths do not fit its operand, or cannot be expressed over its symbols (KD0008).</summary>
    Reshape,
    /// <summary>Concat's operands differ in rank or in a dimension other than the axis, or their sizes along it add up past 64 bits (KD0013).</summary>
    Concat,
}

/// <summary>A shape error at graph node <paramref name="Node"/>.</summary>
public sealed record ShapeError(int Node, ShapeErrorKind Kind, string Message);

/// <summary>Every node's shape, or the errors that prevent knowing them.</summary>
/// <param name="Shapes">Per node; null where an error (here or in an operand) leaves it unknown.</param>
public sealed record ShapeInferenceResult(Shape?[] Shapes, IReadOnlyList<ShapeError> Errors)
{
    public bool Succeeded => Errors.Count == 0;
}

/// <summary>
/// Symbolic shape inference over a kernel graph: the one implementation the generator, the
/// analyzers and the ONNX importer share. Parameters have their declared shapes, scalars and
/// constants rank 0; elementwise ops broadcast (NumPy rules over symbols); reductions remove or keep
/// their axes; MatMul contracts the last axis of its left operand with the second-to-last of its
/// right one and broadcasts the batch dimensions; Transpose permutes.
/// </summary>
public static class ShapeInference
{
    /// <summary>Whether the kernel declares shapes (any tensor parameter has <c>[Shape]</c>).</summary>
    public static bool IsShaped(KernelGraph graph) => graph.Parameters.Any(p => p.Shape is not null);

    public static ShapeInferenceResult Infer(KernelGraph graph)
    {
        var shapes = new Shape?[graph.Nodes.Count];
        var errors = new List<ShapeError>();
        for (int i = 0; i < graph.Nodes.Count; i++)
        {
            GraphNode node = graph.Nodes[i];
            if (node.Operands.Any(o => shapes[o] is null))
            {
                continue; // an operand's error was reported already
            }

            shapes[i] = InferNode(graph, i, node, shapes, out ShapeError? error);
            if (error is not null)
            {
                errors.Add(error);
            }
        }

        return new ShapeInferenceResult(shapes, errors);
    }

    /// <summary>The axes a reduction reduces, normalized to [0, rank) and sorted; null if one is out of range or repeated.</summary>
    public static int[]? ReducedAxes(GraphNode node, int rank)
    {
        var axes = new SortedSet<int>();
        foreach (int axis in node.Axes)
        {
            int normalized = axis < 0 ? axis + rank : axis;
            if (normalized < 0 || normalized >= rank || !axes.Add(normalized))
            {
                return null;
            }
        }

        return axes.Count == 0 ? null : axes.ToArray();
    }

    /// <summary>
    /// For a reshape that only drops dimensions of size 1 before the last (<c>[T, 1, H]</c> to
    /// <c>[T, H]</c>), the operand's dimension each result dimension is; null for any other reshape,
    /// and for one that drops the last dimension (the rows would no longer be the operand's rows).
    /// Such a reshape moves no element and changes no stride, so it can be read as a view of a view.
    /// </summary>
    public static int[]? SqueezedDimensions(KernelGraph graph, Shape?[] shapes, int reshape)
    {
        if (graph.Nodes[reshape].Op != Op.Reshape || shapes[reshape] is not Shape result || shapes[graph.Nodes[reshape].Operands[0]] is not Shape operand
            || result.Rank >= operand.Rank)
        {
            return null;
        }

        var kept = new int[result.Rank];
        int d = 0;
        for (int o = 0; o < operand.Rank; o++)
        {
            if (operand.Dims[o].IsOne && operand.Rank - o > result.Rank - d)
            {
                continue; // dropped (which of several adjacent 1s is dropped moves no element)
            }

            if (d == result.Rank || !Dim.ProvablyEqual(operand.Dims[o], result.Dims[d]))
            {
                return null;
            }

            kept[d++] = o;
        }

        return d == result.Rank && result.Rank > 0 && kept[result.Rank - 1] == operand.Rank - 1 ? kept : null;
    }

    /// <summary>A concat's axis normalized for operands of rank <paramref name="rank"/>.</summary>
    public static int ConcatAxis(GraphNode node, int rank) => node.Attributes[0] < 0 ? node.Attributes[0] + rank : node.Attributes[0];

    /// <summary>
    /// Concat: operands of one rank, equal in every dimension but the axis (the same symbol or
    /// size: like broadcasting, two symbols are two sizes); the result's size along the axis is
    /// the sum of theirs (<see cref="Dim.Sum"/>: <c>D</c> and <c>D</c> join into <c>2*D</c>, <c>T</c>
    /// and <c>1</c> into <c>T+1</c>).
    /// </summary>
    private static Shape? InferConcat(int index, GraphNode node, Shape[] operands, out ShapeError? error)
    {
        error = null;
        Shape first = operands[0];
        string Listed() => string.Join(" with ", operands.Select(o => o.ToString()));
        for (int k = 1; k < operands.Length; k++)
        {
            if (operands[k].Rank != first.Rank)
            {
                error = new ShapeError(index, ShapeErrorKind.Concat, $"cannot concatenate {Listed()}: operand {k + 1} has rank {operands[k].Rank}, operand 1 rank {first.Rank}");
                return null;
            }
        }

        int axis = ConcatAxis(node, first.Rank);
        if (axis < 0 || axis >= first.Rank)
        {
            error = new ShapeError(index, ShapeErrorKind.Axis, $"axis {node.Attributes[0]} is out of range for {first}, which has rank {first.Rank} (valid axes: -{first.Rank} to {first.Rank - 1})");
            return null;
        }

        Dim joined = first.Dims[axis];
        for (int k = 1; k < operands.Length; k++)
        {
            for (int d = 0; d < first.Rank; d++)
            {
                if (d != axis && !Dim.ProvablyEqual(first.Dims[d], operands[k].Dims[d]))
                {
                    error = new ShapeError(index, ShapeErrorKind.Concat,
                        $"cannot concatenate {Listed()} along axis {node.Attributes[0]}: dimension {d} is {first.Dims[d]} in operand 1 but {operands[k].Dims[d]} in operand {k + 1}");
                    return null;
                }
            }

            if (Dim.Sum(joined, operands[k].Dims[axis]) is not Dim sum)
            {
                error = new ShapeError(index, ShapeErrorKind.Concat,
                    $"cannot concatenate {Listed()} along axis {node.Attributes[0]}: the result's size there, {joined} + {operands[k].Dims[axis]}, does not fit in 64 bits");
                return null;
            }

            joined = sum;
        }

        return new Shape(first.Dims.Select((dim, d) => d == axis ? joined : dim).ToEquatableArray());
    }

    /// <summary>A slice's axis normalized for an operand of rank <paramref name="rank"/>.</summary>
    public static int SliceAxis(GraphNode node, int rank) => node.Attributes[0] < 0 ? node.Attributes[0] + rank : node.Attributes[0];

    /// <summary>A transpose's permutation for an operand of rank <paramref name="rank"/>; null if invalid.</summary>
    public static int[]? Permutation(GraphNode node, int rank)
    {
        int[] permutation;
        if (node.Attributes.Count == 0)
        {
            if (rank < 2)
            {
                return null;
            }

            permutation = Enumerable.Range(0, rank).ToArray();
            (permutation[rank - 1], permutation[rank - 2]) = (permutation[rank - 2], permutation[rank - 1]);
            return permutation;
        }

        permutation = node.Attributes.ToArray();
        return permutation.Length == rank && permutation.OrderBy(p => p).SequenceEqual(Enumerable.Range(0, rank)) ? permutation : null;
    }

    private static Shape? InferNode(KernelGraph graph, int index, GraphNode node, Shape?[] shapes, out ShapeError? error)
    {
        error = null;
        switch (node.Op)
        {
            case Op.Input:
                return graph.Parameters[node.Parameter].Shape;
            case Op.ScalarInput:
            case Op.Constant:
            case Op.Tuple: // its results have their own shapes; the tuple itself is no tensor
                return Shape.Scalar;
            case Op.MatMul:
                return InferMatMul(index, shapes[node.Operands[0]]!, shapes[node.Operands[1]]!, out error);
            case Op.Reshape:
                return InferReshape(index, node, shapes[node.Operands[0]]!, out error);
            case Op.Slice:
            {
                Shape operand = shapes[node.Operands[0]]!;
                int axis = node.Attributes[0] < 0 ? node.Attributes[0] + operand.Rank : node.Attributes[0];
                int start = node.Attributes[1], length = node.Attributes[2];
                if (axis < 0 || axis >= operand.Rank)
                {
                    error = new ShapeError(index, ShapeErrorKind.Axis, $"axis {node.Attributes[0]} is out of range for {operand}, which has rank {operand.Rank} (valid axes: -{operand.Rank} to {operand.Rank - 1})");
                    return null;
                }

                Dim dim = operand.Dims[axis];
                if (start < 0 || length < 0 || dim.IsLiteral && start + (long)length > dim.Size)
                {
                    error = new ShapeError(index, ShapeErrorKind.Axis, $"elements {start} to {start + (long)length} do not lie within dimension {axis} of {operand}");
                    return null;
                }

                return new Shape(operand.Dims.Select((d, i) => i == axis ? Dim.Literal(length) : d).ToEquatableArray());
            }

            case Op.Concat:
                return InferConcat(index, node, node.Operands.Select(o => shapes[o]!).ToArray(), out error);

            case Op.Transpose:
            {
                Shape operand = shapes[node.Operands[0]]!;
                int[]? permutation = Permutation(node, operand.Rank);
                if (permutation is null)
                {
                    error = new ShapeError(index, ShapeErrorKind.Axis, node.Attributes.Count == 0
                        ? $"Transpose swaps the last two dimensions, but its operand {operand} has rank {operand.Rank}"
                        : $"[{string.Join(", ", node.Attributes)}] is not a permutation of the {operand.Rank} dimensions of {operand}");
                    return null;
                }

                return new Shape(permutation.Select(p => operand.Dims[p]).ToEquatableArray());
            }
        }

        if (OpInfo.IsReduction(node.Op))
        {
            Shape operand = shapes[node.Operands[0]]!;
            int[]? axes = ReducedAxes(node, operand.Rank);
            if (axes is null)
            {
                error = new ShapeError(index, ShapeErrorKind.Axis,
                    $"axis {string.Join(", ", node.Axes)} is out of range (or repeated) for {operand}, which has rank {operand.Rank} (valid axes: -{operand.Rank} to {operand.Rank - 1})");
                return null;
            }

            var dims = new List<Dim>();
            for (int d = 0; d < operand.Rank; d++)
            {
                if (!axes.Contains(d))
                {
                    dims.Add(operand.Dims[d]);
                }
                else if (node.KeepDims)
                {
                    dims.Add(Dim.Literal(1));
                }
            }

            // Tensors here have rank at least 1, as in the eager Ops: a full reduction is [1].
            return new Shape((dims.Count == 0 ? new List<Dim> { Dim.Literal(1) } : dims).ToEquatableArray());
        }

        // Elementwise: broadcast the operands left to right.
        Shape result = shapes[node.Operands[0]]!;
        for (int k = 1; k < node.Operands.Count; k++)
        {
            Shape next = shapes[node.Operands[k]]!;
            BroadcastResult broadcast = Broadcasting.Broadcast(result, next);
            if (!broadcast.Succeeded)
            {
                error = new ShapeError(index, ShapeErrorKind.Broadcast, broadcast.Describe(result, next));
                return null;
            }

            result = broadcast.Shape!;
        }

        return result;
    }

    /// <summary>
    /// ONNX Reshape over symbolic shapes: 0 copies the operand's dimension, a positive length is a
    /// literal, and one -1 is inferred: the operand's symbols that no copied dimension accounts for,
    /// times the literal ratio (<c>[B, H, D]</c> to <c>(0, -1)</c> is <c>[B, H*D]</c>). Every other
    /// length must account for the operand's symbols exactly, since a size given as a number cannot
    /// stand for a symbol. A sum (<c>T+1</c>) counts as one factor: it may be copied, merged with
    /// others (multiplied out: <c>[B, T+1]</c> to <c>(-1)</c> is <c>[B*T+B]</c>) or divided by a
    /// literal as a whole (<c>[2*D+2*E]</c> to <c>(2, -1)</c> is <c>[2, D+E]</c>), but not split
    /// into its symbols' dimensions again.
    /// </summary>
    private static Shape? InferReshape(int index, GraphNode node, Shape operand, out ShapeError? error)
    {
        error = null;
        string requested = "(" + string.Join(", ", node.Attributes) + ")";
        ShapeError Fail(string why) => new(index, ShapeErrorKind.Reshape, $"cannot reshape {operand} to {requested}: {why}");

        var dims = new Dim?[node.Attributes.Count];
        var sums = operand.Dims.Where(d => d.IsSum).GroupBy(SumFactor).ToDictionary(g => g.Key, g => g.First());
        var remaining = operand.Dims.SelectMany(ReshapeFactors).ToList();
        long literalIn = 1;
        foreach (Dim dim in operand.Dims)
        {
            if (!TryMultiply(ref literalIn, dim.Coefficient))
            {
                error = Fail("the operand's literal sizes multiply past 64 bits");
                return null;
            }
        }

        long literalOut = 1;
        int inferred = -1;
        for (int i = 0; i < dims.Length; i++)
        {
            int length = node.Attributes[i];
            if (length == -1)
            {
                if (inferred >= 0)
                {
                    error = Fail("at most one length may be -1");
                    return null;
                }

                inferred = i;
                continue;
            }

            if (length < -1 || length == 0 && i >= operand.Rank)
            {
                error = Fail($"length {length} at position {i} is neither a size, 0 (copy the operand's dimension {i}) nor -1 (infer it)");
                return null;
            }

            Dim dim = length == 0 ? operand.Dims[i] : Dim.Literal(length);
            dims[i] = dim;
            if (!TryMultiply(ref literalOut, dim.Coefficient))
            {
                error = Fail("the lengths multiply past 64 bits");
                return null;
            }

            foreach (string factor in ReshapeFactors(dim))
            {
                if (!remaining.Remove(factor))
                {
                    error = Fail($"{factor} is used more often than the operand has it");
                    return null;
                }
            }
        }

        bool divisible = literalOut != 0 && literalIn % literalOut == 0;
        if (inferred >= 0)
        {
            if (!divisible)
            {
                // A sum left over alone may still be divisible term by term (2*D+2*E by 2).
                if (remaining.Count == 1 && sums.TryGetValue(remaining[0], out Dim whole) && literalOut % literalIn == 0
                    && Dim.Divide(whole, literalOut / literalIn) is Dim part)
                {
                    dims[inferred] = part;
                    return new Shape(dims.Select(d => d!.Value).ToEquatableArray());
                }

                error = Fail("the other lengths do not divide the operand's size");
                return null;
            }

            // The symbols left over, in the operand's order, merged into one dimension (sums multiplied out).
            Dim? merged = Dim.Literal(literalIn / literalOut);
            foreach (string factor in remaining)
            {
                merged = merged is Dim product ? Dim.Multiply(product, sums.TryGetValue(factor, out Dim sum) ? sum : Dim.Of(factor)) : null;
            }

            if (merged is not Dim result)
            {
                error = Fail("the merged dimension's size does not fit in 64 bits");
                return null;
            }

            dims[inferred] = result;
        }
        else if (remaining.Count > 0 || literalIn != literalOut)
        {
            error = Fail(remaining.Count > 0
                ? $"{string.Join(" and ", remaining)} {(remaining.Count == 1 ? "is" : "are")} not accounted for (a size given as a number cannot stand for a symbol; use 0 to copy a dimension or -1 to infer one)"
                : "the sizes differ");
            return null;
        }

        return new Shape(dims.Select(d => d!.Value).ToEquatableArray());
    }

    /// <summary>What a dimension multiplies, for Reshape: a product's symbols, or a sum as one factor (<see cref="SumFactor"/>).</summary>
    private static IEnumerable<string> ReshapeFactors(Dim dim) => dim.IsSum ? new[] { SumFactor(dim) } : dim.Factors;

    /// <summary>A sum as one factor of a Reshape's operand, in parentheses: the same for sums that are provably equal.</summary>
    private static string SumFactor(Dim sum) => "(" + sum.Key + ")";

    /// <summary>Multiplies two sizes (both at least 0); false if the product does not fit in 64 bits.</summary>
    private static bool TryMultiply(ref long product, long factor)
    {
        if (factor != 0 && product > long.MaxValue / factor)
        {
            return false;
        }

        product *= factor;
        return true;
    }

    private static Shape? InferMatMul(int index, Shape a, Shape b, out ShapeError? error)
    {
        error = null;
        if (a.Rank < 2 || b.Rank < 2)
        {
            error = new ShapeError(index, ShapeErrorKind.Contraction, $"MatMul needs operands of rank 2 or more, not {a} and {b}");
            return null;
        }

        Dim k = a.Dims[a.Rank - 1];
        Dim k2 = b.Dims[b.Rank - 2];
        if (!Dim.ProvablyEqual(k, k2))
        {
            error = new ShapeError(index, ShapeErrorKind.Contraction,
                $"MatMul of {a} and {b}: the inner dimensions {k} and {k2} differ (the last dimension of the left operand must equal the second-to-last of the right)");
            return null;
        }

        var batchA = new Shape(a.Dims.Take(a.Rank - 2).ToEquatableArray());
        var batchB = new Shape(b.Dims.Take(b.Rank - 2).ToEquatableArray());
        BroadcastResult batch = Broadcasting.Broadcast(batchA, batchB);
        if (!batch.Succeeded)
        {
            error = new ShapeError(index, ShapeErrorKind.Broadcast, "MatMul batch dimensions: " + batch.Describe(batchA, batchB));
            return null;
        }

        return new Shape(batch.Shape!.Dims.Concat(new[] { a.Dims[a.Rank - 2], b.Dims[b.Rank - 1] }).ToEquatableArray());
    }
}
