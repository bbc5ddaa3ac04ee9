namespace KernelDsl.Compiler.Shapes;

/// <summary>Why two dimensions cannot be broadcast together.</summary>
public enum BroadcastConflict
{
    /// <summary>Two different literals: wrong for every binding.</summary>
    ProvablyDifferent,

    /// <summary>Two different symbols: the DSL's contract says different names are different dimensions.</summary>
    DifferentSymbols,

    /// <summary>A symbol and a literal other than 1: equal only if the symbol happens to be bound to it.</summary>
    NotProvablyEqual,
}

/// <summary>The outcome of broadcasting two shapes: the result shape, or the first conflicting pair of dimensions.</summary>
/// <param name="Axis">For a conflict: the result axis (0 = outermost) where it occurs; else -1.</param>
public sealed record BroadcastResult(Shape? Shape, int Axis, Dim Left, Dim Right, BroadcastConflict? Conflict)
{
    public bool Succeeded => Shape is not null;

    /// <summary>A message for a diagnostic: <c>cannot broadcast [B, K] with [N]: K and N differ</c>.</summary>
    public string Describe(Shape left, Shape right) => Conflict switch
    {
        null => $"{left} and {right} broadcast to {Shape}",
        BroadcastConflict.NotProvablyEqual => $"cannot broadcast {left} with {right}: {Left} and {Right} are not known to be equal (use the same symbol or literal in both, or 1 to broadcast)",
        _ => $"cannot broadcast {left} with {right}: {Left} and {Right} differ",
    };
}

/// <summary>
/// NumPy broadcasting over symbolic shapes: shapes align from the innermost dimension; at each axis
/// the dimensions must be provably equal, or one of them the literal 1 (which stretches to the
/// other); a missing leading dimension counts as 1. Anything else is a conflict, classified so a
/// diagnostic can say whether it is certain (different literals), a contract violation (different
/// symbols) or unprovable (a symbol against a literal).
/// </summary>
public static class Broadcasting
{
    public static BroadcastResult Broadcast(Shape left, Shape right)
    {
        int rank = System.Math.Max(left.Rank, right.Rank);
        var dims = new Dim[rank];
        for (int axis = 0; axis < rank; axis++)
        {
            Dim l = DimAt(left, axis, rank);
            Dim r = DimAt(right, axis, rank);
            if (Dim.ProvablyEqual(l, r) || r.IsOne)
            {
                dims[axis] = l;
            }
            else if (l.IsOne)
            {
                dims[axis] = r;
            }
            else
            {
                return new BroadcastResult(null, axis, l, r, Classify(l, r));
            }
        }

        return new BroadcastResult(new Shape(new Common.EquatableArray<Dim>(dims)), -1, default, default, null);
    }

    /// <summary>Why two dimensions that are not provably equal conflict.</summary>
    public static BroadcastConflict Classify(Dim left, Dim right)
        => Dim.ProvablyDifferent(left, right) ? BroadcastConflict.ProvablyDifferent
            : !left.IsLiteral && !right.IsLiteral ? BroadcastConflict.DifferentSymbols
            : BroadcastConflict.NotProvablyEqual;

    /// <summary>The dimension of <paramref name="shape"/> at result axis <paramref name="axis"/> of a rank-<paramref name="rank"/> result; 1 where it has none.</summary>
    private static Dim DimAt(Shape shape, int axis, int rank)
    {
        int index = axis - (rank - shape.Rank);
        return index < 0 ? Dim.Literal(1) : shape.Dims[index];
    }
}
