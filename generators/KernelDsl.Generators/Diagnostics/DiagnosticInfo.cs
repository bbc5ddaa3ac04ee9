using KernelDsl.Compiler.Common;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace KernelDsl.Generators.Diagnostics;

/// <summary>
/// Where a diagnostic points, rebuilt from plain values so a model holding it keeps no syntax tree
/// (and so no compilation) alive, and compares by value.
/// </summary>
internal sealed record LocationInfo(string FilePath, TextSpan Span, LinePositionSpan LineSpan)
{
    /// <summary>
    /// The location in <paramref name="tree"/> when it is the file this points into, so the
    /// diagnostic is a source diagnostic (the per-file .editorconfig severity and #pragma apply to
    /// it); otherwise a location by path alone.
    /// </summary>
    public Location ToLocation(SyntaxTree? tree = null)
        => tree is not null && tree.FilePath == FilePath && Span.End <= tree.Length
            ? Location.Create(tree, Span)
            : Location.Create(FilePath, Span, LineSpan);

    public static LocationInfo? From(Location? location)
        => location?.SourceTree is null ? null : new LocationInfo(location.SourceTree.FilePath, location.SourceSpan, location.GetLineSpan().Span);

    public static LocationInfo? From(SyntaxNode node) => From(node.GetLocation());

    public static LocationInfo? From(SyntaxToken token) => From(token.GetLocation());
}

/// <summary>
/// A diagnostic as an equatable value: its id, location, message arguments already turned into
/// strings, and properties for a code fix (<see cref="FixProperties"/>), as key/value pairs.
/// </summary>
internal sealed record DiagnosticInfo(string Id, LocationInfo? Location, EquatableArray<string> Arguments, EquatableArray<string> Properties)
{
    public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, LocationInfo? location, params string[] arguments)
        => new(descriptor.Id, location, new EquatableArray<string>(arguments), EquatableArray<string>.Empty);

    /// <summary>KD9999 for <paramref name="what"/>: the exception's type and the first line of its message.</summary>
    public static DiagnosticInfo InternalError(LocationInfo? location, string what, System.Exception exception)
        => Create(KernelDiagnostics.InternalError, location, what, exception.GetType().Name + ": " + exception.Message.Split('\n')[0]);

    /// <summary>This diagnostic with a code-fix property added.</summary>
    public DiagnosticInfo WithProperty(string key, string value)
        => this with { Properties = new EquatableArray<string>(System.Linq.Enumerable.ToArray(System.Linq.Enumerable.Concat(Properties, new[] { key, value }))) };

    /// <param name="tree">The syntax tree the kernel is in, to give the diagnostic a source location (see <see cref="LocationInfo.ToLocation"/>).</param>
    public Diagnostic ToDiagnostic(SyntaxTree? tree = null)
    {
        var properties = System.Collections.Immutable.ImmutableDictionary.CreateBuilder<string, string?>();
        for (int i = 0; i + 1 < Properties.Count; i += 2)
        {
            properties[Properties[i]] = Properties[i + 1];
        }

        return Diagnostic.Create(KernelDiagnostics.Find(Id)!, Location?.ToLocation(tree), properties.ToImmutable(), System.Linq.Enumerable.ToArray<object>(Arguments));
    }
}

/// <summary>The property keys the front end attaches for code fixes (KernelDsl.CodeFixes reads them).</summary>
internal static class FixProperties
{
    /// <summary>Which mechanical fix applies: one of the <c>Fix*</c> values.</summary>
    public const string Fix = "KernelDsl.Fix";

    /// <summary>For <see cref="FixRenameSymbol"/>: the spelling to write instead; for <see cref="FixDeclareResultShape"/>, the dimensions joined by <see cref="DimensionSeparator"/>.</summary>
    public const string Replacement = "KernelDsl.Replacement";

    /// <summary>Separates the dimensions in a <see cref="FixDeclareResultShape"/> replacement (no dimension's spelling contains it).</summary>
    public const string DimensionSeparator = "|";

    /// <summary>KD0006: add <c>partial</c> to every containing type that lacks it.</summary>
    public const string FixMakePartial = "MakePartial";

    /// <summary>KD0006: add <c>static</c> to the kernel method.</summary>
    public const string FixMakeStatic = "MakeStatic";

    /// <summary>KD0010: respell a dimension symbol (the diagnostic's location is its string literal).</summary>
    public const string FixRenameSymbol = "RenameSymbol";

    /// <summary>KD0004: declare the inferred result shape in the kernel's <c>[return: Shape(...)]</c>.</summary>
    public const string FixDeclareResultShape = "DeclareResultShape";
}
