using System.Linq;
using System.Text;
using KernelDsl.Compiler.Common;
using KernelDsl.Compiler.Graph;
using KernelDsl.Compiler.Shapes;

namespace KernelDsl.Compiler.Loops;

/// <summary>Where a row kernel's tensor operand lives.</summary>
public enum RowLeafKind
{
    /// <summary>A kernel parameter (<see cref="RowLeaf.Source"/> is its index).</summary>
    Parameter,
    /// <summary>A scratch buffer written by an earlier group (<see cref="RowLeaf.Source"/> is the node it holds).</summary>
    Temporary,
    /// <summary>The matrix product in the destination, read by its epilogue.</summary>
    Product,
    /// <summary>
    /// A reshape (<see cref="RowLeaf.Source"/> is the Reshape node) of a dense kernel parameter or
    /// scratch buffer: the operand's memory, with the dense strides of the reshaped dimensions.
    /// </summary>
    Reshaped,
}

/// <summary>
/// A tensor a row kernel reads, possibly through a transposed view: dimension d of the leaf is
/// dimension <c>Permutation[d]</c> of the source (identity when empty).
/// </summary>
/// <param name="RowScalar">Broadcast along the row (its last dimension is 1): read once per row.</param>
/// <param name="Slot">The runtime operand slot, or -1 for the product (read from the destination).</param>
public sealed record RowLeaf(int Node, RowLeafKind Kind, int Source, EquatableArray<int> Permutation, Shape Shape, bool RowScalar, int Slot, string Name)
{
    /// <summary>The slices the view applies: pairs (source dimension, start); empty when it starts at the source's first element.</summary>
    public EquatableArray<int> Offsets { get; init; } = EquatableArray<int>.Empty;
}

/// <summary>
/// One pass over a row: computes <paramref name="Value"/> per element (its row-level statements in
/// <paramref name="Body"/>) and either reduces it (<paramref name="Reduction"/>, a node) or stores it
/// (<paramref name="Reduction"/> = -1). <paramref name="Before"/> holds the per-row scalar values
/// computed just before the pass (from reductions of earlier passes).
/// </summary>
/// <param name="Inputs">The row-level leaves the pass reads (node indices).</param>
/// <param name="RowScalars">The per-row values the pass uses (node indices).</param>
public sealed record RowPass(
    EquatableArray<LoopStatement> Before,
    int Reduction,
    Op ReductionOp,
    int Value,
    EquatableArray<LoopStatement> Body,
    EquatableArray<int> Inputs,
    EquatableArray<int> RowScalars,
    string? Expression)
{
    /// <summary>For a reduction pass: whether it also stores its value in the destination, for the output pass to reload.</summary>
    public bool AlsoStores { get; init; }

    /// <summary>The value it reloads from the destination instead of recomputing, stored there by an earlier pass (-1 if none).</summary>
    public int Reloaded { get; init; } = -1;

    /// <summary>
    /// For a reduction pass: a value other than the one it reduces that it stores in the destination
    /// for later passes to reload (an RMS norm's activation, whose square it reduces), -1 if none.
    /// The pass's <c>At</c> stores it.
    /// </summary>
    public int KeptValue { get; init; } = -1;

    /// <summary>For the output pass of a group writing several results: the values it stores besides <see cref="Value"/>, each in its own destination.</summary>
    public EquatableArray<int> Companions { get; init; }
}

/// <summary>
/// The schedule of a row group (or a contraction's epilogue): an iteration space of outer
/// dimensions × one row (<paramref name="Domain"/>), the leaves it reads, and passes over each row.
/// </summary>
/// <param name="After">Per-row values computed after the last pass (for a kernel whose output is one value per row).</param>
/// <param name="OutputIsRowScalar">Whether the group writes one value per row rather than a row.</param>
public sealed record RowProgram(
    string StructName,
    EquatableArray<KernelParameter> Parameters,
    EquatableArray<Dim> Domain,
    EquatableArray<RowLeaf> Leaves,
    EquatableArray<RowPass> Passes,
    EquatableArray<LoopStatement> After,
    int Output,
    bool OutputIsRowScalar,
    string Reason)
{
    /// <summary>
    /// Results the group writes besides <paramref name="Output"/> (a tuple's results over the same
    /// rows): each goes to its own destination, passed in the operand slot after the leaves' (<see cref="CompanionSlot"/>).
    /// </summary>
    public EquatableArray<int> Companions { get; init; }

    /// <summary>The companions of one value per row, which the row method stores as it computes them (the others, whole rows, the output pass stores).</summary>
    public System.Collections.Generic.IEnumerable<int> CompanionsPerRow => Companions.Where(c => !Passes.Any(p => p.Companions.Contains(c)));

    /// <summary>
    /// The kernel parameters (indices) a pass reads after an earlier pass stored values in the
    /// destination, and that could be the destination itself (an in-place call gives the same
    /// elements in the same layout): the entry point then computes into scratch memory.
    /// </summary>
    public EquatableArray<int> ParametersReadAfterStore { get; init; }

    /// <summary>The operand slots the group takes: its leaves', then one per companion.</summary>
    public int SlotCount => Leaves.Count(l => l.Slot >= 0) + Companions.Count;

    /// <summary>The operand slot of companion <paramref name="index"/>'s destination.</summary>
    public int CompanionSlot(int index) => Leaves.Count(l => l.Slot >= 0) + index;

    /// <summary>The scalar parameters the kernel struct captures: those its statements read.</summary>
    public EquatableArray<KernelParameter> ScalarInputs
    {
        get
        {
            var statements = Passes.SelectMany(p => p.Before.Concat(p.Body)).Concat(After);
            var used = new System.Collections.Generic.HashSet<int>(statements.Where(s => s.Node.Op == Op.ScalarInput).Select(s => s.Node.Parameter));
            return Parameters.Where((p, i) => used.Contains(i)).ToEquatableArray();
        }
    }

    /// <summary>The printable form of this stage.</summary>
    public string Dump()
    {
        var text = new StringBuilder();
        text.Append("rows of [").Append(string.Join(", ", Domain)).Append("]:\n");
        foreach (RowLeaf leaf in Leaves)
        {
            text.Append("  leaf %").Append(leaf.Node).Append(' ').Append(leaf.Kind).Append(' ').Append(leaf.Name)
                .Append(leaf.RowScalar ? " (per row)" : "").Append('\n');
        }

        foreach (RowPass pass in Passes)
        {
            foreach (LoopStatement s in pass.Before)
            {
                text.Append("  row %").Append(s.Value).Append(" = ").Append(s.Node.Op).Append(' ').Append(string.Join(", ", s.Node.Operands)).Append('\n');
            }

            text.Append(pass.Reduction >= 0 ? $"  pass: %{pass.Reduction} = {pass.ReductionOp} over i of{(pass.AlsoStores ? " (also stored)" : "")}{(pass.KeptValue >= 0 ? $" (keeping %{pass.KeptValue})" : "")}\n" : "  pass: store over i\n");
            foreach (LoopStatement s in pass.Body)
            {
                if (s.Value == pass.Reloaded)
                {
                    text.Append("    %").Append(s.Value).Append(" = reload\n");
                    continue;
                }

                text.Append("    %").Append(s.Value).Append(" = ").Append(s.Node.Op).Append(' ').Append(string.Join(", ", s.Node.Operands)).Append('\n');
            }
        }

        foreach (LoopStatement s in After)
        {
            text.Append("  row %").Append(s.Value).Append(" = ").Append(s.Node.Op).Append(' ').Append(string.Join(", ", s.Node.Operands)).Append('\n');
        }

        foreach (int companion in Companions)
        {
            text.Append("  also store %").Append(companion).Append(" (slot ").Append(CompanionSlot(Companions.ToList().IndexOf(companion))).Append(")\n");
        }

        return text.Append(OutputIsRowScalar ? $"  store row %{Output}\n" : "").ToString();
    }
}
