using KernelDsl.Compiler.Common;

namespace KernelDsl.Compiler.Fusion;

/// <summary>How an N-d fusion group runs.</summary>
public enum NdGroupKind
{
    /// <summary>Row by row over an iteration space (outer dimensions × the last one): elementwise ops and reductions along the last axis, fused.</summary>
    Rows,
    /// <summary>A matrix product (the runtime's GEMM) with its elementwise epilogue applied to each finished tile.</summary>
    Contraction,
    /// <summary>A transposed view copied to dense memory, for consumers that need contiguous rows.</summary>
    Copy,
    /// <summary>Operands joined along an axis: each one, in memory (a kernel input or an earlier group's output), copied into its place in the result.</summary>
    Concat,
    /// <summary>A reduction over an axis other than its source's last, read in place: whole source rows are combined into each row of the result (the runtime's <c>AxisReduction</c>).</summary>
    AxisReduction,
}

/// <summary>
/// One kernel of an N-d plan: the node it writes to memory (<paramref name="Output"/>), the nodes it
/// computes in registers, and why.
/// </summary>
/// <param name="Nodes">The nodes the group computes, in graph order, including views it reads through; leaves from other groups are not included.</param>
/// <param name="Product">For a contraction: the MatMul node; else -1.</param>
public sealed record NdGroup(NdGroupKind Kind, int Output, EquatableArray<int> Nodes, int Product, string Reason)
{
    /// <summary>
    /// For a row group: other values it writes besides <see cref="Output"/> (a tuple's results, a
    /// Concat's pieces), each into its own memory (<see cref="SharedRows"/>); empty for most groups.
    /// </summary>
    public EquatableArray<int> Companions { get; init; } = EquatableArray<int>.Empty;

    /// <summary>Every value the group writes to memory: <see cref="Output"/>, then its <see cref="Companions"/>.</summary>
    public System.Collections.Generic.IEnumerable<int> Outputs => System.Linq.Enumerable.Prepend(Companions, Output);
}

/// <summary>An N-d kernel divided into groups, in execution order, and the intermediate values they pass through memory.</summary>
/// <param name="Temporaries">Nodes written to scratch buffers (every group output that is not a result of the kernel).</param>
/// <param name="Results">The kernel's results, in order, each written to its own destination.</param>
public sealed record NdPlan(EquatableArray<NdGroup> Groups, EquatableArray<int> Temporaries, EquatableArray<int> Results)
{
    /// <summary>Every node held in memory: scratch buffers and results (a later group may read an earlier result).</summary>
    public System.Collections.Generic.IReadOnlyList<int> Materialized => System.Linq.Enumerable.ToList(System.Linq.Enumerable.Concat(Temporaries, Results));
}

/// <summary>A graph the planner cannot compile, at node <paramref name="Node"/>: what (<paramref name="Construct"/>) and what to do instead (<paramref name="Hint"/>).</summary>
public sealed record PlanError(int Node, string Construct, string Hint)
{
    public string Message => $"{Construct} is not compiled yet: {Hint}";
}
