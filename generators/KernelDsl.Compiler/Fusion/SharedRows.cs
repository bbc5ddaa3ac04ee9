using System;
using System.Collections.Generic;
using System.Linq;
using KernelDsl.Compiler.Common;
using KernelDsl.Compiler.Graph;
using KernelDsl.Compiler.Shapes;

namespace KernelDsl.Compiler.Fusion;

/// <summary>
/// Lets one row group write several results of a tuple kernel. <see cref="NdPlanner"/> gives each
/// result a group of its own; results over the same rows (<c>(Softmax(x), LogSoftmax(x))</c>, a
/// layer norm and its centered input) then read the same inputs and compute the same reductions
/// once per result. Merged, their group reads each row once, computes every reduction once, and
/// its output pass stores each result into its own destination.
/// </summary>
/// <remarks>
/// A result joins an earlier row group (as one of its <see cref="NdGroup.Companions"/>) when:
/// <list type="bullet">
/// <item>both are row groups writing kernel results of the same shape, each returned once and read
/// by no other value (no later group waits for it);</item>
/// <item>everything the later group reads from memory is written before the earlier group runs
/// (moving its work earlier changes no value it reads);</item>
/// <item>the merged group still fits the runtime (<paramref name="fits"/> in <see cref="Merge"/>):
/// every result a whole row per row, and its inputs and extra destinations within the operand slots.</item>
/// </list>
/// A tuple's destinations are separate from each other and from every input (the entry point checks
/// it), so storing several results in one pass cannot change what the pass reads.
/// </remarks>
public static class SharedRows
{
    /// <param name="fits">Whether a merged group can be lowered and run: its results are rows and its operands fit the runtime's slots.</param>
    public static NdPlan Merge(KernelGraph graph, Shape?[] shapes, NdPlan plan, Func<NdGroup, bool> fits)
    {
        if (plan.Results.Count < 2)
        {
            return plan;
        }

        var materialized = new HashSet<int>(plan.Materialized);
        var groups = plan.Groups.ToList();
        for (int a = 0; a < groups.Count; a++)
        {
            if (!CanShare(graph, shapes, plan, groups[a]))
            {
                continue;
            }

            for (int b = a + 1; b < groups.Count; b++)
            {
                NdGroup host = groups[a], candidate = groups[b];
                if (!CanShare(graph, shapes, plan, candidate) || !SameRows(shapes[host.Output]!, shapes[candidate.Output]!)
                    || !ReadsOnlyEarlierValues(graph, materialized, groups, a, candidate))
                {
                    continue;
                }

                // The output pass stores whole rows of the group's main result; a result of one
                // value per row (a mean kept as [B, 1]) is stored once per row beside it.
                bool candidateIsRows = !IsOneValuePerRow(shapes[candidate.Output]!);
                bool swap = candidateIsRows && IsOneValuePerRow(shapes[host.Output]!);
                NdGroup merged = host with
                {
                    Output = swap ? candidate.Output : host.Output,
                    Nodes = host.Nodes.Concat(candidate.Nodes).Distinct().OrderBy(n => n).ToEquatableArray(),
                    Companions = (swap ? host.Companions.Prepend(host.Output) : host.Companions.Append(candidate.Output)).ToEquatableArray(),
                };
                if (fits(merged))
                {
                    groups[a] = merged;
                    groups.RemoveAt(b);
                    b = a; // a result passed over before may join now (one value per row, once a group stores rows)
                }
            }
        }

        if (groups.Count == plan.Groups.Count)
        {
            return plan;
        }

        return plan with
        {
            Groups = groups.Select(g => g.Companions.Count == 0 ? g : g with
            {
                Reason = $"{g.Reason} It writes {g.Companions.Count + 1} of the kernel's results, which run along the same rows: each row is read once for all of them, what they share is computed once, and the output pass stores each into its own destination.",
            }).ToEquatableArray(),
        };
    }

    /// <summary>A row group writing a result of the kernel that is returned once (a result returned twice is copied from its first destination).</summary>
    private static bool CanShare(KernelGraph graph, Shape?[] shapes, NdPlan plan, NdGroup group)
        => group.Kind == NdGroupKind.Rows && plan.Results.Count(r => r == group.Output) == 1 && shapes[group.Output]!.Rank > 0;

    /// <summary>
    /// Whether two results run along the same rows for every binding of the symbols: the same outer
    /// dimensions, and the same row or one value per row (a size-1 last dimension).
    /// </summary>
    private static bool SameRows(Shape a, Shape b)
    {
        if (a.Rank != b.Rank || IsOneValuePerRow(a) && IsOneValuePerRow(b))
        {
            return false;
        }

        int last = a.Rank - 1;
        return a.Dims.Take(last).Zip(b.Dims.Take(last), Dim.ProvablyEqual).All(equal => equal)
            && (Dim.ProvablyEqual(a.Dims[last], b.Dims[last]) || a.Dims[last].IsOne || b.Dims[last].IsOne);
    }

    private static bool IsOneValuePerRow(Shape shape) => shape.Dims[shape.Rank - 1].IsOne;

    /// <summary>
    /// Whether every value in memory that <paramref name="candidate"/> reads, other than what group
    /// <paramref name="host"/> writes (which the merged group computes itself), is written by a group
    /// before <paramref name="host"/>: the merged group runs where the host did.
    /// </summary>
    private static bool ReadsOnlyEarlierValues(KernelGraph graph, HashSet<int> materialized, List<NdGroup> groups, int host, NdGroup candidate)
    {
        var written = new HashSet<int>(groups.Take(host).SelectMany(g => g.Outputs).Concat(groups[host].Outputs));
        return NdPlanner.Cone(graph, candidate.Output, materialized)
            .Where(n => n != candidate.Output && materialized.Contains(n))
            .All(written.Contains);
    }
}
