using System;
using KernelDsl.Compiler.Graph;

namespace KernelDsl.Compiler.Passes;

/// <summary>
/// A rewrite rule: given a node whose operands are already rewritten, either returns the index of a
/// replacement built in <paramref name="builder"/>, or null to keep the node.
/// </summary>
public delegate int? RewriteRule(GraphBuilder builder, GraphNode node);

/// <summary>Applies rewrite rules to every node of a graph, bottom-up, until nothing changes.</summary>
public static class GraphRewriter
{
    private const int MaxRounds = 16;

    /// <summary>One bottom-up sweep: each node is offered to <paramref name="rule"/> once.</summary>
    public static KernelGraph RewriteOnce(KernelGraph graph, RewriteRule rule)
    {
        var builder = new GraphBuilder(graph.Parameters);
        var map = new int[graph.Nodes.Count];
        for (int i = 0; i < graph.Nodes.Count; i++)
        {
            GraphNode node = graph.Nodes[i];
            var operands = new int[node.Operands.Count];
            for (int k = 0; k < operands.Length; k++)
            {
                operands[k] = map[node.Operands[k]];
            }

            GraphNode rebuilt = node with { Operands = new(operands) };
            map[i] = rule(builder, rebuilt) ?? builder.Add(rebuilt);
        }

        return builder.Build(map[graph.Output]);
    }

    /// <summary>Sweeps until a sweep leaves the graph equal to its input (a fixpoint).</summary>
    public static KernelGraph RewriteToFixpoint(KernelGraph graph, RewriteRule rule)
    {
        for (int round = 0; round < MaxRounds; round++)
        {
            KernelGraph next = RewriteOnce(graph, rule);
            if (next.Equals(graph))
            {
                return graph;
            }

            graph = next;
        }

        throw new InvalidOperationException($"rewriting did not reach a fixpoint in {MaxRounds} rounds");
    }
}
