using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using KernelDsl.Analyzers;
using KernelDsl.Generators.Tests;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Xunit;

namespace KernelDsl.Analyzers.Tests;

/// <summary>What the analyzer reports on some source, and what the generator makes of the same source.</summary>
internal sealed record AnalysisRun(ImmutableArray<Diagnostic> Diagnostics, GeneratorDriverRunResult Generator, Compilation Output);

/// <summary>Runs <see cref="KernelAnalyzer"/> through CompilationWithAnalyzers, as the IDE and the build do.</summary>
internal static class AnalyzerHarness
{
    /// <summary>Analyzes <paramref name="compilation"/>; an exception in the analyzer fails the test (it would be AD0001).</summary>
    public static ImmutableArray<Diagnostic> Analyze(Compilation compilation)
    {
        var exceptions = new List<Exception>();
        var options = new CompilationWithAnalyzersOptions(
            new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty),
            onAnalyzerException: (e, _, _) => { lock (exceptions) { exceptions.Add(e); } },
            concurrentAnalysis: false,
            logAnalyzerExecutionTime: false);
        ImmutableArray<Diagnostic> diagnostics = compilation
            .WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new KernelAnalyzer()), options)
            .GetAnalyzerDiagnosticsAsync(CancellationToken.None).GetAwaiter().GetResult();
        Assert.True(exceptions.Count == 0, string.Join("\n", exceptions));
        Assert.DoesNotContain(diagnostics, d => d.Id == "AD0001");
        return diagnostics;
    }

    /// <summary>
    /// Runs the generator, then the analyzer on the compilation with the generated files added (as
    /// in a build, where the analyzer sees the generated overloads).
    /// </summary>
    public static AnalysisRun Run(params string[] sources)
    {
        (GeneratorDriverRunResult generator, Compilation output) = GeneratorHarness.Run(sources);
        Assert.Null(generator.Results[0].Exception);
        return new AnalysisRun(Analyze(output), generator, output);
    }

    /// <summary>The analyzer's diagnostics for a kernel class body (the usings and class are added).</summary>
    public static ImmutableArray<Diagnostic> Diagnostics(string members)
        => Run(GeneratorHarness.Usings + "public static partial class K\n{\n" + members + "\n}\n").Diagnostics;
}
