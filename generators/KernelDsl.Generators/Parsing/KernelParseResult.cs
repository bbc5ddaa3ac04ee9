using KernelDsl.Compiler;
using KernelDsl.Compiler.Common;
using KernelDsl.Generators.Diagnostics;

namespace KernelDsl.Generators.Parsing;

/// <summary>What the parse step produces for one [Kernel] method: the spec (null if it cannot be compiled) and the diagnostics.</summary>
internal sealed record KernelParseResult(KernelSpec? Spec, EquatableArray<DiagnosticInfo> Diagnostics)
{
    /// <summary>The other kernels whose bodies this one inlines (it calls them), as read: the result holds only while their text does.</summary>
    public EquatableArray<InlinedKernel> Inlined { get; init; } = EquatableArray<InlinedKernel>.Empty;
}

/// <summary>A kernel inlined into another: its documentation id (to find it in a later compilation) and its declaration's text.</summary>
internal sealed record InlinedKernel(string Id, string Text);
