using Microsoft.CodeAnalysis;

namespace KernelDsl.Generators.Diagnostics;

/// <summary>
/// The diagnostics the generator reports. Ids are stable; each has a page under docs/diagnostics.
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
        "KD0005" => UnsupportedConstruct,
        "KD0007" => InvalidEinsum,
        "KD0008" => ReshapeMismatch,
        "KD0006" => InvalidKernelMethod,
        "KD9999" => InternalError,
        _ => null,
    };

    private static DiagnosticDescriptor Create(string id, string title, string message) => new(
        id,
        title,
        message,
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        helpLinkUri: HelpRoot + id + ".md");
}
