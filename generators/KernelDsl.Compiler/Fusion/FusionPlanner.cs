using System.Linq;
using KernelDsl.Compiler.Common;
using KernelDsl.Compiler.Graph;

namespace KernelDsl.Compiler.Fusion;

/// <summary>
/// Divides a graph into kernels. The policy, in full:
/// <list type="number">
/// <item>Elementwise ops inline into their consumer, so a graph of only elementwise ops is one loop
/// that reads each input once and writes the output once, with no temporaries.</item>
/// </list>
/// (Reductions and contractions, when the IR has them, start new groups or take elementwise
/// prologues and epilogues; the rules for them belong in this class.)
/// </summary>
public static class FusionPlanner
{
    public static FusionPlan Plan(KernelGraph graph)
    {
        var nodes = Enumerable.Range(0, graph.Nodes.Count).ToEquatableArray();
        int ops = graph.Nodes.Count(n => n.Operands.Count > 0);
        string what = ops switch
        {
            0 => "The kernel copies its input in one loop",
            1 => "Its one elementwise operation runs in one loop",
            2 => "Both elementwise operations fuse into one loop",
            _ => $"All {ops} elementwise operations fuse into one loop",
        };
        string reason = what + ": elementwise ops inline into their consumer, so each input is read once and the output written once, with no temporaries.";
        return new FusionPlan(EquatableArray.Create(new FusionGroup(FusionGroupKind.Elementwise, nodes, graph.Output, reason)));
    }
}
