using System.Linq;
using Microsoft.CodeAnalysis;
using Xunit;

namespace KernelDsl.Generators.Tests;

/// <summary>
/// A kernel with an error gets no generated code and no diagnostic from the generator: the
/// analyzer reports it (KernelDsl.Analyzers.Tests), and reporting it here too would show it twice.
/// The other kernels of the file are still generated.
/// </summary>
public sealed class ErrorHandlingTests
{
    [Theory]
    [InlineData("[Kernel] public static Tensor<float> Bad(Tensor<float> x) => x * Field;")]
    [InlineData("[Kernel] public static Tensor<float> Bad([Shape(\"B\", \"K\")] Tensor<float> x, [Shape(\"N\")] Tensor<float> b) => x + b;")]
    [InlineData("[Kernel] public Tensor<float> Bad(Tensor<float> x) => x * 2f;")]
    public void AKernelWithAnErrorIsSkippedQuietly(string bad)
    {
        string source = GeneratorHarness.Usings + "public partial class K\n{\n    public static float Field = 1f;\n    " + bad
            + "\n    [Kernel] public static Tensor<float> Good(Tensor<float> x) => x * x;\n}\n";
        (GeneratorDriverRunResult result, Compilation output) = GeneratorHarness.Run(source);
        Assert.Null(result.Results[0].Exception);
        Assert.Empty(result.Diagnostics);
        Assert.Equal("K.Good.g.cs", Assert.Single(result.Results[0].GeneratedSources).HintName);
        Assert.Empty(GeneratorHarness.Errors(output));
    }

    [Fact]
    public void AWarningDoesNotStopGeneration()
    {
        // An unused parameter is KD0009, a warning: the kernel is still generated, taking the parameter.
        (GeneratorDriverRunResult result, Compilation output) = GeneratorHarness.Run(
            GeneratorHarness.Usings + "public static partial class K\n{\n    [Kernel] public static Tensor<float> F(Tensor<float> x, Tensor<float> unused) => x * 2f;\n}\n");
        Assert.Empty(result.Diagnostics);
        string generated = Assert.Single(result.Results[0].GeneratedSources).SourceText.ToString();
        Assert.Contains("ReadOnlySpan<float> unused", generated);
        Assert.Empty(GeneratorHarness.Errors(output));
    }
}
