using System.Linq;
using System.Text;
using KernelDsl.Compiler.Common;
using KernelDsl.Compiler.Graph;

namespace KernelDsl.Compiler.Loops;

/// <summary>
/// One statement of a loop program: value <paramref name="Value"/> is <paramref name="Node"/> applied
/// to earlier values (the node's operands are value numbers here).
/// </summary>
/// <param name="Expression">The DSL expression this value computes, for comments; null when too long to help.</param>
public sealed record LoopStatement(int Value, GraphNode Node, string? Expression);

/// <summary>
/// An elementwise loop nest, the schedule of one fusion group: values computed once before the loop
/// (they do not depend on the element), values computed per element, and the value stored.
/// Renderers print this for a target.
/// </summary>
/// <param name="Parameters">The kernel's parameters; graph nodes refer to them by index.</param>
public sealed record LoopProgram(
    EquatableArray<KernelParameter> Parameters,
    EquatableArray<LoopStatement> Invariants,
    EquatableArray<LoopStatement> Body,
    int Stored,
    string FusionReason)
{
    /// <summary>The tensor parameters in the order the runtime passes them (operand slots).</summary>
    public EquatableArray<KernelParameter> TensorInputs => Parameters.Where(p => p.Kind == ParameterKind.Tensor).ToEquatableArray();

    /// <summary>The scalar parameters the loop captures.</summary>
    public EquatableArray<KernelParameter> ScalarInputs => Parameters.Where(p => p.Kind == ParameterKind.Scalar).ToEquatableArray();

    /// <summary>The printable form of this stage.</summary>
    public string Dump()
    {
        var text = new StringBuilder();
        foreach (LoopStatement s in Invariants)
        {
            text.Append("  %").Append(s.Value).Append(" = ").Append(s.Node.Op).Append(' ').Append(string.Join(", ", s.Node.Operands)).Append('\n');
        }

        text.Append("  for i:\n");
        foreach (LoopStatement s in Body)
        {
            text.Append("    %").Append(s.Value).Append(" = ").Append(s.Node.Op).Append(' ').Append(string.Join(", ", s.Node.Operands)).Append('\n');
        }

        return text.Append("    store %").Append(Stored).Append('\n').ToString();
    }
}
