using System.Collections.Generic;
using System.Linq;
using KernelDsl.Compiler.Common;
using KernelDsl.Compiler.Fusion;
using KernelDsl.Compiler.Graph;
using KernelDsl.Compiler.Shapes;

namespace KernelDsl.Compiler.Loops;

/// <summary>
/// Schedules a row group (or a contraction's epilogue) as passes over each row. Every value is one
/// of: row-level (varies along the row; computed inside a pass and recomputed by each pass that
/// needs it, unless it is costly and a pass can keep it in the destination row for the later ones,
/// <see cref="StoreCostlyValues"/>), per-row (a reduction's result, or what is computed
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
        => LowerOrNull(graph, shapes, group, temporaries, structName, throwIfRowsDiffer: true)!;

    /// <summary>
    /// <see cref="Lower"/> for a group that may not be one (a merge <see cref="SharedRows"/> considers):
    /// null when its values do not run along the same rows.
    /// </summary>
    public static RowProgram? TryLower(KernelGraph graph, Shape?[] shapes, NdGroup group, ICollection<int> temporaries)
        => LowerOrNull(graph, shapes, group, temporaries, "", throwIfRowsDiffer: false);

    private static RowProgram? LowerOrNull(KernelGraph graph, Shape?[] shapes, NdGroup group, ICollection<int> temporaries, string structName, bool throwIfRowsDiffer)
    {
        int product = group.Product;
        var outputs = new HashSet<int>(group.Outputs);
        var stops = new HashSet<int>(temporaries.Where(t => !outputs.Contains(t)));
        if (product >= 0)
        {
            stops.Add(product);
        }

        // Every value the group writes, with what it is computed from (shared nodes once).
        IReadOnlyList<int> cone = group.Outputs.SelectMany(o => NdPlanner.Cone(graph, o, stops)).Distinct().OrderBy(n => n).ToList();
        var coneSet = new HashSet<int>(cone);

        // Leaves: inputs, scratch buffers, the product, and the outermost view of a chain of transposes.
        var leaves = new List<RowLeaf>();
        var leafOf = new Dictionary<int, RowLeaf>();
        int slot = 0;
        foreach (int n in cone)
        {
            if (!IsLeaf(graph, n, product, stops, coneSet, outputs))
            {
                continue;
            }

            (RowLeafKind kind, int source, int[] permutation, int[] offsets) = Resolve(graph, shapes, n, product, stops);
            Shape shape = shapes[n]!;
            bool rowScalar = shape.Dims[shape.Rank - 1].IsOne;
            string name = kind switch
            {
                RowLeafKind.Parameter => "in_" + graph.Parameters[source].Name.TrimStart('@'),
                RowLeafKind.Temporary => "tmp" + source,
                RowLeafKind.Reshaped => "reshaped" + source,
                _ => "product",
            };
            if (permutation.Length > 0 || offsets.Length > 0)
            {
                name += "_view" + n;
            }

            var leaf = new RowLeaf(n, kind, source, permutation.ToEquatableArray(), shape, rowScalar, kind == RowLeafKind.Product ? -1 : slot++, name)
            {
                Offsets = offsets.ToEquatableArray(),
            };
            leaves.Add(leaf);
            leafOf[n] = leaf;
        }

        // Levels, in graph order (operands first).
        var level = new Dictionary<int, Level>();
        var computed = cone.Where(n => leafOf.ContainsKey(n)
            || !OpInfo.IsView(graph.Nodes[n].Op) && graph.Nodes[n].Op != Op.Input && !stops.Contains(n)).ToList();
        foreach (int n in computed)
        {
            GraphNode node = graph.Nodes[n];
            // A value computed from invariants alone (a scale such as 1 / Sqrt(d)) is computed once
            // per row, as a per-row value, rather than again for every vector of every pass.
            level[n] = leafOf.TryGetValue(n, out RowLeaf? leaf) ? (leaf.RowScalar ? Level.RowScalar : Level.RowLevel)
                : node.Op is Op.Constant or Op.ScalarInput ? Level.Invariant
                : OpInfo.IsReduction(node.Op) ? Level.RowScalar
                : (Level)System.Math.Max((int)Level.RowScalar, (int)node.Operands.Select(o => level[o]).Max());
        }

        if (Domain(graph, shapes, computed, leafOf, throwIfRowsDiffer) is not Dim[] domain)
        {
            return null;
        }

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

            if (OpInfo.IsReduction(node.Op) && !leafOf.ContainsKey(n) && level[node.Operands[0]] == Level.RowLevel)
            {
                passes.Add(Pass(graph, pending, n, node.Op, node.Operands[0], level, leafOf));
                pending = new List<LoopStatement>();
                continue;
            }

            if (level[n] == Level.RowScalar || usedPerRow.Contains(n) || outputs.Contains(n))
            {
                pending.Add(Statement(graph, n));
            }
        }

        // A group that writes several results (companions) stores those with whole rows in its output
        // pass, beside its main one; a companion of one value per row is stored once per row when computed.
        bool outputIsRowScalar = level[group.Output] != Level.RowLevel;
        if (outputIsRowScalar && group.Companions.Any(c => level[c] == Level.RowLevel))
        {
            // A group of one value per row has no output pass to store rows in (SharedRows does not ask for one).
            return throwIfRowsDiffer ? throw new System.InvalidOperationException($"Row group of node {group.Output}: one value per row, with companions of whole rows.") : null;
        }

        if (!outputIsRowScalar)
        {
            var rowCompanions = group.Companions.Where(c => level[c] == Level.RowLevel).ToEquatableArray();
            passes.Add(Pass(graph, pending, -1, Op.Input, group.Output, level, leafOf, companions: rowCompanions));
            // What a pass may read after an earlier one stored into the destination: kernel parameters
            // (one that could be the destination itself is listed in ParametersReadAfterStore, and the
            // entry point keeps it apart), not scratch buffers, since a group may write over one it
            // reads (ScratchReuse); anything for a tuple's result, which shares no memory with any input.
            bool tupleResult = graph.Results.Count > 1 && graph.Results.Contains(group.Output);
            var readable = new HashSet<int>(leaves.Where(l => tupleResult || l.Kind == RowLeafKind.Parameter).Select(l => l.Node));
            StoreCostlyValues(graph, passes, level, leafOf, readable, product);
            RowPass output = passes[passes.Count - 1];
            passes.RemoveAt(passes.Count - 1);
            passes.Add(ReuseStoredValue(graph, passes, output, pending, level, leafOf, readable, product) ?? output);
            DropUnreadStores(passes);
            pending = new List<LoopStatement>();
        }

        return new RowProgram(structName, graph.Parameters, domain.ToEquatableArray(), leaves.ToEquatableArray(), passes.ToEquatableArray(),
            pending.ToEquatableArray(), group.Output, outputIsRowScalar, group.Reason)
        {
            Companions = group.Companions,
            ParametersReadAfterStore = ParametersReadAfterStore(graph, shapes, passes, leafOf),
        };
    }

    /// <summary>The parameters a pass reads after an earlier pass stored into the destination, of the rank of a result (so possibly the destination itself).</summary>
    private static EquatableArray<int> ParametersReadAfterStore(KernelGraph graph, Shape?[] shapes, List<RowPass> passes, Dictionary<int, RowLeaf> leafOf)
    {
        int firstStore = passes.FindIndex(p => p.AlsoStores || p.KeptValue >= 0);
        if (firstStore < 0 || graph.Results.Count > 1)
        {
            return EquatableArray<int>.Empty; // a tuple's results share no memory with any input
        }

        return passes.Skip(firstStore + 1)
            .SelectMany(p => p.Inputs.Concat(p.Before.Select(s => s.Value)))
            .Select(n => leafOf.TryGetValue(n, out RowLeaf? leaf) ? leaf : null)
            .Where(leaf => leaf is { Kind: RowLeafKind.Parameter } && !CannotBeADestination(graph, shapes, leaf))
            .Select(leaf => leaf!.Source).Distinct().OrderBy(p => p).ToEquatableArray();
    }

    /// <summary>The iteration space: the broadcast of every computed value's shape, with a reduction taken without keepDims counted as keeping its axis.</summary>
    private static Dim[]? Domain(KernelGraph graph, Shape?[] shapes, List<int> computed, Dictionary<int, RowLeaf> leafOf, bool throwIfRowsDiffer)
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

            // The planner gives a group only values whose rows line up (NdPlanner.ReductionsAlongOtherRows);
            // a value that does not broadcast would be read along the wrong rows, so it stops the compiler.
            Shape? broadcast = Broadcasting.Broadcast(domain, frame).Shape;
            if (broadcast is null)
            {
                return throwIfRowsDiffer
                    ? throw new System.InvalidOperationException($"Row group of node {n}: its value of shape {frame} does not broadcast with the group's rows {domain}.")
                    : null;
            }

            domain = broadcast;
        }

        return domain.Rank == 0 ? new[] { Dim.Literal(1) } : domain.Dims.ToArray();
    }

    /// <summary>
    /// When a reduction pass reduces a costly value (a vector-math function of the inputs, such as
    /// <c>Tanh(x) * c</c> in a softmax of capped logits), or one computed from such a value (an RMS
    /// norm sums the square of its operand: the operand is kept, <see cref="RowPass.KeptValue"/>), that
    /// later passes need, and those passes read no scratch buffer besides it (kernel parameters they
    /// may read: <see cref="RowProgram.ParametersReadAfterStore"/>), the pass also stores the value in
    /// the destination and the later passes reload it: one
    /// evaluation of the functions per element instead of one per pass. Repeated from the first pass
    /// on, so a chain of such values (the capped logits, then their exponentials) is each computed
    /// once. Cheap values are left to be recomputed: a store and a reload cost about what an addition
    /// or two saves. <see cref="ReuseStoredValue"/> then handles the last pass.
    /// </summary>
    private static void StoreCostlyValues(KernelGraph graph, List<RowPass> passes, Dictionary<int, Level> level, Dictionary<int, RowLeaf> leafOf, HashSet<int> readable, int product)
    {
        if (product >= 0)
        {
            return;
        }

        for (int s = 0; s < passes.Count - 1; s++)
        {
            RowPass pass = passes[s];
            if (pass.Reduction < 0 || pass.AlsoStores || pass.KeptValue >= 0)
            {
                continue;
            }

            // The value reduced, or else a costly value it is computed from (an RMS norm reduces the
            // square of what its output pass scales), the later in the pass the more it saves. A Max
            // or Min keeps only the value it reduces: it may compute it again over the row (a zero
            // maximum, whose sign the hardware may get wrong), and in place the inputs are gone.
            var candidates = CostlyValues(graph, pass, leafOf)
                .Where(n => n == pass.Value || pass.ReductionOp is not (Op.ReduceMax or Op.ReduceMin))
                .OrderByDescending(n => n);
            foreach (int value in candidates)
            {
                var later = new List<RowPass>();
                for (int t = s + 1; t < passes.Count; t++)
                {
                    RowPass q = passes[t];
                    RowPass reloading = Pass(graph, q.Before.ToList(), q.Reduction, q.ReductionOp, q.Value, level, leafOf, reloaded: value, companions: q.Companions);
                    later.Add(reloading.Body.Any(st => st.Value == value) ? reloading : q);
                }

                // Worth it when a later pass needs the value; safe when no later pass reads a scratch
                // buffer (along the row, or one per row) that the destination may be written over.
                bool needed = later.Any(q => q.Reloaded == value);
                bool readsNoScratch = later.All(q => q.Inputs.All(readable.Contains) && q.Before.All(st => !leafOf.ContainsKey(st.Value) || readable.Contains(st.Value)));
                // The store overwrites what an earlier pass stored: no later pass may still need that.
                bool reloadsNothingElse = Enumerable.Range(s + 1, passes.Count - s - 1)
                    .All(t => passes[t].Reloaded < 0 || passes[t].Reloaded == value || later[t - s - 1].Reloaded == value && !NeedsAgain(later[t - s - 1], passes[t].Reloaded));
                if (!needed || !readsNoScratch || !reloadsNothingElse)
                {
                    continue;
                }

                passes[s] = value == pass.Value ? pass with { AlsoStores = true } : pass with { KeptValue = value };
                for (int t = s + 1; t < passes.Count; t++)
                {
                    passes[t] = later[t - s - 1];
                }

                break;
            }
        }
    }

    /// <summary>Takes back a store no later pass reloads (each later pass that did was rebuilt to reload a value stored after it).</summary>
    private static void DropUnreadStores(List<RowPass> passes)
    {
        for (int s = 0; s < passes.Count; s++)
        {
            int stored = passes[s].AlsoStores ? passes[s].Value : passes[s].KeptValue;
            if (stored >= 0 && !passes.Skip(s + 1).Any(q => q.Reloaded == stored))
            {
                passes[s] = passes[s] with { AlsoStores = false, KeptValue = -1 };
            }
        }
    }

    /// <summary>Whether a pass rebuilt to reload another value still computes <paramref name="value"/>, which it reloaded before.</summary>
    private static bool NeedsAgain(RowPass pass, int value) => pass.Reloaded != value && pass.Body.Any(st => st.Value == value);

    /// <summary>The values a pass computes (not loads) that compute a vector-math function, in its body.</summary>
    private static IEnumerable<int> CostlyValues(KernelGraph graph, RowPass pass, Dictionary<int, RowLeaf> leafOf)
    {
        var computed = new HashSet<int>(pass.Body.Select(st => st.Value).Where(n => n != pass.Reloaded && !leafOf.ContainsKey(n)));
        var costly = new HashSet<int>();
        foreach (LoopStatement st in pass.Body.OrderBy(st => st.Value))
        {
            if (computed.Contains(st.Value) && (OpInfo.IsVectorMathFunction(st.Node.Op) || st.Node.Operands.Any(costly.Contains)))
            {
                costly.Add(st.Value);
            }
        }

        return costly;
    }

    /// <summary>
    /// When the output pass recomputes the value the last reduction pass reduced (a softmax's exp),
    /// and reads no scratch buffer along the row besides, the reduction pass also stores that value in
    /// the destination and the output pass reloads it: one evaluation of the expression per element
    /// instead of two. (A scratch value may be written over a buffer it reads, <c>ScratchReuse</c>, so
    /// no pass reads a scratch buffer after a store. A kernel parameter it may read: one that could be
    /// the destination itself, in an in-place call, is listed in <see cref="RowProgram.ParametersReadAfterStore"/>
    /// and the entry point then computes into scratch memory. A tuple's results share no memory with
    /// any input, so a group writing one may read scratch buffers there too.) Returns the new output
    /// pass, after replacing the reduction pass in <paramref name="passes"/>; null when the rule does not apply.
    /// </summary>
    private static RowPass? ReuseStoredValue(KernelGraph graph, List<RowPass> passes, RowPass output, List<LoopStatement> pending,
        Dictionary<int, Level> level, Dictionary<int, RowLeaf> leafOf, HashSet<int> readable, int product)
    {
        if (passes.Count == 0 || product >= 0)
        {
            return null;
        }

        RowPass last = passes[passes.Count - 1];
        if (leafOf.ContainsKey(last.Value) || !output.Body.Any(s => s.Value == last.Value))
        {
            return null;
        }

        RowPass reloading = Pass(graph, pending, -1, Op.Input, output.Value, level, leafOf, reloaded: last.Value, companions: output.Companions);
        if (output.Reloaded >= 0 && output.Reloaded != last.Value && NeedsAgain(reloading, output.Reloaded))
        {
            return null; // it still needs the value an earlier pass stored, which this store would overwrite
        }

        if (!reloading.Inputs.All(readable.Contains))
        {
            return null;
        }

        passes[passes.Count - 1] = last with { AlsoStores = true };
        return reloading;
    }

    /// <summary>
    /// Whether a parameter leaf cannot be a destination the kernel writes: one of another rank than
    /// every result (a layer norm's gamma and beta), since the entry point accepts an input over a
    /// destination only as the same elements in the same layout, so of the same rank.
    /// </summary>
    private static bool CannotBeADestination(KernelGraph graph, Shape?[] shapes, RowLeaf leaf)
        => graph.Parameters[leaf.Source].Shape is Shape declared
            && graph.Results.All(r => shapes[r] is Shape result && result.Rank != declared.Rank);

    /// <param name="companions">For the output pass of a group that writes several results: the others, stored beside <paramref name="value"/>.</param>
    private static RowPass Pass(KernelGraph graph, List<LoopStatement> before, int reduction, Op op, int value, Dictionary<int, Level> level, Dictionary<int, RowLeaf> leafOf,
        int reloaded = -1, EquatableArray<int> companions = default)
    {
        // The row-level statements value needs: its operands through row-level and invariant nodes;
        // per-row values and row-scalar leaves become parameters of the pass.
        var body = new SortedSet<int>();
        var inputs = new SortedSet<int>();
        var rowScalars = new SortedSet<int>();
        var stack = new Stack<int>(companions.Prepend(value));
        while (stack.Count > 0)
        {
            int n = stack.Pop();
            if (level[n] == Level.RowScalar)
            {
                rowScalars.Add(n);
                continue;
            }

            if (!body.Add(n) || n == reloaded)
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
            inputs.ToEquatableArray(), rowScalars.ToEquatableArray(), expression) { Reloaded = reloaded, Companions = companions };
    }

    private static LoopStatement Statement(KernelGraph graph, int n)
    {
        GraphNode node = graph.Nodes[n];
        if (node.Op == Op.Exp && IsBelowItsMax(graph, node.Operands[0]))
        {
            node = node with { Attributes = EquatableArray.Create(1) };
        }

        return new(n, node, node.Operands.Count == 0 ? null : graph.TryToExpression(n, MaxCommentLength));
    }

    /// <summary>
    /// Whether value n is <c>a - Max(a, ...)</c>, a value minus a maximum over some of its own
    /// elements: at most 0 wherever it is not NaN (softmax's shift), so its exponential cannot
    /// overflow.
    /// </summary>
    private static bool IsBelowItsMax(KernelGraph graph, int n)
    {
        GraphNode node = graph.Nodes[n];
        if (node.Op != Op.Sub)
        {
            return false;
        }

        GraphNode subtracted = graph.Nodes[node.Operands[1]];
        return subtracted.Op == Op.ReduceMax && subtracted.Operands[0] == node.Operands[0];
    }

    private static bool IsLeaf(KernelGraph graph, int n, int product, HashSet<int> stops, HashSet<int> cone, HashSet<int> outputs)
    {
        GraphNode node = graph.Nodes[n];
        if (node.Op == Op.Input || n == product || stops.Contains(n) && !outputs.Contains(n))
        {
            return !IsViewedOnly(graph, n, stops, cone, outputs);
        }

        return OpInfo.IsView(node.Op) && !IsViewedOnly(graph, n, stops, cone, outputs);
    }

    /// <summary>
    /// Whether every use of n in the group is by a view (so n is read only through that view). A use
    /// by a value the group reads from memory (an earlier group's output) does not count: the group
    /// does not compute it from n (a chunk of a join, beside the join's row max of another group).
    /// </summary>
    private static bool IsViewedOnly(KernelGraph graph, int n, HashSet<int> stops, HashSet<int> cone, HashSet<int> outputs)
        => !outputs.Contains(n) && cone.Where(u => graph.Nodes[u].Operands.Contains(n) && !(stops.Contains(u) && !outputs.Contains(u)))
            .All(u => OpInfo.IsView(graph.Nodes[u].Op));

    /// <summary>
    /// Whether a reshape only drops size-1 dimensions of a view that is not in memory itself (the
    /// last step of a chunk of a symbolic size): read through, as a view of that view.
    /// </summary>
    public static bool IsSqueezeOfAView(KernelGraph graph, Shape?[] shapes, int reshape, ICollection<int> stops)
    {
        int operand = graph.Nodes[reshape].Operands[0];
        return OpInfo.IsView(graph.Nodes[operand].Op) && !stops.Contains(operand) && ShapeInference.SqueezedDimensions(graph, shapes, reshape) is not null;
    }

    /// <summary>
    /// A leaf's source (a parameter, a scratch buffer or the product), the permutation from its
    /// dimensions to the source's (empty for the identity), and the slices the view applies, as
    /// pairs (source dimension, start): the view's first element is at Σ start · stride.
    /// </summary>
    public static (RowLeafKind Kind, int Source, int[] Permutation, int[] Offsets) Resolve(KernelGraph graph, Shape?[] shapes, int n, int product, ICollection<int> stops)
    {
        if (n == product)
        {
            return (RowLeafKind.Product, n, new int[0], new int[0]);
        }

        if (stops.Contains(n))
        {
            return (RowLeafKind.Temporary, n, new int[0], new int[0]);
        }

        var chain = new List<int>();
        int node = n;
        while (OpInfo.IsView(graph.Nodes[node].Op))
        {
            if (graph.Nodes[node].Op == Op.Reshape && !IsSqueezeOfAView(graph, shapes, node, stops))
            {
                break; // the reshape is the source: its dimensions have the dense strides of its shape
            }

            chain.Add(node);
            node = graph.Nodes[node].Operands[0];
            if (stops.Contains(node) || node == product)
            {
                break;
            }
        }

        // Innermost view first: map[d] is the source dimension of the current view's dimension d.
        int[] map = Enumerable.Range(0, shapes[node]!.Rank).ToArray();
        var offsets = new List<int>();
        for (int c = chain.Count - 1; c >= 0; c--)
        {
            GraphNode view = graph.Nodes[chain[c]];
            int rank = shapes[view.Operands[0]]!.Rank;
            if (view.Op == Op.Transpose)
            {
                int[] step = ShapeInference.Permutation(view, rank)!;
                map = step.Select(p => map[p]).ToArray();
            }
            else if (view.Op == Op.Reshape)
            {
                // Dropped size-1 dimensions: the others keep their source dimensions (and a
                // dropped one's start, if a slice took it, is already among the offsets).
                map = ShapeInference.SqueezedDimensions(graph, shapes, chain[c])!.Select(o => map[o]).ToArray();
            }
            else
            {
                offsets.Add(map[ShapeInference.SliceAxis(view, rank)]);
                offsets.Add(view.Attributes[1]);
            }
        }

        RowLeafKind kind = node == product ? RowLeafKind.Product
            : graph.Nodes[node].Op == Op.Input ? RowLeafKind.Parameter
            : graph.Nodes[node].Op == Op.Reshape && !stops.Contains(node) ? RowLeafKind.Reshaped
            : RowLeafKind.Temporary;
        int source = kind == RowLeafKind.Parameter ? graph.Nodes[node].Parameter : node;
        bool identity = map.Select((m, i) => m == i).All(b => b);
        return (kind, source, identity ? new int[0] : map, offsets.ToArray());
    }
}
