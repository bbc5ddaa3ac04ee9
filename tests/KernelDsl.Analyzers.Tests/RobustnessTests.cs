using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using KernelDsl.Generators.Tests;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace KernelDsl.Analyzers.Tests;

/// <summary>
/// Neither the generator nor the analyzer throws while a kernel file is typed: every prefix of each
/// sample kernel file, cut after each token, goes through the generator driver (one driver across
/// the prefixes, as in the IDE, so cached paths run too) and then the analyzer on the result. No
/// exception, no AD0001 (analyzer crash), CS8784/CS8785 (generator crash) or KD9999.
/// </summary>
public sealed class RobustnessTests
{
    [Theory]
    [InlineData("samples/QuickStart/Activations.cs")]
    [InlineData("samples/Layers/Program.cs")]
    public void EveryTokenPrefixOfASampleRunsWithoutExceptions(string path)
        => AssertEveryPrefixRuns(path, File.ReadAllText(Path.Combine(RepositoryRoot(), path)).ReplaceLineEndings("\n"));

    [Fact]
    public void EveryTokenPrefixOfTheMixedKernelFileRunsWithoutExceptions()
        => AssertEveryPrefixRuns(nameof(SampleKernelFiles.Mixed), SampleKernelFiles.Mixed);

    private static void AssertEveryPrefixRuns(string path, string file)
    {
        int[] cuts = CSharpSyntaxTree.ParseText(file, GeneratorHarness.ParseOptions).GetRoot().DescendantTokens().Select(t => t.Span.End).Distinct().ToArray();
        Assert.True(cuts.Length > 100, $"{path} has {cuts.Length} tokens");

        GeneratorDriver driver = GeneratorHarness.CreateDriver();
        foreach (int cut in cuts)
        {
            driver = driver.RunGeneratorsAndUpdateCompilation(GeneratorHarness.Compile(file.Substring(0, cut)), out Compilation output, out ImmutableArray<Diagnostic> generatorDiagnostics);
            GeneratorRunResult run = driver.GetRunResult().Results[0];
            Assert.True(run.Exception is null, $"{path}, prefix ending at {cut}: {run.Exception}");
            Assert.DoesNotContain(generatorDiagnostics, d => d.Id is "CS8784" or "CS8785" or "KD9999");

            ImmutableArray<Diagnostic> analyzerDiagnostics = AnalyzerHarness.Analyze(output); // asserts no exception and no AD0001
            Assert.DoesNotContain(analyzerDiagnostics, d => d.Id == "KD9999");
        }

        // The whole file is valid: no KernelDsl diagnostic, and every kernel in it is generated.
        AnalysisRun complete = AnalyzerHarness.Run(file);
        Assert.Empty(complete.Diagnostics);
        int kernels = CSharpSyntaxTree.ParseText(file, GeneratorHarness.ParseOptions).GetRoot().DescendantNodes()
            .OfType<Microsoft.CodeAnalysis.CSharp.Syntax.AttributeSyntax>().Count(a => a.Name.ToString() == "Kernel");
        Assert.Equal(kernels, complete.Generator.Results[0].GeneratedSources.Length);
    }

    private static string RepositoryRoot([CallerFilePath] string file = "")
        => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(file)!, "..", ".."));
}
