using System;

namespace KernelDsl;

/// <summary>
/// Marks a static method of a partial type as a tensor kernel. The method body, written with the
/// <see cref="System.Numerics.Tensors.Tensor{T}"/> operators and <see cref="Ops"/>, is the kernel's
/// reference semantics: it runs eagerly as written. The KernelDsl source generator adds fused
/// overloads that compute the same expression in a single pass over memory:
/// <c>Name(ReadOnlySpan&lt;float&gt; x, ..., Span&lt;float&gt; destination)</c>,
/// <c>Name(ReadOnlyTensorSpan&lt;float&gt; x, ..., TensorSpan&lt;float&gt; destination)</c> and the allocating
/// <c>NameFused(ReadOnlyTensorSpan&lt;float&gt; x, ...)</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class KernelAttribute : Attribute
{
}
