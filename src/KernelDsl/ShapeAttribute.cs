using System;

namespace KernelDsl;

/// <summary>
/// Declares a kernel tensor parameter's rank and dimensions, outermost first:
/// <c>[Shape("B", "K")] Tensor&lt;float&gt; x</c>. A name is a symbol bound from the arguments at
/// call time: the same name is the same size in every parameter, different names are different
/// dimensions. Digits fix a size: <c>[Shape("B", "784")]</c>. A <c>"1"</c> broadcasts. Factors joined
/// by <c>*</c> are a product (<c>[Shape("H*D", "C")]</c>, the size of heads merged by a Reshape);
/// each symbol of a product must also be some parameter's dimension on its own.
/// The generator checks the kernel's shapes at compile time and the arguments' at each call.
/// On the return value (<c>[return: Shape("B", "N")]</c>) it states the result's shape, which the
/// compiler checks against the shape it infers from the body (KD0004).
/// </summary>
[AttributeUsage(AttributeTargets.Parameter | AttributeTargets.ReturnValue, AllowMultiple = false, Inherited = false)]
public sealed class ShapeAttribute : Attribute
{
    public ShapeAttribute(params string[] dimensions) => Dimensions = dimensions ?? throw new ArgumentNullException(nameof(dimensions));

    /// <summary>The dimensions as written: symbols, decimal sizes, or products of them (<c>H*D</c>).</summary>
    public string[] Dimensions { get; }
}
