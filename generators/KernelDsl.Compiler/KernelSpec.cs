using System;
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

    /// <summary>
    /// The generated file's name: unique per kernel ignoring case once <see cref="DisambiguateCase"/>
    /// is applied where needed, stable across builds. A namespace cannot share its dotted name with
    /// a type, and kernels cannot be in generic types, so the dotted name alone is unique.
    /// </summary>
    public string HintName => HintNameOf(Namespace, TypeName, MethodName);

    /// <summary>The generated file's name for a kernel method of the given namespace, containing types (joined with dots) and name.</summary>
    public static string HintNameOf(string? ns, string typeName, string methodName) => (ns is null ? "" : ns + ".") + typeName + "." + methodName + ".g.cs";

    /// <summary>
    /// <paramref name="hintName"/> with a hash of its exact spelling before <c>.g.cs</c>:
    /// <c>K.Gelu.9c1e4f02.g.cs</c>. Roslyn compares file names ignoring case (as Windows and macOS
    /// do), so kernels whose names differ only in case (<c>Gelu</c> and <c>GELU</c>, or types
    /// <c>Layers</c> and <c>layers</c>) would otherwise share a file; only those get the suffix.
    /// </summary>
    public static string DisambiguateCase(string hintName)
    {
        const string extension = ".g.cs";
        string stem = hintName.EndsWith(extension, StringComparison.Ordinal) ? hintName.Substring(0, hintName.Length - extension.Length) : hintName;
        uint hash = 2166136261; // FNV-1a, 32 bits: stable across processes, unlike string.GetHashCode
        foreach (char c in stem)
        {
            hash = (hash ^ c) * 16777619;
        }

        return stem + "." + hash.ToString("x8", System.Globalization.CultureInfo.InvariantCulture) + extension;
    }
}
