using Microsoft.CodeAnalysis;

namespace KernelDsl.Generators.Diagnostics;

/// <summary>
/// The catalog of KernelDsl diagnostics, found by the C# front end and reported by the analyzer
/// (KernelDsl.Analyzers) as the kernel is typed; the generator itself reports only KD0011 (a C#
/// version too old for the code it would generate) and KD9999 for a failure of its own back end.
/// Ids are stable; each has a page under docs/diagnostics, linked as
/// the help link. Severity follows .editorconfig (<c>dotnet_diagnostic.KD0009.severity</c>) like
/// any analyzer's.
/// </summary>
internal static class KernelDiagnostics
{
    private const string Category = "KernelDsl";
    private const string HelpRoot = "https://github.com/kerneldsl/kerneldsl/blob/main/docs/diagnostics/";

    /// <summary>KD0001: operands of an elementwise operation whose shapes do not broadcast.</summary>
    public static readonly DiagnosticDescriptor BroadcastMismatch = Create(
        "KD0001",
        "Shapes do not broadcast",
        "Shape error: {0}");

    /// <summary>KD0002: a contraction whose inner dimensions differ.</summary>
    public static readonly DiagnosticDescriptor ContractionMismatch = Create(
        "KD0002",
        "Contraction dimensions differ",
        "Shape error: {0}");

    /// <summary>KD0003: an axis or permutation that does not fit its operand's rank.</summary>
    public static readonly DiagnosticDescriptor AxisOutOfRange = Create(
        "KD0003",
        "Axis out of range",
        "Shape error: {0}");

    /// <summary>KD0004: the returned tensor's shape contradicts the declared <c>[return: Shape(...)]</c>.</summary>
    public static readonly DiagnosticDescriptor ReturnShapeMismatch = Create(
        "KD0004",
        "Result shape contradicts the declared output shape",
        "Shape error: {0}");

    /// <summary>KD0007: an Einsum spec that is malformed or does not fit its operands.</summary>
    public static readonly DiagnosticDescriptor InvalidEinsum = Create(
        "KD0007",
        "Einsum spec invalid for its operands",
        "Einsum \"{0}\": {1}");

    /// <summary>KD0008: a Reshape whose lengths do not fit its operand's shape.</summary>
    public static readonly DiagnosticDescriptor ReshapeMismatch = Create(
        "KD0008",
        "Reshape does not fit its operand",
        "Shape error: {0}");

    /// <summary>KD0012: an argument of a call to another kernel whose shape contradicts the shape that kernel declares for it.</summary>
    public static readonly DiagnosticDescriptor ArgumentShapeMismatch = Create(
        "KD0012",
        "Argument shape contradicts the called kernel's declared shape",
        "Shape error: {0}");

    /// <summary>KD0013: Concat operands that differ in rank or in a dimension other than the axis, or whose joined size overflows; a Chunk that does not divide its axis into parts a dimension can name.</summary>
    public static readonly DiagnosticDescriptor ConcatOrChunkMismatch = Create(
        "KD0013",
        "Concat or Chunk does not fit its operands",
        "Shape error: {0}");

    /// <summary>KD0005: a construct in a kernel body that the compiler does not support.</summary>
    public static readonly DiagnosticDescriptor UnsupportedConstruct = Create(
        "KD0005",
        "Construct not supported in a kernel body",
        "{0} is not supported in a kernel body; {1}");

    /// <summary>KD0006: a [Kernel] method whose declaration cannot be compiled to a kernel.</summary>
    public static readonly DiagnosticDescriptor InvalidKernelMethod = Create(
        "KD0006",
        "Invalid kernel method",
        "Kernel method '{0}' {1}");

    /// <summary>KD0009: a kernel parameter the body never reads.</summary>
    public static readonly DiagnosticDescriptor UnusedParameter = Create(
        "KD0009",
        "Kernel parameter is not used",
        "Parameter '{0}' is not used by kernel '{1}'; the fused overloads still take (and check) it. Remove it, or use it in the body.",
        DiagnosticSeverity.Warning);

    /// <summary>KD0010: two dimension symbols that differ only in case, which name different dimensions.</summary>
    public static readonly DiagnosticDescriptor SymbolsDifferInCase = Create(
        "KD0010",
        "Dimension symbols differ only in case",
        "Dimension symbol '{0}' in '{1}' differs from '{2}' in '{3}' only in case; symbols are case-sensitive, so these are two different dimensions. Spell them alike if they are one dimension.",
        DiagnosticSeverity.Warning);

    /// <summary>KD0011: the project's C# version is older than the generated code needs; reported by the generator instead of generating.</summary>
    public static readonly DiagnosticDescriptor LanguageVersionTooOld = Create(
        "KD0011",
        "C# version too old for generated kernels",
        "Kernel '{0}' is not compiled: KernelDsl's generated code needs C# {1} or later, and this project uses C# {2}. Remove the project's LangVersion setting (the .NET 10 SDK defaults to C# 14) or set it to {1} or later.");

    /// <summary>KD9999: the compiler failed on a kernel; a bug, reported instead of crashing the build.</summary>
    public static readonly DiagnosticDescriptor InternalError = Create(
        "KD9999",
        "KernelDsl internal compiler error",
        "KernelDsl could not compile kernel '{0}': {1}. This is a bug in KernelDsl; please report it with the kernel's source.");

    public static DiagnosticDescriptor? Find(string id) => id switch
    {
        "KD0001" => BroadcastMismatch,
        "KD0002" => ContractionMismatch,
        "KD0003" => AxisOutOfRange,
        "KD0004" => ReturnShapeMismatch,
        "KD0005" => UnsupportedConstruct,
        "KD0007" => InvalidEinsum,
        "KD0008" => ReshapeMismatch,
        "KD0006" => InvalidKernelMethod,
        "KD0009" => UnusedParameter,
        "KD0010" => SymbolsDifferInCase,
        "KD0011" => LanguageVersionTooOld,
        "KD0012" => ArgumentShapeMismatch,
        "KD0013" => ConcatOrChunkMismatch,
        "KD9999" => InternalError,
        _ => null,
    };

    /// <summary>Every descriptor, for the analyzer's SupportedDiagnostics.</summary>
    public static readonly System.Collections.Immutable.ImmutableArray<DiagnosticDescriptor> All = System.Collections.Immutable.ImmutableArray.Create(
        BroadcastMismatch, ContractionMismatch, AxisOutOfRange, ReturnShapeMismatch, UnsupportedConstruct, InvalidKernelMethod,
        InvalidEinsum, ReshapeMismatch, UnusedParameter, SymbolsDifferInCase, LanguageVersionTooOld, ArgumentShapeMismatch, ConcatOrChunkMismatch, InternalError);

    private static DiagnosticDescriptor Create(string id, string title, string message, DiagnosticSeverity severity = DiagnosticSeverity.Error) => new(
        id,
        title,
        message,
        Category,
        severity,
        isEnabledByDefault: true,
        helpLinkUri: HelpRoot + id + ".md");
}
