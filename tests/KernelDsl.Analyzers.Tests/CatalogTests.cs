using System;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using KernelDsl.Generators.Diagnostics;
using KernelDsl.Generators.Tests;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace KernelDsl.Analyzers.Tests;

/// <summary>
/// The catalog as users meet it: every diagnostic has a stable id, a page under docs/diagnostics
/// (its help link), an entry in the analyzer release file; its severity follows .editorconfig and
/// #pragma like any analyzer's.
/// </summary>
public sealed class CatalogTests
{
    private const string UnusedParameter = GeneratorHarness.Usings
        + "public static partial class K\n{\n    [Kernel] public static Tensor<float> F(Tensor<float> x, Tensor<float> unused) => x * 2f;\n}\n";

    private const string BroadcastError = GeneratorHarness.Usings
        + "public static partial class K\n{\n    [Kernel] public static Tensor<float> F([Shape(\"B\", \"K\")] Tensor<float> x, [Shape(\"N\")] Tensor<float> b) => x + b;\n}\n";

    [Fact]
    public void EveryDiagnosticHasAPageAReleaseEntryAndAHelpLink()
    {
        string root = RepositoryRoot();
        string releases = File.ReadAllText(Path.Combine(root, "generators", "KernelDsl.Generators", "AnalyzerReleases.Unshipped.md"));
        Assert.Equal(KernelDiagnostics.All.Length, KernelDiagnostics.All.Select(d => d.Id).Distinct().Count());
        foreach (DiagnosticDescriptor descriptor in KernelDiagnostics.All)
        {
            string page = Path.Combine(root, "docs", "diagnostics", descriptor.Id + ".md");
            Assert.True(File.Exists(page), $"{descriptor.Id} has no page at {page}");
            string text = File.ReadAllText(page);
            Assert.StartsWith($"# {descriptor.Id}: {descriptor.Title}", text, StringComparison.Ordinal);
            Assert.Matches("\n## (How to fix|What to do)\n", text);
            Assert.Equal("https://github.com/kerneldsl/kerneldsl/blob/main/docs/diagnostics/" + descriptor.Id + ".md", descriptor.HelpLinkUri);
            Assert.Contains($"{descriptor.Id} | KernelDsl | {descriptor.DefaultSeverity} | {descriptor.Title}", releases, StringComparison.Ordinal);
            Assert.Same(descriptor, KernelDiagnostics.Find(descriptor.Id));
        }

        Assert.Equal(KernelDiagnostics.All.Select(d => d.Id).Order(), new KernelAnalyzer().SupportedDiagnostics.Select(d => d.Id).Order());
    }

    [Fact]
    public void AtDefaultSeverityAnUnusedParameterIsAWarning()
        => Assert.Equal(DiagnosticSeverity.Warning, Assert.Single(AnalyzeWithEditorConfig(UnusedParameter, "root = true\n")).Severity);

    [Fact]
    public void EditorConfigCanSilenceARule()
        => Assert.Empty(AnalyzeWithEditorConfig(UnusedParameter, "root = true\n\n[*.cs]\ndotnet_diagnostic.KD0009.severity = none\n"));

    [Fact]
    public void EditorConfigCanRaiseAWarningToAnError()
    {
        Diagnostic diagnostic = Assert.Single(AnalyzeWithEditorConfig(UnusedParameter, "root = true\n\n[*.cs]\ndotnet_diagnostic.KD0009.severity = error\n"));
        Assert.Equal(("KD0009", DiagnosticSeverity.Error), (diagnostic.Id, diagnostic.Severity));
    }

    [Fact]
    public void EditorConfigCanLowerAnErrorToAWarning()
    {
        Diagnostic diagnostic = Assert.Single(AnalyzeWithEditorConfig(BroadcastError, "root = true\n\n[*.cs]\ndotnet_diagnostic.KD0001.severity = warning\n"));
        Assert.Equal(("KD0001", DiagnosticSeverity.Warning), (diagnostic.Id, diagnostic.Severity));
    }

    [Fact]
    public void EditorConfigSectionsApplyPerFile()
        => Assert.Single(AnalyzeWithEditorConfig(UnusedParameter, "root = true\n\n[Other.cs]\ndotnet_diagnostic.KD0009.severity = none\n"));

    [Fact]
    public void PragmaWarningDisableSilencesARule()
    {
        string source = UnusedParameter.Replace("    [Kernel]", "#pragma warning disable KD0009\n    [Kernel]", StringComparison.Ordinal);
        Assert.Empty(AnalyzerHarness.Analyze(GeneratorHarness.Compile(source)));
    }

    /// <summary>Analyzes one file at /src/K.cs with /src/.editorconfig applied, the way the compiler applies it.</summary>
    private static ImmutableArray<Diagnostic> AnalyzeWithEditorConfig(string source, string editorConfig)
    {
        AnalyzerConfigSet configs = AnalyzerConfigSet.Create(ImmutableArray.Create(AnalyzerConfig.Parse(editorConfig, "/src/.editorconfig")));
        CSharpCompilation compilation = GeneratorHarness.Compile(source);
        SyntaxTree tree = compilation.SyntaxTrees.Single();
        compilation = compilation.ReplaceSyntaxTree(tree, tree.WithFilePath("/src/K.cs"));
        compilation = compilation.WithOptions(compilation.Options.WithSyntaxTreeOptionsProvider(new EditorConfigOptions(configs)));
        return AnalyzerHarness.Analyze(compilation);
    }

    private static string RepositoryRoot([CallerFilePath] string file = "")
        => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(file)!, "..", ".."));

    /// <summary>Per-file severities from an AnalyzerConfigSet: what the compiler builds from .editorconfig files.</summary>
    private sealed class EditorConfigOptions(AnalyzerConfigSet configs) : SyntaxTreeOptionsProvider
    {
        public override GeneratedKind IsGenerated(SyntaxTree tree, CancellationToken cancellationToken) => GeneratedKind.NotGenerated;

        public override bool TryGetDiagnosticValue(SyntaxTree tree, string diagnosticId, CancellationToken cancellationToken, out ReportDiagnostic severity)
            => configs.GetOptionsForSourcePath(tree.FilePath).TreeOptions.TryGetValue(diagnosticId, out severity);

        public override bool TryGetGlobalDiagnosticValue(string diagnosticId, CancellationToken cancellationToken, out ReportDiagnostic severity)
            => configs.GlobalConfigOptions.TreeOptions.TryGetValue(diagnosticId, out severity);
    }
}
