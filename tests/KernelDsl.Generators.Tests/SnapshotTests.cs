using System.Linq;
using Microsoft.CodeAnalysis;
using Xunit;

namespace KernelDsl.Generators.Tests;

/// <summary>The generated source of representative kernels, held to golden files so refactors of the compiler cannot change it unnoticed.</summary>
public sealed class SnapshotTests
{
    [Theory]
    [InlineData("GeluTanh", "[Kernel] public static Tensor<float> GeluTanh(Tensor<float> x) => 0.5f * x * (1f + Tanh(0.7978845608f * (x + 0.044715f * x * x * x)));")]
    [InlineData("GeluExact", "[Kernel] internal static Tensor<float> GeluExact(Tensor<float> x) => Gelu(x);")]
    [InlineData("ScaledResidual", """
        [Kernel]
        public static Tensor<float> ScaledResidual(Tensor<float> x, Tensor<float> residual, float alpha)
        {
            var activated = Where(GreaterThan(x, 0f), x, alpha * x);
            return residual + Clamp(activated, -6f, 6f) * (alpha * 2f);
        }
        """)]
    [InlineData("SoftmaxRows", "[Kernel] public static Tensor<float> SoftmaxRows([Shape(\"B\", \"N\")] Tensor<float> x) => Softmax(x);")]
    [InlineData("Dense", "[Kernel] public static Tensor<float> Dense([Shape(\"B\", \"K\")] Tensor<float> x, [Shape(\"K\", \"N\")] Tensor<float> w, [Shape(\"N\")] Tensor<float> b) => Relu(MatMul(x, w) + b);")]
    [InlineData("Attention", """
        [Kernel]
        public static Tensor<float> Attention([Shape("H", "T", "D")] Tensor<float> q, [Shape("H", "T", "D")] Tensor<float> k, [Shape("H", "T", "D")] Tensor<float> v, float scale)
            => MatMul(Softmax(MatMul(q, Transpose(k)) * scale), v);
        """)]
    [InlineData("LayerNormRows", "[Kernel] public static Tensor<float> LayerNormRows([Shape(\"B\", \"N\")] Tensor<float> x, [Shape(\"N\")] Tensor<float> gamma, [Shape(\"N\")] Tensor<float> beta) => LayerNorm(x, gamma, beta);")]
    [InlineData("CenterColumns", "[Kernel] public static Tensor<float> CenterColumns([Shape(\"B\", \"N\")] Tensor<float> x) => x - Mean(x, axis: 0, keepDims: true);")]
    [InlineData("ColumnSumsOfSquares", "[Kernel] public static Tensor<float> ColumnSumsOfSquares([Shape(\"B\", \"N\")] Tensor<float> x) => Sum(x * x, axis: 0);")]
    [InlineData("MergeHeadsProjection", """
        [Kernel]
        public static Tensor<float> MergeHeadsProjection([Shape("B", "H", "T", "D")] Tensor<float> heads, [Shape("H*D", "C")] Tensor<float> w)
            => MatMul(Reshape(Transpose(heads, 0, 2, 1, 3), 0, 0, -1), w);
        """)]
    [InlineData("Keywords", "[Kernel] public static Tensor<float> Keywords(Tensor<float> @in, Tensor<float> destination, float @float) => @in * @float + destination;")]
    public void GeneratedSourceMatchesSnapshot(string name, string kernel)
    {
        (GeneratorDriverRunResult result, Compilation output) = GeneratorHarness.Run(
            GeneratorHarness.Usings + "namespace Samples;\n\npublic static partial class Layers\n{\n" + kernel + "\n}\n");

        Assert.Empty(result.Diagnostics);
        Assert.Empty(GeneratorHarness.Errors(output));
        GeneratedSourceResult generated = Assert.Single(result.Results[0].GeneratedSources);
        Assert.Equal($"Samples.Layers.{name}.g.cs", generated.HintName);
        SnapshotAssert.Matches(name, generated.SourceText.ToString());
    }

    [Fact]
    public void NestedTypesAndGlobalNamespaceAreRecreated()
    {
        (GeneratorDriverRunResult result, Compilation output) = GeneratorHarness.Run(GeneratorHarness.Usings + """
            partial struct Outer
            {
                internal static partial class Inner
                {
                    [Kernel] private static Tensor<float> Square(Tensor<float> x) => x * x;
                    public static Tensor<float> Use(Tensor<float> x) => SquareFused(x);
                }
            }
            """);

        Assert.Empty(result.Diagnostics);
        Assert.Empty(GeneratorHarness.Errors(output));
        string source = Assert.Single(result.Results[0].GeneratedSources).SourceText.ToString();
        Assert.Contains("partial struct Outer", source);
        Assert.Contains("partial class Inner", source);
        Assert.Contains("private static void Square(", source);
        Assert.DoesNotContain("namespace", source);
    }

    [Fact]
    public void OutputIsDeterministic()
    {
        string source = GeneratorHarness.Usings + "public static partial class K { [Kernel] public static Tensor<float> F(Tensor<float> x, Tensor<float> y) => Exp(x) * y + Log(y); }";
        string first = GeneratorHarness.Run(source).Result.Results[0].GeneratedSources.Single().SourceText.ToString();
        string second = GeneratorHarness.Run(source).Result.Results[0].GeneratedSources.Single().SourceText.ToString();
        Assert.Equal(first, second);
    }
}
