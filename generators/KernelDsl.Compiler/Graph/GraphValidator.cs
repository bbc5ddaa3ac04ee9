using KernelDsl.Compiler.Common;
using System.Collections.Generic;

namespace KernelDsl.Compiler.Graph;

/// <summary>
/// Checks the invariants every pass must preserve, so a broken pass is caught at the pass that broke
/// it rather than as wrong generated code. Returns the problems found (none for a valid graph).
/// </summary>
public static class GraphValidator
{
    public static IReadOnlyList<string> Validate(KernelGraph graph, bool compositesAllowed)
    {
        var problems = new List<string>();
        if (graph.Output < 0 || graph.Output >= graph.Nodes.Count)
        {
            problems.Add($"output %{graph.Output} is not a node");
        }

        for (int i = 0; i < graph.Nodes.Count; i++)
        {
            GraphNode node = graph.Nodes[i];
            if (OpInfo.IsVariadic(node.Op))
            {
                if (node.Operands.Count < 2 || (node.Op == Op.Tuple && i != graph.Output))
                {
                    problems.Add(node.Op == Op.Tuple ? $"%{i} Tuple must be the output and have at least two operands" : $"%{i} {node.Op} must have at least two operands");
                }

                if (node.Op == Op.Concat && node.Attributes.Count != 1)
                {
                    problems.Add($"%{i} Concat has {node.Attributes.Count} attributes, expected its axis");
                }
            }
            else if (node.Operands.Count != OpInfo.Arity(node.Op))
            {
                problems.Add($"%{i} {node.Op} has {node.Operands.Count} operands, expected {OpInfo.Arity(node.Op)}");
            }

            foreach (int operand in node.Operands)
            {
                if (operand < 0 || operand >= i)
                {
                    problems.Add($"%{i} {node.Op} uses %{operand}, which does not come before it");
                }
            }

            if (node.Op is Op.Input or Op.ScalarInput)
            {
                ParameterKind expected = node.Op == Op.Input ? ParameterKind.Tensor : ParameterKind.Scalar;
                if (node.Parameter < 0 || node.Parameter >= graph.Parameters.Count || graph.Parameters[node.Parameter].Kind != expected)
                {
                    problems.Add($"%{i} {node.Op} refers to parameter {node.Parameter}, which is not a {expected} parameter");
                }
            }

            if (!compositesAllowed && OpInfo.IsComposite(node.Op))
            {
                problems.Add($"%{i} {node.Op} is a composite op that should have been lowered");
            }

            for (int k = 0; k < node.Operands.Count; k++)
            {
                int operand = node.Operands[k];
                if (operand < 0 || operand >= i)
                {
                    continue; // reported above
                }

                bool isMask = OpInfo.IsComparison(graph.Nodes[operand].Op);
                bool shouldBeMask = node.Op == Op.Where && k == 0;
                if (isMask != shouldBeMask)
                {
                    problems.Add(shouldBeMask
                        ? $"%{i} Where needs a comparison as its condition"
                        : $"%{i} {node.Op} uses the mask %{operand} as a number");
                }
            }
        }

        if (graph.Output >= 0 && graph.Output < graph.Nodes.Count)
        {
            GraphNode output = graph.Nodes[graph.Output];
            var results = output.Op == Op.Tuple ? output.Operands : EquatableArray.Create(graph.Output);
            if (System.Linq.Enumerable.Any(results, r => r >= 0 && r < graph.Nodes.Count && OpInfo.IsComparison(graph.Nodes[r].Op)))
            {
                problems.Add("the output is a mask, not a float tensor");
            }
        }

        return problems;
    }
}
