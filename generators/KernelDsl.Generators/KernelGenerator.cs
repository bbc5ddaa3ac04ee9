using System;
using System.Collections.Immutable;
using System.Linq;
using KernelDsl.Compiler;
using KernelDsl.Compiler.Common;
using KernelDsl.Generators.Caching;
using KernelDsl.Generators.Diagnostics;
using KernelDsl.Generators.Parsing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace KernelDsl.Generators;

/// <summary>
/// Generates fused kernels for methods marked <c>[KernelDsl.Kernel]</c>. The pipeline:
/// <list type="number">
/// <item><see cref="TrackingNames.Parse"/>: read each kernel into an equatable <see cref="KernelSpec"/>
/// (null when the kernel has an error), the only step that touches the semantic model. The spec
/// holds no locations, so an edit that only moves a kernel leaves it equal; the location of the
/// kernel's name rides beside it (<see cref="LocatedSpec"/>) for KD9999, outside equality. Roslyn re-runs this
/// step for every kernel on every edit; <see cref="KernelSpecCache"/> makes that cheap for the
/// kernels the edit did not touch.</item>
/// <item><see cref="TrackingNames.Specs"/>: the kernels that compile.</item>
/// <item><see cref="TrackingNames.Compile"/>: run the compiler core (passes, fusion, loops, C#
/// renderer); one file per kernel.</item>
/// </list>
/// The front end's diagnostics are reported by the analyzer (KernelDsl.Analyzers), which runs the
/// same front end as the user types; reporting them here too would show each error twice. The
/// generator reports only KD9999, for a failure of the back end, which the analyzer does not run.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class KernelGenerator : IIncrementalGenerator
{
    /// <summary>The names of the pipeline steps, for tests of incremental caching.</summary>
    public static class TrackingNames
    {
        public const string Parse = "KernelDsl.Parse";
        public const string Specs = "KernelDsl.Specs";
        public const string Compile = "KernelDsl.Compile";
    }

    /// <summary>The MSBuild property (made visible to the compiler by the package) that appends each compiler stage's dump to the generated files.</summary>
    public const string DumpStagesProperty = "build_property.KernelDslDumpStages";

    /// <summary>The oldest C# the generated code compiles with.</summary>
    public const LanguageVersion MinimumLanguageVersion = LanguageVersion.CSharp13;

    /// <summary>Specs of the kernels bound so far, reused while their text and every declaration stay the same.</summary>
    internal KernelSpecCache SpecCache { get; } = new();

    /// <summary>The back end: <see cref="KernelCompiler.Compile"/>, replaced by tests to check how its failures are reported.</summary>
    internal Func<KernelSpec, bool, CompiledKernel> CompileKernel { get; init; } = KernelCompiler.Compile;

    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        KernelSpecCache cache = SpecCache;
        Func<KernelSpec, bool, CompiledKernel> compile = CompileKernel;
        IncrementalValuesProvider<LocatedSpec?> parsed = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                "KernelDsl.KernelAttribute",
                predicate: static (node, _) => node is MethodDeclarationSyntax,
                transform: (ctx, ct) => Parse(ctx, cache, ct))
            .WithTrackingName(TrackingNames.Parse);

        IncrementalValueProvider<bool> dumpStages = context.AnalyzerConfigOptionsProvider
            .Select(static (options, _) => options.GlobalOptions.TryGetValue(DumpStagesProperty, out string? value)
                && string.Equals(value, "true", StringComparison.OrdinalIgnoreCase));

        IncrementalValuesProvider<CompileResult> compiled = parsed
            .Where(static located => located is not null)
            .Select(static (located, _) => located!)
            .WithTrackingName(TrackingNames.Specs)
            .Combine(dumpStages)
            .Select((pair, _) => CompileSafely(compile, pair.Left, pair.Right))
            .WithTrackingName(TrackingNames.Compile);

        // The generated code needs C# 13 (ref structs implementing interfaces, used as type
        // arguments): on an older version each kernel gets KD0011 instead of code that fails to build.
        IncrementalValueProvider<string?> tooOldLanguage = context.ParseOptionsProvider
            .Select(static (options, _) => options is CSharpParseOptions csharp && csharp.LanguageVersion < MinimumLanguageVersion
                ? csharp.LanguageVersion.ToDisplayString()
                : null);

        // The generator's own diagnostics point at each kernel's name where it is now. A compiled
        // kernel is cached by its spec alone (an edit above it must not recompile it), so the
        // location it was compiled with may be stale; this pass finds the names again and is read
        // only when there is something to report.
        IncrementalValueProvider<ImmutableArray<KernelName>> names = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                "KernelDsl.KernelAttribute",
                predicate: static (node, _) => node is MethodDeclarationSyntax,
                transform: static (ctx, _) => ctx.TargetSymbol is IMethodSymbol method && ctx.TargetNode is MethodDeclarationSyntax syntax
                    ? new KernelName(KernelParser.HintNameOf(method), KernelParser.TypeNameOf(method) + "." + method.Name, LocationInfo.From(syntax.Identifier))
                    : null)
            .Where(static name => name is not null)
            .Select(static (name, _) => name!)
            .Collect();

        // Kernels whose file names differ only in case get a hash of their spelling in the name
        // (KernelSpec.DisambiguateCase). Usually there are none, and this value stays equal (and
        // every file cached) while the kernels are edited. It is read from syntax alone, which
        // Roslyn re-reads only in edited files: a provider that binds, as `names` does, re-runs for
        // every kernel after any edit, which cost a one-kernel edit 35 ms with 200 kernels.
        IncrementalValueProvider<EquatableArray<string>> caseClashes = context.SyntaxProvider
            .CreateSyntaxProvider(
                predicate: static (node, _) => node is MethodDeclarationSyntax method && HasKernelAttribute(method),
                transform: static (ctx, _) => HintNameFromSyntax((MethodDeclarationSyntax)ctx.Node))
            .Collect()
            .Select(static (hintNames, _) => CaseClashes(hintNames));

        context.RegisterSourceOutput(compiled.Combine(tooOldLanguage).Combine(caseClashes), static (spc, input) =>
        {
            ((CompileResult result, string? tooOld), EquatableArray<string> clashes) = input;
            if (tooOld is not null || result.Source is null)
            {
                return; // reported below
            }

            string hintName = clashes.Contains(result.HintName) ? KernelSpec.DisambiguateCase(result.HintName) : result.HintName;
            try
            {
                spc.AddSource(hintName, result.Source);
            }
            catch (ArgumentException e)
            {
                // A file name the names above do not keep apart: report it rather than fail the generator.
                spc.ReportDiagnostic(DiagnosticInfo.InternalError(result.Location, hintName, e).ToDiagnostic());
            }
        });

        IncrementalValueProvider<ImmutableArray<CompileResult>> failures = compiled
            .Where(static result => result.Error is not null)
            .Collect();

        context.RegisterSourceOutput(failures.Combine(names).Combine(tooOldLanguage), static (spc, input) =>
        {
            ((ImmutableArray<CompileResult> failed, ImmutableArray<KernelName> kernels), string? tooOld) = input;
            if (tooOld is not null)
            {
                foreach (KernelName kernel in kernels)
                {
                    spc.ReportDiagnostic(DiagnosticInfo.Create(KernelDiagnostics.LanguageVersionTooOld, kernel.Location, kernel.DisplayName, MinimumLanguageVersion.ToDisplayString(), tooOld).ToDiagnostic());
                }

                return;
            }

            foreach (CompileResult result in failed)
            {
                LocationInfo? now = kernels.FirstOrDefault(kernel => kernel.HintName == result.HintName)?.Location;
                spc.ReportDiagnostic((now is null ? result.Error! : result.Error! with { Location = now }).ToDiagnostic());
            }
        });
    }

    private static LocatedSpec? Parse(GeneratorAttributeSyntaxContext context, KernelSpecCache cache, System.Threading.CancellationToken cancellationToken)
    {
        if (context.TargetSymbol is not IMethodSymbol method || context.TargetNode is not MethodDeclarationSyntax syntax)
        {
            return null;
        }

        KernelSpec? spec = cache.GetOrParse(context.SemanticModel.Compilation, method, syntax.SyntaxTree.FilePath, syntax.ToString(),
            () => KernelParser.ParseSafely(method, syntax, context.SemanticModel, cancellationToken, fromSyntaxFirst: true));
        return spec is null ? null : new LocatedSpec(spec, LocationInfo.From(syntax.Identifier));
    }

    /// <summary>Runs the back end on one kernel; an exception becomes KD9999 at the kernel's name.</summary>
    private static CompileResult CompileSafely(Func<KernelSpec, bool, CompiledKernel> compile, LocatedSpec located, bool dumpStages)
    {
        KernelSpec spec = located.Spec;
        try
        {
            CompiledKernel kernel = compile(spec, dumpStages);
            return new CompileResult(kernel.HintName, kernel.Source, null, located.Name);
        }
        catch (Exception e)
        {
            DiagnosticInfo error = DiagnosticInfo.InternalError(located.Name, spec.TypeName + "." + spec.MethodName, e);
            return new CompileResult(spec.HintName, null, error, located.Name);
        }
    }

    /// <summary>Whether a method carries an attribute spelled like [Kernel] (checked by name only; a false match only costs a lookup).</summary>
    private static bool HasKernelAttribute(MethodDeclarationSyntax method)
        => method.AttributeLists.SelectMany(list => list.Attributes).Any(attribute => attribute.Name.ToString() is "Kernel" or "KernelAttribute"
            or "KernelDsl.Kernel" or "KernelDsl.KernelAttribute" or "global::KernelDsl.Kernel" or "global::KernelDsl.KernelAttribute");

    /// <summary>The file name <see cref="KernelSpec.HintNameOf"/> gives a method, from its declarations' names.</summary>
    private static string HintNameFromSyntax(MethodDeclarationSyntax method)
    {
        var types = method.Ancestors().OfType<TypeDeclarationSyntax>().Select(type => type.Identifier.ValueText).Reverse();
        var namespaces = method.Ancestors().OfType<BaseNamespaceDeclarationSyntax>().Select(ns => ns.Name.ToString()).Reverse().ToList();
        return KernelSpec.HintNameOf(namespaces.Count == 0 ? null : string.Join(".", namespaces), string.Join(".", types), method.Identifier.ValueText);
    }

    /// <summary>The file names that another kernel's file name equals ignoring case, in order.</summary>
    private static EquatableArray<string> CaseClashes(ImmutableArray<string> hintNames)
    {
        var clashes = hintNames
            .Distinct(StringComparer.Ordinal)
            .GroupBy(name => name, StringComparer.OrdinalIgnoreCase)
            .Where(group => group.Count() > 1)
            .SelectMany(group => group)
            .OrderBy(name => name, StringComparer.Ordinal);
        return new EquatableArray<string>(clashes);
    }

    private sealed record CompileResult(string HintName, string? Source, DiagnosticInfo? Error, LocationInfo? Location);

    /// <summary>A kernel method's generated file name, its name as messages show it, and where its name is.</summary>
    private sealed record KernelName(string HintName, string DisplayName, LocationInfo? Location);
}
