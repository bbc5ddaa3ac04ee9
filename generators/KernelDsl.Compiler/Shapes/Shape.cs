using System.Linq;
using KernelDsl.Compiler.Common;

namespace KernelDsl.Compiler.Shapes;

/// <summary>A tensor's shape: its dimensions, outermost first. Rank 0 is a scalar.</summary>
public sealed record Shape(EquatableArray<Dim> Dims)
{
    public static Shape Scalar { get; } = new(EquatableArray<Dim>.Empty);

    public int Rank => Dims.Count;

    /// <summary>A shape from <c>[Shape("B", "784")]</c>-style texts.</summary>
    public static Shape Parse(params string[] dims) => new(dims.Select(Dim.Parse).ToEquatableArray());

    public override string ToString() => "[" + string.Join(", ", Dims) + "]";
}
