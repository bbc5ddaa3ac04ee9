using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace KernelDsl.Generators.Tests;

/// <summary>The generator never throws, whatever the source: every prefix of a kernel file, cut at each token, as while typing.</summary>
public sealed class RobustnessTests
{
    [Fact]
    public void EveryTokenPrefixRunsWithoutExceptions()
    {
        SyntaxTree full = CSharpSyntaxTree.ParseText(SampleKernelFiles.Mixed, GeneratorHarness.ParseOptions);
        int[] cuts = full.GetRoot().DescendantTokens().Select(t => t.Span.End).Distinct().ToArray();
        Assert.True(cuts.Length > 200);
        GeneratorDriver driver = GeneratorHarness.CreateDriver();
        foreach (int cut in cuts)
        {
            // One driver across all prefixes, as in the IDE, so cached paths are exercised too.
            driver = driver.RunGeneratorsAndUpdateCompilation(GeneratorHarness.Compile(SampleKernelFiles.Mixed.Substring(0, cut)), out Compilation output, out var diagnostics);
            GeneratorRunResult run = driver.GetRunResult().Results[0];
            Assert.True(run.Exception is null, $"prefix ending at {cut}: {run.Exception}");
            Assert.DoesNotContain(diagnostics, d => d.Id is "CS8784" or "CS8785" or "AD0001" or "KD9999");
        }

        // The whole file is valid: every kernel, the N-d one included, is generated and compiles.
        (GeneratorDriverRunResult result, Compilation complete) = GeneratorHarness.Run(SampleKernelFiles.Mixed);
        Assert.Empty(result.Diagnostics);
        Assert.Empty(GeneratorHarness.Errors(complete));
        Assert.Equal(3, result.Results[0].GeneratedSources.Length);
    }
}
