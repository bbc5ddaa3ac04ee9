using KernelDsl.Compiler.Common;
using KernelDsl.Compiler.Graph;

namespace KernelDsl.Compiler;

/// <summary>A type that contains a kernel method, outermost first: <c>partial class Layers</c>.</summary>
/// <param name="Keyword">The declaration keyword: class, struct, record, record struct or interface.</param>
public sealed record ContainingType(string Keyword, string Name);

/// <summary>
/// Everything the compiler needs to know about one kernel, produced by a front end: where its
/// generated code goes, how its entry points are named, and its graph. Roslyn-free and equatable.
/// </summary>
/// <param name="Namespace">The containing namespace, or null for the global namespace.</param>
/// <param name="Accessibility">The kernel method's accessibility, reused for the generated entry points.</param>
/// <param name="SourceFile">The file name (no directory, so output does not depend on the checkout location;
/// no line number, so edits above the kernel do not regenerate it).</param>
/// <param name="SourceExpression">The expression the kernel returns, as written (whitespace collapsed).</param>
public sealed record KernelSpec(
    string? Namespace,
    EquatableArray<ContainingType> ContainingTypes,
    string MethodName,
    string Accessibility,
    string SourceFile,
    string SourceExpression,
    KernelGraph Graph)
{
    /// <summary>The containing types joined with dots: <c>Outer.Layers</c>.</summary>
    public string TypeName => string.Join(".", System.Linq.Enumerable.Select(ContainingTypes, t => t.Name));

    /// <summary>The generated file's name: unique per kernel, stable across builds.</summary>
    public string HintName => HintNameOf(Namespace, TypeName, MethodName);

    /// <summary>The generated file's name for a kernel method of the given namespace, containing types (joined with dots) and name.</summary>
    public static string HintNameOf(string? ns, string typeName, string methodName) => (ns is null ? "" : ns + ".") + typeName + "." + methodName + ".g.cs";
}
