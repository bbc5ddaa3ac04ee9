using System.Collections.Generic;
using System.Linq;
using KernelDsl.Compiler.Common;
using KernelDsl.Compiler.Graph;
using KernelDsl.Compiler.Shapes;

namespace KernelDsl.Compiler.Fusion;

/// <summary>
/// Divides an N-d kernel into groups. The policy, in full:
/// <list type="number">
/// <item>Values go to memory only where they must: the kernel's output; a MatMul operand that is not
/// a kernel input (or a transposed view of one); the end of each MatMul's epilogue; a value a
/// transposed view moves the last axis of (copied to dense rows), unless the view is only reduced
/// along that axis, which the runtime does in place.</item>
/// <item>A MatMul takes the chain of elementwise ops that consume only it (bias, activation,
/// residual; same shape as the product) as its epilogue, applied to each block of rows of C while it is in cache.</item>
/// <item>A Concat is written to memory, and so is each of its operands that is not a kernel input
/// (rows of different lengths cannot share one row loop): the emitter has the group computing an
/// operand write it straight into its place where it can, and the Concat group copies the rest.</item>
/// <item>Everything else fuses row by row: elementwise ops inline into their consumers, and a
/// reduction along the last axis fuses with both its producer (recomputed per pass, in cache) and
/// its consumers, so a softmax or layer norm reads its input from memory once and writes once.</item>
/// <item>Except a value the same for every row along an outer axis of its reader that is costly to
/// compute again for every row (a reduction, or a transcendental per element that several passes
/// need): it is written to memory by a group of its own, once per call.</item>
/// </list>
/// </summary>
public static class NdPlanner
{
    public static (NdPlan? Plan, IReadOnlyList<PlanError> Errors) Plan(KernelGraph graph, Shape?[] shapes)
    {
        int count = graph.Nodes.Count;
        int[] uses = CountUses(graph);
        var results = new HashSet<int>(graph.Results);
        var materialized = new SortedSet<int>(results);
        var epilogueEnd = new Dictionary<int, int>(); // MatMul node → last node of its epilogue
        var invariants = new HashSet<int>(); // values computed once instead of once per row of their reader

        // Grow the set of materialized values until it is closed under the rules.
        for (bool changed = true; changed;)
        {
            changed = false;
            bool Add(int node) => materialized.Add(node) && (changed = true);
            var claimed = new HashSet<int>(); // epilogue nodes of the products seen so far

            for (int p = 0; p < count; p++)
            {
                if (graph.Nodes[p].Op != Op.MatMul)
                {
                    continue;
                }

                foreach (int operand in graph.Nodes[p].Operands)
                {
                    int root = StripViews(graph, operand);
                    if (graph.Nodes[root].Op != Op.Input)
                    {
                        Add(root);
                    }
                }

                int end = EpilogueEnd(graph, shapes, uses, materialized, claimed, p);
                epilogueEnd[p] = end;
                Add(end);
                IReadOnlyList<int> chain = Chain(graph, p, end);
                claimed.UnionWith(chain.Where(n => n != p));
                foreach (int node in chain)
                {
                    foreach (int side in graph.Nodes[node].Operands)
                    {
                        if (!chain.Contains(side) && NeedsOwnGroup(graph, side, materialized))
                        {
                            Add(side);
                        }
                    }
                }
            }

            for (int node = 0; node < count; node++)
            {
                if (graph.Nodes[node].Op != Op.Concat)
                {
                    continue;
                }

                Add(node);
                foreach (int operand in graph.Nodes[node].Operands.Where(o => graph.Nodes[o].Op != Op.Input))
                {
                    Add(operand);
                }
            }

            foreach (int m in materialized.ToArray())
            {
                foreach (int node in Cone(graph, m, materialized))
                {
                    if (IsAxisReduction(graph, shapes, node))
                    {
                        Add(node); // reads its source in place, in a group of its own
                    }

                    if (!OpInfo.IsView(graph.Nodes[node].Op))
                    {
                        continue;
                    }

                    int operand = graph.Nodes[node].Operands[0];
                    int root = StripViews(graph, operand);
                    if (graph.Nodes[root].Op != Op.Input && !materialized.Contains(root))
                    {
                        Add(root); // views are taken of data in memory
                    }

                    if (graph.Nodes[node].Op == Op.Reshape && OpInfo.IsView(graph.Nodes[operand].Op) && !materialized.Contains(operand)
                        && ShapeInference.SqueezedDimensions(graph, shapes, node) is null)
                    {
                        Add(operand); // a reshape regroups dense memory: a view under it is copied first (dropping size-1 dimensions regroups nothing)
                    }

                    if (node != m && MovesLastAxis(graph, shapes, node) && !FeedsOnlyContractions(graph, node) && !IsReducedInPlace(graph, shapes, node))
                    {
                        Add(node); // copied to dense rows before the row kernels read it
                    }
                }
            }

            // A row group runs along rows of one length. A reduction over rows of another length
            // (Max(z) over [B, M] next to x over [B, N]) collapses them to one value per row, so
            // broadcasting never sees the difference: it is computed by a group of its own.
            foreach (int m in materialized.ToArray())
            {
                if (epilogueEnd.ContainsValue(m) || IsAxisReduction(graph, shapes, m) || OpInfo.IsView(graph.Nodes[m].Op) || graph.Nodes[m].Op == Op.Concat)
                {
                    continue;
                }

                foreach (int reduction in ReductionsAlongOtherRows(graph, shapes, Cone(graph, m, materialized), materialized, m))
                {
                    Add(reduction);
                }
            }

            // A value the same for every row along an outer axis (a function of an [N] vector inside
            // rows of [B, N]) would be recomputed for every row: where that is costly, it is
            // computed once by a group of its own and read back like an input.
            foreach (int m in materialized.ToArray())
            {
                if (IsAxisReduction(graph, shapes, m) || OpInfo.IsView(graph.Nodes[m].Op) || graph.Nodes[m].Op == Op.Concat)
                {
                    continue;
                }

                foreach (int invariant in CostlyOuterInvariants(graph, shapes, Cone(graph, m, materialized), materialized, m))
                {
                    invariants.Add(invariant);
                    Add(invariant);
                }
            }

            // A keepDims: false result that meets another tensor, or is reduced again, is written to
            // memory by its own group: the consumer's rows run along the reduced shape's last axis,
            // which the producer's rows do not.
            foreach (int m in materialized.Where(m => graph.Nodes[m].Op != Op.Concat).ToArray())
            {
                foreach (SqueezeConflict conflict in SqueezeConflicts(graph, shapes, Cone(graph, m, materialized), materialized, m))
                {
                    foreach (int value in conflict.Squeezed)
                    {
                        Add(value);
                    }
                }
            }
        }

        var errors = new List<PlanError>();
        var groups = new List<NdGroup>();
        foreach (int m in materialized)
        {
            int product = epilogueEnd.Where(e => e.Value == m).Select(e => e.Key).DefaultIfEmpty(-1).First();
            if (product >= 0)
            {
                groups.Add(ContractionGroup(graph, materialized, product, m));
            }
            else if (graph.Nodes[m].Op == Op.Concat)
            {
                groups.Add(new NdGroup(NdGroupKind.Concat, m, EquatableArray.Create(m), -1,
                    $"A concatenation of {graph.Nodes[m].Operands.Count} operands along an axis: each lies in its place in the result, written there by the group that computes it when that group writes whole rows, else copied there from memory."));
            }
            else if (IsAxisReduction(graph, shapes, m))
            {
                groups.Add(new NdGroup(NdGroupKind.AxisReduction, m, EquatableArray.Create(graph.Nodes[m].Operands[0], m), -1,
                    "A reduction over an axis other than the last, read in place: whole rows of the source are combined into each row of the result, front to back through memory, with no transposed copy."));
            }
            else if (OpInfo.IsView(graph.Nodes[m].Op))
            {
                groups.Add(new NdGroup(NdGroupKind.Copy, m, EquatableArray.Create(m), -1,
                    "A view (transpose or slice) written to dense memory: its elements are gathered from the source through strides."));
            }
            else
            {
                NdGroup rows = RowGroup(graph, shapes, materialized, m, errors);
                groups.Add(invariants.Contains(m) && !results.Contains(m)
                    ? rows with { Reason = "The same for every row of the group that reads it (it lacks one of that group's outer axes), so it is computed once, here, rather than for each of those rows. " + rows.Reason }
                    : rows);
            }
        }

        if (errors.Count > 0)
        {
            return (null, errors);
        }

        return (new NdPlan(groups.ToEquatableArray(), materialized.Where(m => !results.Contains(m)).ToEquatableArray(), graph.Results), errors);
    }

    /// <summary>The node a chain of transposes views.</summary>
    public static int StripViews(KernelGraph graph, int node)
    {
        while (OpInfo.IsView(graph.Nodes[node].Op))
        {
            node = graph.Nodes[node].Operands[0];
        }

        return node;
    }

    /// <summary>
    /// Whether a transpose moves its operand's last axis (so rows are no longer contiguous); a slice
    /// never does. Moving an axis past trailing axes of size 1 only (the transpose that puts back a
    /// reduced axis kept with keepDims) keeps rows contiguous when the operand is itself in memory,
    /// not another view: there, the axis's stride is 1.
    /// </summary>
    public static bool MovesLastAxis(KernelGraph graph, Shape?[] shapes, int transpose)
    {
        if (graph.Nodes[transpose].Op != Op.Transpose)
        {
            return false;
        }

        int rank = shapes[transpose]!.Rank;
        int[] permutation = ShapeInference.Permutation(graph.Nodes[transpose], rank)!;
        int row = permutation[rank - 1];
        if (row == rank - 1)
        {
            return false;
        }

        int operand = graph.Nodes[transpose].Operands[0];
        Shape operandShape = shapes[operand]!;
        bool onlyOnesAfter = Enumerable.Range(row + 1, rank - row - 1).All(d => operandShape.Dims[d].IsOne);
        return !onlyOnesAfter || OpInfo.IsView(graph.Nodes[operand].Op);
    }

    /// <summary>
    /// Whether <paramref name="node"/> is a reduction the runtime computes in place
    /// (<see cref="NdGroupKind.AxisReduction"/>): its operand is a transpose <see cref="IsReducedInPlace"/>.
    /// </summary>
    public static bool IsAxisReduction(KernelGraph graph, Shape?[] shapes, int node)
        => OpInfo.IsReduction(graph.Nodes[node].Op) && IsReducedInPlace(graph, shapes, graph.Nodes[node].Operands[0]);

    /// <summary>
    /// Whether <paramref name="view"/> is a transpose that moved another axis of its source (or of a
    /// slice of it) last while keeping the source's last axis next to it (the front end's form of
    /// <c>Sum(x, axis: 0)</c>), and whose every use is a reduction along its last axis. Such
    /// reductions combine whole source rows in place instead of reducing the rows of a transposed
    /// copy, and the transpose itself is never copied.
    /// </summary>
    public static bool IsReducedInPlace(KernelGraph graph, Shape?[] shapes, int view)
    {
        GraphNode transpose = graph.Nodes[view];
        if (transpose.Op != Op.Transpose || !MovesLastAxis(graph, shapes, view) || graph.Results.Contains(view))
        {
            return false;
        }

        int rank = shapes[view]!.Rank;
        int[] permutation = ShapeInference.Permutation(transpose, rank)!;
        if (rank < 2 || permutation[rank - 2] != rank - 1)
        {
            return false;
        }

        // Slices under the transpose only move the start and narrow the view; another transpose or
        // a reshape would change which source axis is contiguous.
        for (int under = transpose.Operands[0]; OpInfo.IsView(graph.Nodes[under].Op); under = graph.Nodes[under].Operands[0])
        {
            if (graph.Nodes[under].Op != Op.Slice)
            {
                return false;
            }
        }

        bool any = false;
        for (int user = view + 1; user < graph.Nodes.Count; user++)
        {
            GraphNode node = graph.Nodes[user];
            if (!node.Operands.Contains(view))
            {
                continue;
            }

            any = true;
            int[]? axes = OpInfo.IsReduction(node.Op) ? ShapeInference.ReducedAxes(node, rank) : null;
            if (axes is null || axes.Length != 1 || axes[0] != rank - 1)
            {
                return false;
            }
        }

        return any;
    }

    private static int[] CountUses(KernelGraph graph)
    {
        var uses = new int[graph.Nodes.Count];
        foreach (GraphNode node in graph.Nodes)
        {
            foreach (int operand in node.Operands)
            {
                uses[operand]++;
            }
        }

        foreach (int result in graph.Results)
        {
            uses[result] += graph.Results.Count == 1 ? 1 : 0; // a tuple's operands are counted already
        }
        return uses;
    }

    /// <summary>
    /// The last node of MatMul <paramref name="product"/>'s epilogue: follow single-use elementwise
    /// consumers of the product's shape, up to a node an earlier product's epilogue has
    /// <paramref name="claimed"/> (in <c>MatMul(a, w1) + MatMul(b, w2)</c> the sum is the first
    /// product's epilogue, and the second product, one of its operands, is written to memory bare).
    /// </summary>
    private static int EpilogueEnd(KernelGraph graph, Shape?[] shapes, int[] uses, SortedSet<int> materialized, HashSet<int> claimed, int product)
    {
        int current = product;
        while (!graph.Results.Contains(current) && uses[current] == 1 && (current == product || !materialized.Contains(current)))
        {
            int user = Enumerable.Range(current + 1, graph.Nodes.Count - current - 1).First(u => graph.Nodes[u].Operands.Contains(current));
            if (!OpInfo.IsElementwise(graph.Nodes[user].Op) || !shapes[user]!.Equals(shapes[product]) || claimed.Contains(user))
            {
                break;
            }

            current = user;
        }

        return current;
    }

    /// <summary>The nodes from the product up to the epilogue's end, each the single user of the one before.</summary>
    private static IReadOnlyList<int> Chain(KernelGraph graph, int product, int end)
    {
        // One forward pass marks what depends on the product; walking back from the end along
        // those operands gives the chain (each chain node has exactly one such operand).
        var reaches = new bool[end + 1];
        for (int n = product; n <= end; n++)
        {
            reaches[n] = n == product || graph.Nodes[n].Operands.Any(o => o >= product && reaches[o]);
        }

        var chain = new List<int> { end };
        for (int node = end; node != product;)
        {
            node = graph.Nodes[node].Operands.First(o => o >= product && reaches[o]);
            chain.Insert(0, node);
        }

        return chain;
    }

    /// <summary>Whether a side operand of an epilogue holds a reduction or contraction, which an epilogue cannot recompute per tile.</summary>
    private static bool NeedsOwnGroup(KernelGraph graph, int node, SortedSet<int> materialized)
        => !materialized.Contains(node)
           && Cone(graph, node, materialized).Any(n => (n == node || !materialized.Contains(n)) && (OpInfo.IsReduction(graph.Nodes[n].Op) || graph.Nodes[n].Op == Op.MatMul));

    /// <summary>Whether every use of a transpose is as a MatMul operand (which reads any strides).</summary>
    private static bool FeedsOnlyContractions(KernelGraph graph, int node)
    {
        bool any = false;
        for (int user = node + 1; user < graph.Nodes.Count; user++)
        {
            if (!graph.Nodes[user].Operands.Contains(node))
            {
                continue;
            }

            any = true;
            if (graph.Nodes[user].Op is not Op.MatMul && !OpInfo.IsView(graph.Nodes[user].Op))
            {
                return false;
            }
        }

        return any && !graph.Results.Contains(node);
    }

    /// <summary>The nodes <paramref name="root"/> is computed from in one group: its operands, recursively, stopping at materialized values (which the group reads).</summary>
    public static IReadOnlyList<int> Cone(KernelGraph graph, int root, ICollection<int> materialized)
    {
        var seen = new HashSet<int>();
        var stack = new Stack<int>();
        stack.Push(root);
        while (stack.Count > 0)
        {
            int node = stack.Pop();
            if (!seen.Add(node) || node != root && materialized.Contains(node))
            {
                continue;
            }

            foreach (int operand in graph.Nodes[node].Operands)
            {
                stack.Push(operand);
            }
        }

        return seen.OrderBy(n => n).ToList();
    }

    /// <summary>
    /// The values computed inline by <paramref name="group"/> that do not vary along one of its
    /// outer axes (their shape lacks the axis, or has 1 there where the group's has more) and are
    /// costly to compute again for every row: they reduce a tensor (a pass over it for every row),
    /// or they compute a transcendental per element and feed one of the group's reductions, so each
    /// row computes them in several passes. Only the largest such values, whose users in the group
    /// vary along the axis, are taken: a chain of them is one group. A value needed by one pass only
    /// stays inline: there, computing it again costs less than writing it to memory and reading it
    /// back unless there are many rows, which is known only at the call (measured:
    /// docs/performance.md, Values the same for every row).
    /// </summary>
    private static IEnumerable<int> CostlyOuterInvariants(KernelGraph graph, Shape?[] shapes, IReadOnlyList<int> cone, SortedSet<int> materialized, int group)
    {
        Shape domain = shapes[group]!;
        var inline = new HashSet<int>(cone.Where(n => n != group && !materialized.Contains(n)));
        var reduced = new HashSet<int>(inline.Append(group)
            .Where(n => OpInfo.IsReduction(graph.Nodes[n].Op) && !materialized.Contains(graph.Nodes[n].Operands[0]))
            .SelectMany(n => Cone(graph, graph.Nodes[n].Operands[0], materialized)));
        foreach (int node in inline)
        {
            GraphNode value = graph.Nodes[node];
            if (!OpInfo.IsElementwise(value.Op) && !OpInfo.IsReduction(value.Op) || shapes[node] is not { Rank: > 0 } shape
                || !IsOuterInvariant(shape, domain)
                || !inline.Concat(new[] { group }).Any(user => graph.Nodes[user].Operands.Contains(node) && !IsOuterInvariant(shapes[user]!, domain)))
            {
                continue;
            }

            IReadOnlyList<int> computes = Cone(graph, node, materialized);
            bool readsATensor = computes.Any(n => graph.Nodes[n].Op == Op.Input || materialized.Contains(n) && n != node);
            bool perElement = !shape.Dims[shape.Rank - 1].IsOne; // runs along the rows, rather than one value per row
            bool inSeveralPasses = perElement && reduced.Contains(node);
            bool costly = computes.Any(n => (n == node || !materialized.Contains(n))
                && (OpInfo.IsReduction(graph.Nodes[n].Op) || inSeveralPasses && OpInfo.IsVectorMathFunction(graph.Nodes[n].Op)));
            if (readsATensor && costly)
            {
                yield return node;
            }
        }
    }

    /// <summary>Whether a value of <paramref name="shape"/>, broadcast to <paramref name="domain"/>, is the same along one of the domain's outer axes of more than one element.</summary>
    private static bool IsOuterInvariant(Shape shape, Shape domain)
    {
        int offset = domain.Rank - shape.Rank;
        if (offset < 0)
        {
            return false;
        }

        for (int axis = 0; axis < domain.Rank - 1; axis++)
        {
            if (!domain.Dims[axis].IsOne && (axis < offset || shape.Dims[axis - offset].IsOne))
            {
                return true;
            }
        }

        return false;
    }

    private static NdGroup ContractionGroup(KernelGraph graph, SortedSet<int> materialized, int product, int end)
    {
        var nodes = new SortedSet<int>();
        IReadOnlyList<int> chain = Chain(graph, product, end);
        foreach (int node in chain)
        {
            nodes.Add(node);
            if (node == product)
            {
                continue;
            }

            foreach (int side in graph.Nodes[node].Operands)
            {
                foreach (int n in Cone(graph, side, materialized))
                {
                    nodes.Add(n);
                }
            }
        }

        // The product's operands are read through their views.
        foreach (int operand in graph.Nodes[product].Operands)
        {
            for (int n = operand; ; n = graph.Nodes[n].Operands[0])
            {
                nodes.Add(n);
                if (!OpInfo.IsView(graph.Nodes[n].Op))
                {
                    break;
                }
            }
        }

        int epilogueOps = chain.Count - 1;
        string reason = epilogueOps == 0
            ? "A matrix product: packed panels, a register-blocked FMA micro-kernel, cache blocking, and blocks of C spread across cores."
            : $"A matrix product with its {epilogueOps}-op elementwise epilogue fused: each block of rows of C gets the epilogue right after its last accumulation, while in cache, so the output is written once with its final value.";
        return new NdGroup(NdGroupKind.Contraction, end, nodes.ToEquatableArray(), product, reason);
    }

    private static NdGroup RowGroup(KernelGraph graph, Shape?[] shapes, SortedSet<int> materialized, int output, List<PlanError> errors)
    {
        IReadOnlyList<int> nodes = Cone(graph, output, materialized);
        int reductions = 0;
        foreach (int n in nodes)
        {
            GraphNode node = graph.Nodes[n];
            if (!OpInfo.IsReduction(node.Op) || n != output && materialized.Contains(n))
            {
                continue;
            }

            reductions++;
            Shape operand = shapes[node.Operands[0]]!;
            int[] axes = ShapeInference.ReducedAxes(node, operand.Rank)!;
            if (axes.Length != 1 || axes[0] != operand.Rank - 1)
            {
                errors.Add(new PlanError(n, $"{OpInfo.ReductionName(node.Op)} over axis {string.Join(", ", node.Axes)} of {operand}", "fused reductions run along the last axis; Transpose the operand so the reduced axis is last"));
            }
        }

        CheckSqueezes(graph, nodes, materialized, output, shapes, errors);
        string reason = reductions == 0
            ? "Its elementwise operations fuse into one loop over each row: each input is read once and the output written once, with no temporaries."
            : reductions == 1
            ? "Its reduction along the last axis fuses with its producer and consumers: each row is revisited in cache (once to reduce, then to write), so memory is read once and written once."
            : $"Its {reductions} reductions along the last axis fuse with their producers and consumers: each row is revisited in cache (once per reduction, then to write), so memory is read once and written once.";
        return new NdGroup(NdGroupKind.Rows, output, nodes.ToEquatableArray(), -1, reason);
    }

    /// <summary>
    /// Whether a row group writing several values (<see cref="NdGroup.Companions"/>) keeps the
    /// rules the planner keeps for one: every reduction it computes runs along its rows, and no
    /// reduction taken without keepDims meets another tensor or is reduced again.
    /// </summary>
    public static bool IsRowGroup(KernelGraph graph, Shape?[] shapes, NdGroup group, ICollection<int> materialized)
    {
        var stops = new HashSet<int>(materialized.Where(m => !group.Outputs.Contains(m)));
        IReadOnlyList<int> nodes = group.Outputs.SelectMany(o => Cone(graph, o, stops)).Distinct().OrderBy(n => n).ToList();
        return group.Outputs.All(o => !ReductionsAlongOtherRows(graph, shapes, nodes, stops, o).Any())
            && SqueezeConflicts(graph, shapes, nodes, stops, group.Output).Count == 0;
    }

    /// <summary>
    /// The reductions of one row group (rooted at <paramref name="output"/>) whose operand's rows are
    /// not the group's rows: the group's row length is the output's last dimension, or, for an output
    /// that is one value per row, the last dimension its own reduction (or else the first one)
    /// reduces. Dimensions compare as symbols, since equal sizes at one call prove nothing; a size-1
    /// axis lines up with any row.
    /// </summary>
    private static IEnumerable<int> ReductionsAlongOtherRows(KernelGraph graph, Shape?[] shapes, IReadOnlyList<int> nodes, ICollection<int> materialized, int output)
    {
        Dim? row = OpInfo.IsReduction(graph.Nodes[output].Op) ? RowOf(shapes[graph.Nodes[output].Operands[0]]!)
            : RowOf(shapes[output]!) is { IsOne: false } last ? last
            : null;
        foreach (int n in nodes)
        {
            if (n == output || materialized.Contains(n) || !OpInfo.IsReduction(graph.Nodes[n].Op)
                || RowOf(shapes[graph.Nodes[n].Operands[0]]!) is not { IsOne: false } reduced)
            {
                continue; // a reduction over a size-1 axis takes its operand's one value per row, in any group
            }

            row ??= reduced;
            if (!Dim.ProvablyEqual(reduced, row.Value))
            {
                yield return n;
            }
        }
    }

    /// <summary>The last dimension of a shape; null for a scalar.</summary>
    private static Dim? RowOf(Shape shape) => shape.Rank == 0 ? null : shape.Dims[shape.Rank - 1];

    /// <summary>
    /// A reduction with keepDims: false drops the row axis, so its result no longer lines up with
    /// the rows of the group that computes it; it may flow to the group's output, alone or with
    /// scalars, but not meet other tensors there. The planner materializes such a result where it
    /// meets another tensor or is reduced again (<see cref="SqueezeConflicts"/>), so a later group
    /// reads it as data of its own, smaller shape; what is left here would be a planner bug.
    /// </summary>
    private static void CheckSqueezes(KernelGraph graph, IReadOnlyList<int> nodes, SortedSet<int> materialized, int output, Shape?[] shapes, List<PlanError> errors)
    {
        foreach (SqueezeConflict conflict in SqueezeConflicts(graph, shapes, nodes, materialized, output))
        {
            errors.Add(conflict.ReducesAgain
                ? new PlanError(conflict.Node, "Reducing the result of a reduction taken with keepDims: false", "pass keepDims: true to the inner reduction")
                : new PlanError(conflict.Node, "Combining a reduction taken with keepDims: false with another tensor", "pass keepDims: true, so the result broadcasts along the reduced axis"));
        }
    }

    /// <summary>A node of one group that meets a value whose row axis was reduced away (<see cref="Squeezed"/>: those operands).</summary>
    private readonly record struct SqueezeConflict(int Node, bool ReducesAgain, IReadOnlyList<int> Squeezed);

    /// <summary>
    /// Walks one group's nodes in order, tracking the values computed from a keepDims: false
    /// reduction (alone or with scalars), and returns every node where such a value is reduced
    /// again or combined with another tensor.
    /// </summary>
    private static List<SqueezeConflict> SqueezeConflicts(KernelGraph graph, Shape?[] shapes, IReadOnlyList<int> nodes, ICollection<int> materialized, int output)
    {
        var conflicts = new List<SqueezeConflict>();
        var squeezed = new HashSet<int>();
        foreach (int n in nodes)
        {
            GraphNode node = graph.Nodes[n];
            if (n != output && materialized.Contains(n) || node.Operands.Count == 0)
            {
                continue;
            }

            if (OpInfo.IsReduction(node.Op))
            {
                if (squeezed.Contains(node.Operands[0]))
                {
                    conflicts.Add(new SqueezeConflict(n, ReducesAgain: true, [node.Operands[0]]));
                }
                else if (!node.KeepDims)
                {
                    squeezed.Add(n);
                }

                continue;
            }

            bool anySqueezed = node.Operands.Any(squeezed.Contains);
            bool anyOtherTensor = node.Operands.Any(o => !squeezed.Contains(o) && shapes[o]!.Rank > 0);
            if (anySqueezed && anyOtherTensor)
            {
                conflicts.Add(new SqueezeConflict(n, ReducesAgain: false, node.Operands.Where(squeezed.Contains).Distinct().ToList()));
            }
            else if (anySqueezed)
            {
                squeezed.Add(n);
            }
        }

        return conflicts;
    }
}
