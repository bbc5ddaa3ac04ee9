using System;
using System.Collections.Immutable;
using KernelDsl.Compiler;
using KernelDsl.Compiler.Common;
using KernelDsl.Generators.Diagnostics;
using KernelDsl.Generators.Parsing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace KernelDsl.Generators;

/// <summary>
/// Generates fused kernels for methods marked <c>[KernelDsl.Kernel]</c>. The pipeline:
/// <list type="number">
/// <item><see cref="TrackingNames.Parse"/>: read each kernel into an equatable
/// <see cref="KernelParseResult"/> (spec + diagnostics), the only step that touches the semantic model.</item>
/// <item><see cref="TrackingNames.Diagnostics"/> and <see cref="TrackingNames.Specs"/>: split it, so an
/// edit that changes only diagnostics regenerates nothing, and vice versa.</item>
/// <item><see cref="TrackingNames.Compile"/>: run the compiler core (passes, fusion, loops, C#
/// renderer); one file per kernel.</item>
/// </list>
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class KernelGenerator : IIncrementalGenerator
{
    /// <summary>The names of the pipeline steps, for tests of incremental caching.</summary>
    public static class TrackingNames
    {
        public const string Parse = "KernelDsl.Parse";
        public const string Diagnostics = "KernelDsl.Diagnostics";
        public const string Specs = "KernelDsl.Specs";
        public const string Compile = "KernelDsl.Compile";
    }

    /// <summary>The MSBuild property (made visible to the compiler by the package) that appends each compiler stage's dump to the generated files.</summary>
    public const string DumpStagesProperty = "build_property.KernelDslDumpStages";

    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        IncrementalValuesProvider<KernelParseResult> parsed = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                "KernelDsl.KernelAttribute",
                predicate: static (node, _) => node is MethodDeclarationSyntax,
                transform: static (ctx, ct) => ParseSafely(ctx, ct))
            .WithTrackingName(TrackingNames.Parse);

        IncrementalValuesProvider<DiagnosticInfo> diagnostics = parsed
            .SelectMany(static (result, _) => result.Diagnostics)
            .WithTrackingName(TrackingNames.Diagnostics);
        context.RegisterSourceOutput(diagnostics, static (spc, diagnostic) => spc.ReportDiagnostic(diagnostic.ToDiagnostic()));

        IncrementalValueProvider<bool> dumpStages = context.AnalyzerConfigOptionsProvider
            .Select(static (options, _) => options.GlobalOptions.TryGetValue(DumpStagesProperty, out string? value)
                && string.Equals(value, "true", StringComparison.OrdinalIgnoreCase));

        IncrementalValuesProvider<CompileResult> compiled = parsed
            .Where(static result => result.Spec is not null)
            .Select(static (result, _) => result.Spec!)
            .WithTrackingName(TrackingNames.Specs)
            .Combine(dumpStages)
            .Select(static (pair, _) => CompileSafely(pair.Left, pair.Right))
            .WithTrackingName(TrackingNames.Compile);

        context.RegisterSourceOutput(compiled, static (spc, result) =>
        {
            if (result.Error is not null)
            {
                spc.ReportDiagnostic(result.Error.ToDiagnostic());
            }
            else
            {
                try
                {
                    spc.AddSource(result.HintName, result.Source!);
                }
                catch (ArgumentException e)
                {
                    // Two kernels mapped to one file name: report it rather than fail the generator.
                    spc.ReportDiagnostic(DiagnosticInfo.Create(KernelDiagnostics.InternalError, null, result.HintName, OneLine(e)).ToDiagnostic());
                }
            }
        });
    }

    /// <summary>Parses a kernel; a failure of the front end itself becomes KD9999 at the method, never an exception.</summary>
    private static KernelParseResult ParseSafely(GeneratorAttributeSyntaxContext context, System.Threading.CancellationToken cancellationToken)
    {
        try
        {
            return KernelParser.Parse(context, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LocationInfo? location = context.TargetNode is MethodDeclarationSyntax m ? LocationInfo.From(m.Identifier) : LocationInfo.From(context.TargetNode);
            var error = DiagnosticInfo.Create(KernelDiagnostics.InternalError, location, context.TargetSymbol.Name, OneLine(e));
            return new KernelParseResult(null, EquatableArray.Create(error));
        }
    }

    private static CompileResult CompileSafely(KernelSpec spec, bool dumpStages)
    {
        try
        {
            CompiledKernel kernel = KernelCompiler.Compile(spec, dumpStages);
            return new CompileResult(kernel.HintName, kernel.Source, null);
        }
        catch (Exception e)
        {
            var error = DiagnosticInfo.Create(KernelDiagnostics.InternalError, null, spec.TypeName + "." + spec.MethodName, OneLine(e));
            return new CompileResult(spec.HintName, null, error);
        }
    }

    private static string OneLine(Exception e) => e.GetType().Name + ": " + e.Message.Split('\n')[0];

    private sealed record CompileResult(string HintName, string? Source, DiagnosticInfo? Error);
}
