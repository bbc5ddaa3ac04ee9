using System;
using System.Linq;
using KernelDsl.Compiler;
using Microsoft.CodeAnalysis;
using Xunit;

namespace KernelDsl.Generators.Tests;

/// <summary>
/// A kernel with an error gets no generated code and no diagnostic from the generator: the
/// analyzer reports it (KernelDsl.Analyzers.Tests), and reporting it here too would show it twice.
/// The other kernels of the file are still generated. A failure of the back end, which only the
/// generator runs, is KD9999 at the kernel's name.
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

    [Fact]
    public void ABackEndFailureIsKD9999AtTheKernelsName()
    {
        string source = GeneratorHarness.Usings + "public static partial class K\n{\n    [Kernel] public static Tensor<float> Broken(Tensor<float> x) => x * 2f;\n"
            + "    [Kernel] public static Tensor<float> Fine(Tensor<float> x) => x * x;\n}\n";
        var generator = new KernelGenerator
        {
            CompileKernel = (spec, dumpStages) => spec.MethodName == "Broken"
                ? throw new InvalidOperationException("no rule for this node\nsecond line")
                : KernelCompiler.Compile(spec, dumpStages),
        };
        Compilation input = GeneratorHarness.Compile(source);
        GeneratorDriverRunResult result = GeneratorHarness.CreateDriver(generator).RunGenerators(input).GetRunResult();

        Assert.Null(result.Results[0].Exception);
        Diagnostic error = Assert.Single(result.Diagnostics);
        Assert.Equal("KD9999", error.Id);
        Assert.Equal("File0.cs", error.Location.GetLineSpan().Path);
        Assert.Equal("Broken", source.Substring(error.Location.SourceSpan.Start, error.Location.SourceSpan.Length));
        Assert.Contains("K.Broken", error.GetMessage());
        Assert.Contains("InvalidOperationException: no rule for this node", error.GetMessage());
        Assert.DoesNotContain("second line", error.GetMessage());
        Assert.Equal("K.Fine.g.cs", Assert.Single(result.Results[0].GeneratedSources).HintName);
    }
}
