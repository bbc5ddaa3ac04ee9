using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace KernelDsl.Generators.Tests;

/// <summary>The generator never throws, whatever the source: every prefix of a kernel file, cut at each token, as while typing.</summary>
public sealed class RobustnessTests
{
    private const string File = GeneratorHarness.Usings + """
        namespace Samples;
        public static partial class Layers
        {
            [Kernel]
            public static Tensor<float> Mixed(Tensor<float> x, Tensor<float> y, float alpha)
            {
                var gate = Where(GreaterThan(x, 0f), x, alpha * x);
                return Clamp(gate, -1f, 1f) * Sigmoid(y) + Pow(x, 2f) / (1f + Exp(-y));
            }

            [Kernel] public static Tensor<float> Gelu(Tensor<float> x) => 0.5f * x * (1f + Tanh(0.79788456f * (x + 0.044715f * x * x * x)));

            [Kernel]
            public static (Tensor<float>, Tensor<float>) Block([Shape("B", "T", "D")] Tensor<float> x, [Shape("D", "D")] Tensor<float> w, [Shape("D")] Tensor<float> g)
            {
                var scores = Einsum("btd,bsd->bts", x, x) * 0.125f;
                var mixed = MatMul(Softmax(scores, axis: -1), Slice(Reshape(x, 0, 0, -1), axis: 2, start: 0, length: 4));
                return (LayerNorm(x + Relu(MatMul(x, Transpose(w))), g, g, 1e-5f), Sum(mixed, axis: -1, keepDims: true));
            }
        }
        """;

    [Fact]
    public void EveryTokenPrefixRunsWithoutExceptions()
    {
        SyntaxTree full = CSharpSyntaxTree.ParseText(File, GeneratorHarness.ParseOptions);
        int[] cuts = full.GetRoot().DescendantTokens().Select(t => t.Span.End).Distinct().ToArray();
        Assert.True(cuts.Length > 200);
        GeneratorDriver driver = GeneratorHarness.CreateDriver();
        foreach (int cut in cuts)
        {
            // One driver across all prefixes, as in the IDE, so cached paths are exercised too.
            driver = driver.RunGeneratorsAndUpdateCompilation(GeneratorHarness.Compile(File.Substring(0, cut)), out Compilation output, out var diagnostics);
            GeneratorRunResult run = driver.GetRunResult().Results[0];
            Assert.True(run.Exception is null, $"prefix ending at {cut}: {run.Exception}");
            Assert.DoesNotContain(diagnostics, d => d.Id is "CS8784" or "CS8785" or "AD0001" or "KD9999");
        }

        // The whole file is valid: every kernel, the N-d one included, is generated and compiles.
        (GeneratorDriverRunResult result, Compilation complete) = GeneratorHarness.Run(File);
        Assert.Empty(result.Diagnostics);
        Assert.Empty(GeneratorHarness.Errors(complete));
        Assert.Equal(3, result.Results[0].GeneratedSources.Length);
    }
}
