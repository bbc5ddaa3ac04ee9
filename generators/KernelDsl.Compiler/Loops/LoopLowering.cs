using System.Collections.Generic;
using KernelDsl.Compiler.Common;
using KernelDsl.Compiler.Fusion;
using KernelDsl.Compiler.Graph;

namespace KernelDsl.Compiler.Loops;

/// <summary>Schedules an elementwise fusion group as a loop, hoisting what does not vary per element.</summary>
public static class LoopLowering
{
    /// <summary>Expressions longer than this are left out of comments: they would not help a reader.</summary>
    private const int MaxCommentLength = 72;

    public static LoopProgram Lower(KernelGraph graph, FusionGroup group)
    {
        var invariants = new List<LoopStatement>();
        var body = new List<LoopStatement>();
        bool[] varying = graph.VaryingNodes();
        foreach (int index in group.Nodes)
        {
            GraphNode node = graph.Nodes[index];
            string? expression = node.Operands.Count == 0 ? null : graph.TryToExpression(index, MaxCommentLength);
            var statement = new LoopStatement(index, node, expression);
            if (varying[index])
            {
                body.Add(statement);
            }
            else
            {
                invariants.Add(statement);
            }
        }

        return new LoopProgram(
            graph.Parameters,
            invariants.ToEquatableArray(),
            body.ToEquatableArray(),
            group.Output,
            group.Reason);
    }
}
