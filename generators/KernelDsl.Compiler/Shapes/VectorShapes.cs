using System.Linq;
using KernelDsl.Compiler.Common;
using KernelDsl.Compiler.Graph;

namespace KernelDsl.Compiler.Shapes;

/// <summary>
/// The shapes of a kernel that declares none. An elementwise kernel needs none: it maps tensors of
/// one common shape, of any rank, in one flat loop. A kernel that reduces, takes views, multiplies
/// matrices or returns several tensors needs axes; without <c>[Shape]</c> its tensor parameters are
/// vectors of one length, as if each were declared <c>[Shape("N")]</c>, so a dot product
/// (<c>Sum(x * y, axis: 0)</c>) or a pair of results compiles with no attribute at all.
/// </summary>
public static class VectorShapes
{
    /// <summary>The symbol every implied vector shape uses.</summary>
    public const string Length = "N";

    /// <summary>Whether no parameter declares a shape.</summary>
    public static bool AreUndeclared(EquatableArray<KernelParameter> parameters) => parameters.All(p => p.Shape is null);

    /// <summary>Whether <paramref name="graph"/>, lowered from parameters without shapes, needs axes: anything but elementwise operations.</summary>
    public static bool AreNeeded(KernelGraph graph) => graph.Nodes.Any(n => n.Operands.Count > 0 && !OpInfo.IsElementwise(n.Op));

    /// <summary>The parameters with every tensor a vector <c>[N]</c>.</summary>
    public static EquatableArray<KernelParameter> Imply(EquatableArray<KernelParameter> parameters)
        => parameters.Select(p => p.Kind == ParameterKind.Tensor ? p with { Shape = Shape.Parse(Length) } : p).ToEquatableArray();
}
