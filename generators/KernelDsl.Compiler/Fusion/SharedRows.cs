using System;
using System.Collections.Generic;
using System.Linq;
using KernelDsl.Compiler.Common;
using KernelDsl.Compiler.Graph;
using KernelDsl.Compiler.Shapes;

namespace KernelDsl.Compiler.Fusion;

/// <summary>
/// Lets one row group write several values: a tuple kernel's results, or the pieces of a Concat.
/// <see cref="NdPlanner"/> gives each a group of its own; values over the same rows
/// (<c>(Softmax(x), LogSoftmax(x))</c>, a layer norm and its statistics, a rotary embedding's two
/// halves, which share their angles' Sin and Cos) then read the same inputs and compute what they
/// share once per value. Merged, their group reads each row once, computes every reduction once,
/// and its output pass stores each value into its own memory.
/// </summary>
/// <remarks>
/// Each row group hosts the others it can (as its <see cref="NdGroup.Companions"/>); one writing
/// one value per row (a mean) hosts only values like it, when:
/// <list type="bullet">
/// <item>the other is a row group writing a result returned once or a piece of a Concat read by
/// nothing else, with the host's outer dimensions and the host's rows or one value per row;</item>
/// <item>it can run where the host runs (<see cref="CanMove"/>): moved earlier, what it reads from
/// memory is written by then; moved later, no group in between reads what it writes. What it reads
/// from the host's results it computes inline;</item>
/// <item>the merged group still fits the runtime (<paramref name="fits"/> in <see cref="Merge"/>):
/// its reductions run along its rows, and its inputs and extra destinations fit the operand slots.</item>
/// </list>
/// A result passed over is tried again after each merge (a layer norm's mean joins once the inverse
/// deviation that reads it has). A tuple's destinations are separate from each other and from every
/// input (the entry point checks it), and so is a join whose pieces are written before it is
/// complete, so storing several values in one pass cannot change what the pass reads.
/// </remarks>
public static class SharedRows
{
    /// <param name="fits">Whether a merged group can be lowered and run: its reductions run along its rows, and its operands fit the runtime's slots.</param>
    public static NdPlan Merge(KernelGraph graph, Shape?[] shapes, NdPlan plan, Func<NdGroup, bool> fits)
    {
        if (plan.Groups.Count(g => CanShare(graph, shapes, plan, g)) < 2)
        {
            return plan;
        }

        var materialized = new HashSet<int>(plan.Materialized);
        var groups = plan.Groups.ToList();
        for (int h = 0; h < groups.Count; h++)
        {
            // A host of whole rows stores the others of whole rows in its output pass and those of
            // one value per row as it computes them; a host of one value per row (a mean) takes in
            // only values like it, and joins a host of whole rows as they would.
            if (!CanShare(graph, shapes, plan, groups[h]))
            {
                continue;
            }

            for (int c = 0; c < groups.Count; c++)
            {
                NdGroup host = groups[h], candidate = groups[c];
                if (c == h || !CanShare(graph, shapes, plan, candidate) || !SameRows(shapes[host.Output]!, shapes[candidate.Output]!)
                    || IsOneValuePerRow(shapes[host.Output]!) && !IsOneValuePerRow(shapes[candidate.Output]!)
                    || !CanMove(graph, materialized, groups, c, h))
                {
                    continue;
                }

                NdGroup merged = host with
                {
                    Nodes = host.Nodes.Concat(candidate.Nodes).Distinct().OrderBy(n => n).ToEquatableArray(),
                    Companions = host.Companions.Concat(candidate.Outputs).ToEquatableArray(), // a candidate that hosted others brings them along
                };
                if (fits(merged))
                {
                    groups[h] = merged;
                    groups.RemoveAt(c);
                    h -= c < h ? 1 : 0;
                    c = -1; // a result passed over may join now: the group it waited for is part of this one
                }
            }
        }

        if (groups.Count == plan.Groups.Count)
        {
            return plan;
        }

        return plan with { Groups = groups.Select(g => g.Companions.Count == 0 ? g : g with { Reason = Reason(graph, shapes, materialized, g) }).ToEquatableArray() };
    }

    /// <summary>Why a merged group is one: the results it writes, and the reductions they share.</summary>
    private static string Reason(KernelGraph graph, Shape?[] shapes, HashSet<int> materialized, NdGroup group)
    {
        int reductions = group.Nodes.Count(n => OpInfo.IsReduction(graph.Nodes[n].Op) && (group.Outputs.Contains(n) || !materialized.Contains(n)));
        string shared = reductions switch
        {
            0 => "their elementwise operations fuse into one loop",
            1 => "their reduction along the last axis is computed once, fused with its producer and consumers",
            _ => $"their {reductions} reductions along the last axis are computed once each, fused with their producers and consumers",
        };
        string values = group.Outputs.All(graph.Results.Contains) ? "results" : "values";
        string stored = IsOneValuePerRow(shapes[group.Output]!)
            ? "and each value, one per row, is stored as soon as it is computed"
            : "and the output pass stores each value of whole rows into its own memory (a destination, or its place in a join); one of a value per row is stored as soon as it is computed";
        return $"{group.Companions.Count + 1} {values} over the same rows, written by one group: each row is read from memory once for all of them, {shared}, {stored}.";
    }

    /// <summary>
    /// A row group writing a result of the kernel that is returned once (a result returned twice is
    /// copied from its first destination), or a piece of a Concat that nothing else reads (written
    /// into its place in the join where the emitter can, else into scratch memory the join copies from).
    /// </summary>
    private static bool CanShare(KernelGraph graph, Shape?[] shapes, NdPlan plan, NdGroup group)
    {
        int output = group.Output;
        if (group.Kind != NdGroupKind.Rows || shapes[output]!.Rank == 0)
        {
            return false;
        }

        if (plan.Results.Contains(output))
        {
            return plan.Results.Count(r => r == output) == 1;
        }

        GraphNode[] users = graph.Nodes.Where(n => n.Operands.Contains(output)).ToArray();
        return users.Length == 1 && users[0].Op == Op.Concat && users[0].Operands.Count(o => o == output) == 1;
    }

    /// <summary>
    /// Whether two values run along the same rows for every binding of the symbols: the same outer
    /// dimensions, and the same row or one value per row (a size-1 last dimension). Whether values of
    /// one per row reduce rows of one length, the merged group's check tells (<see cref="NdPlanner.IsRowGroup"/>).
    /// </summary>
    private static bool SameRows(Shape a, Shape b)
    {
        if (a.Rank != b.Rank)
        {
            return false;
        }

        int last = a.Rank - 1;
        return a.Dims.Take(last).Zip(b.Dims.Take(last), Dim.ProvablyEqual).All(equal => equal)
            && (Dim.ProvablyEqual(a.Dims[last], b.Dims[last]) || a.Dims[last].IsOne || b.Dims[last].IsOne);
    }

    private static bool IsOneValuePerRow(Shape shape) => shape.Dims[shape.Rank - 1].IsOne;

    /// <summary>
    /// Whether group <paramref name="candidate"/> can run where group <paramref name="host"/> runs,
    /// inside it. Moved earlier, everything it reads from memory, other than what the host writes
    /// (which the merged group computes itself), must be written by then; moved later, no group
    /// it passes may read what it writes.
    /// </summary>
    private static bool CanMove(KernelGraph graph, HashSet<int> materialized, List<NdGroup> groups, int candidate, int host)
    {
        if (candidate > host)
        {
            var written = new HashSet<int>(groups.Take(host + 1).SelectMany(g => g.Outputs));
            return groups[candidate].Outputs.SelectMany(o => NdPlanner.Cone(graph, o, materialized).Where(n => n != o))
                .Where(materialized.Contains)
                .All(written.Contains);
        }

        var moved = new HashSet<int>(groups[candidate].Outputs);
        return !groups.Skip(candidate + 1).Take(host - candidate - 1)
            .Any(g => g.Outputs.Any(o => NdPlanner.Cone(graph, o, materialized).Any(n => n != o && moved.Contains(n))));
    }
}
