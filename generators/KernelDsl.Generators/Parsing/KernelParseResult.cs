using KernelDsl.Compiler;
using KernelDsl.Compiler.Common;
using KernelDsl.Generators.Diagnostics;

namespace KernelDsl.Generators.Parsing;

/// <summary>What the parse step produces for one [Kernel] method: the spec (null if it cannot be compiled) and the diagnostics.</summary>
internal sealed record KernelParseResult(KernelSpec? Spec, EquatableArray<DiagnosticInfo> Diagnostics);
