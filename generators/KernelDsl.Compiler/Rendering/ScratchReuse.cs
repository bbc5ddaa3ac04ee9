using System.Collections.Generic;
using System.Linq;
using KernelDsl.Compiler.Fusion;
using KernelDsl.Compiler.Graph;
using KernelDsl.Compiler.Loops;
using KernelDsl.Compiler.Shapes;

namespace KernelDsl.Compiler.Rendering;

/// <summary>
/// Which scratch buffers a row group may write over instead of renting its own: the buffer of a
/// value it reads for the last time, element by element in the same layout. The attention block's
/// softmax then runs in place on its scores' buffer: half the scratch memory ([H, T, T] once, not
/// twice) and one less buffer to stream through the cache.
/// </summary>
/// <remarks>
/// A row group may write its destination while it reads an input of the same memory as long as it
/// reads each element in place (no transpose, slice or broadcast) and no pass reads it after an
/// earlier pass stored into the destination; the row lowering keeps that true of every scratch
/// buffer a row program reads (a kernel parameter read after a store that could be the destination
/// itself makes the entry point compute an in-place call into scratch memory instead:
/// <c>RowProgram.ParametersReadAfterStore</c>).
/// </remarks>
public static class ScratchReuse
{
    /// <summary>
    /// For each scratch value that takes over another's buffer, the value whose buffer it writes
    /// (resolved through chains, so always a value that rents its own). <paramref name="streamed"/>
    /// tells the values computed piece by piece into a smaller buffer, which take no part.
    /// </summary>
    public static Dictionary<int, int> Plan(KernelGraph graph, Shape?[] shapes, NdPlan plan, IReadOnlyList<RowProgram?> programs, System.Func<int, bool> streamed)
    {
        var host = new Dictionary<int, int>();
        for (int g = 0; g < plan.Groups.Count; g++)
        {
            NdGroup group = plan.Groups[g];
            int output = group.Output;
            if (group.Kind != NdGroupKind.Rows || !plan.Temporaries.Contains(output) || streamed(output)
                || programs[g] is not { OutputIsRowScalar: false } program || shapes[output] is not Shape shape)
            {
                continue;
            }

            int? taken = LastReadInPlace(graph, shapes, plan, g, program, shape, streamed);
            if (taken is int value)
            {
                host[output] = host.TryGetValue(value, out int root) ? root : value;
            }
        }

        return host;
    }

    /// <summary>A scratch value that group <paramref name="g"/> reads only in place, of its output's shape, and no later group reads; null when there is none.</summary>
    private static int? LastReadInPlace(KernelGraph graph, Shape?[] shapes, NdPlan plan, int g, RowProgram program, Shape shape, System.Func<int, bool> streamed)
    {
        foreach (int candidate in program.Leaves.Where(l => l.Kind == RowLeafKind.Temporary).Select(l => l.Source).Distinct())
        {
            bool inPlace = program.Leaves.Where(l => (l.Kind == RowLeafKind.Temporary && l.Source == candidate) || (l.Kind == RowLeafKind.Reshaped && graph.Nodes[l.Source].Operands.Contains(candidate)))
                .All(l => l.Kind == RowLeafKind.Temporary && l.Permutation.Count == 0 && l.Offsets.Count == 0 && !l.RowScalar && l.Shape.Equals(shape));
            if (inPlace && !streamed(candidate) && plan.Temporaries.Contains(candidate) && shape.Equals(shapes[candidate]) && !ReadAfter(graph, plan, g, candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>Whether a group after <paramref name="g"/> reads <paramref name="value"/> (directly, through views, or as a product's operand).</summary>
    internal static bool ReadAfter(KernelGraph graph, NdPlan plan, int g, int value)
    {
        for (int later = g + 1; later < plan.Groups.Count; later++)
        {
            NdGroup group = plan.Groups[later];
            IEnumerable<int> nodes = group.Nodes.Append(group.Output);
            if (group.Product >= 0)
            {
                nodes = nodes.Append(group.Product);
            }

            if (nodes.Any(n => Reads(graph, n, value)))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Whether node <paramref name="n"/> reads <paramref name="value"/>: as an operand, or through
    /// a chain of views, which read their source's memory (a group copying
    /// <c>Transpose(Transpose(s))</c> to a result lists only the outer transpose among its nodes).
    /// </summary>
    private static bool Reads(KernelGraph graph, int n, int value)
        => graph.Nodes[n].Operands.Any(o => o == value || (OpInfo.IsView(graph.Nodes[o].Op) && Reads(graph, o, value)));
}
