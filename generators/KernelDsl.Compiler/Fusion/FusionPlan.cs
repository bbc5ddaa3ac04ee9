using KernelDsl.Compiler.Common;
using KernelDsl.Compiler.Graph;

namespace KernelDsl.Compiler.Fusion;

/// <summary>What a fusion group runs as.</summary>
public enum FusionGroupKind
{
    /// <summary>One loop over the elements; every op of the group is computed in registers.</summary>
    Elementwise,
}

/// <summary>A set of graph nodes that become one kernel (one pass over memory), and why.</summary>
/// <param name="Nodes">The graph nodes the group computes, in graph order.</param>
/// <param name="Output">The node whose value the group writes to memory.</param>
/// <param name="Reason">The fusion decision in a sentence, for the generated code's comments.</param>
public sealed record FusionGroup(FusionGroupKind Kind, EquatableArray<int> Nodes, int Output, string Reason);

/// <summary>The graph divided into groups, in execution order.</summary>
public sealed record FusionPlan(EquatableArray<FusionGroup> Groups);
