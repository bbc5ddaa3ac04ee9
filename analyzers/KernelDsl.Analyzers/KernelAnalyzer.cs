using System.Collections.Immutable;
using System.Linq;
using KernelDsl.Generators.Diagnostics;
using KernelDsl.Generators.Parsing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace KernelDsl.Analyzers;

/// <summary>
/// Reports every KernelDsl diagnostic (the catalog in <see cref="KernelDiagnostics"/>) on
/// [Kernel] methods as they are typed. It runs the generator's own front end
/// (<see cref="KernelParser"/>: declaration checks, body lowering, shape inference, fusion
/// planning), so the IDE and the build agree with what the generator compiles: one
/// implementation, two consumers. Nothing runs in a compilation that does not reference KernelDsl.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class KernelAnalyzer : DiagnosticAnalyzer
{
    private const string KernelAttributeName = "KernelDsl.KernelAttribute";

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => KernelDiagnostics.All;

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(static start =>
        {
            INamedTypeSymbol? kernelAttribute = start.Compilation.GetTypeByMetadataName(KernelAttributeName);
            if (kernelAttribute is null)
            {
                return;
            }

            start.RegisterSyntaxNodeAction(node => AnalyzeMethod(node, kernelAttribute), SyntaxKind.MethodDeclaration);
        });
    }

    private static void AnalyzeMethod(SyntaxNodeAnalysisContext context, INamedTypeSymbol kernelAttribute)
    {
        var syntax = (MethodDeclarationSyntax)context.Node;
        if (syntax.AttributeLists.Count == 0
            || context.SemanticModel.GetDeclaredSymbol(syntax, context.CancellationToken) is not IMethodSymbol method
            || !method.GetAttributes().Any(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, kernelAttribute)))
        {
            return;
        }

        KernelParseResult result = KernelParser.ParseSafely(method, syntax, context.SemanticModel, context.CancellationToken, fromSyntaxFirst: true);
        foreach (DiagnosticInfo diagnostic in result.Diagnostics)
        {
            context.ReportDiagnostic(diagnostic.ToDiagnostic(syntax.SyntaxTree));
        }
    }
}
