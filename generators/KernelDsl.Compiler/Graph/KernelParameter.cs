namespace KernelDsl.Compiler.Graph;

/// <summary>Whether a kernel parameter is a tensor or a scalar.</summary>
public enum ParameterKind
{
    /// <summary>A float tensor, read element by element.</summary>
    Tensor,
    /// <summary>A float, the same for every element.</summary>
    Scalar,
}

/// <summary>A kernel parameter, in declaration order.</summary>
/// <param name="Shape">For a tensor declared with <c>[Shape(...)]</c>: its dimensions; else null.</param>
public sealed record KernelParameter(string Name, ParameterKind Kind, Shapes.Shape? Shape = null);
