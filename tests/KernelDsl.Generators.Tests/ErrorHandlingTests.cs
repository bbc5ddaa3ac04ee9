using System;
using System.Linq;
using KernelDsl.Compiler;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace KernelDsl.Generators.Tests;

/// <summary>
/// A kernel with an error gets no generated code and no diagnostic from the generator: the
/// analyzer reports it (KernelDsl.Analyzers.Tests), and reporting it here too would show it twice.
/// The other kernels of the file are still generated. A failure of the back end, which only the
/// generator runs, is KD9999 at the kernel's name; a C# version too old for the generated code is
/// KD0011 there.
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

    /// <summary>
    /// Literal sizes past the range of int (declared, or a join's sum or a reshape's product of
    /// them) are written as nint casts: a long constant does not convert to nint implicitly, and the
    /// generated code did not compile.
    /// </summary>
    [Theory]
    [InlineData("[Kernel] public static Tensor<float> A([Shape(\"B\", \"8589934592\")] Tensor<float> x) => Chunk(x, 2, 1);")]
    [InlineData("[Kernel] public static Tensor<float> A([Shape(\"8589934592\", \"B\")] Tensor<float> x) => Chunk(x, 2, 0, axis: 0) + Chunk(x, 2, 1, axis: 0);")]
    [InlineData("[Kernel] public static Tensor<float> A([Shape(\"B\", \"4611686018427387904\")] Tensor<float> x) => Reshape(x, 0, 2, -1);")]
    [InlineData("[Kernel] public static Tensor<float> A([Shape(\"B\", \"9223372036854775807\")] Tensor<float> x) => Softmax(x);")]
    [InlineData("[Kernel] public static Tensor<float> A([Shape(\"B\", \"2147483647\")] Tensor<float> x) => Concat(x, x, axis: 1) * 2f;")]
    [InlineData("[Kernel] public static Tensor<float> A([Shape(\"B\", \"4611686018427387904\")] Tensor<float> x, [Shape(\"4611686018427387904\", \"4611686018427387904\")] Tensor<float> w) => MatMul(x, w);")]
    public void LiteralSizesPastIntCompile(string kernel)
        => GeneratorHarness.AssertGeneratesCompilingCode(kernel, kernels: 1);

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

    [Theory]
    [InlineData(LanguageVersion.CSharp12, true)]
    [InlineData(LanguageVersion.CSharp11, true)]
    [InlineData(LanguageVersion.CSharp13, false)]
    [InlineData(LanguageVersion.CSharp14, false)]
    public void BelowCSharp13EachKernelIsKD0011AtItsNameAndNothingIsGenerated(LanguageVersion version, bool tooOld)
    {
        string source = GeneratorHarness.Usings + "public static partial class K\n{\n"
            + "    [Kernel] public static Tensor<float> Rows([Shape(\"B\", \"N\")] Tensor<float> x) => Softmax(x, axis: -1);\n"
            + "    [Kernel] public static Tensor<float> Twice(Tensor<float> x) => x * 2f;\n}\n";
        var options = GeneratorHarness.ParseOptions.WithLanguageVersion(version);
        Compilation input = GeneratorHarness.Compile(source);
        input = input.ReplaceSyntaxTree(input.SyntaxTrees.Single(), Microsoft.CodeAnalysis.CSharp.CSharpSyntaxTree.ParseText(source, options, path: "File0.cs"));
        GeneratorDriver driver = Microsoft.CodeAnalysis.CSharp.CSharpGeneratorDriver.Create([new KernelGenerator().AsSourceGenerator()], parseOptions: options)
            .RunGeneratorsAndUpdateCompilation(input, out Compilation output, out _);
        GeneratorDriverRunResult result = driver.GetRunResult();

        Assert.Null(result.Results[0].Exception);
        if (!tooOld)
        {
            Assert.Empty(result.Diagnostics);
            Assert.Equal(2, result.Results[0].GeneratedSources.Length);
            // The generated files compile; the eager bodies' Tensor operators are C# 14 extension
            // operators, which the compiler itself reports in the user's file below C# 14.
            Assert.DoesNotContain(GeneratorHarness.Errors(output), e => e.Location.SourceTree?.FilePath != "File0.cs");
            return;
        }

        Assert.Empty(result.Results[0].GeneratedSources);
        Assert.Equal(["Rows", "Twice"], result.Diagnostics.Select(d => source.Substring(d.Location.SourceSpan.Start, d.Location.SourceSpan.Length)).Order());
        Diagnostic first = result.Diagnostics.Single(d => d.GetMessage().Contains("K.Rows"));
        Assert.Equal("KD0011", first.Id);
        Assert.Equal(DiagnosticSeverity.Error, first.Severity);
        Assert.Equal(
            $"Kernel 'K.Rows' is not compiled: KernelDsl's generated code needs C# 13.0 or later, and this project uses C# {version.ToDisplayString()}. Remove the project's LangVersion setting (the .NET 10 SDK defaults to C# 14) or set it to 13.0 or later.",
            first.GetMessage());
    }

    [Fact]
    public void KD9999FollowsTheKernelWhenAnEditAboveItMovesIt()
    {
        string kernels = "    [Kernel] public static Tensor<float> Broken(Tensor<float> x) => x * 2f;\n}\n";
        string before = GeneratorHarness.Usings + "public static partial class K\n{\n" + kernels;
        string after = GeneratorHarness.Usings + "public static partial class K\n{\n    // a comment that moves the kernel down a line\n" + kernels;
        var generator = new KernelGenerator { CompileKernel = (_, _) => throw new InvalidOperationException("no rule for this node") };
        Compilation first = GeneratorHarness.Compile(before);
        GeneratorDriver driver = GeneratorHarness.CreateDriver(generator).RunGenerators(first);
        Compilation second = first.ReplaceSyntaxTree(first.SyntaxTrees.Single(), CSharpSyntaxTree.ParseText(after, GeneratorHarness.ParseOptions, path: "File0.cs"));
        driver = driver.RunGenerators(second);
        GeneratorDriverRunResult result = driver.GetRunResult();

        // The kernel was not recompiled (its spec is unchanged), yet its KD9999 is at its new place.
        Assert.DoesNotContain(result.Results[0].TrackedSteps[KernelGenerator.TrackingNames.Compile].SelectMany(s => s.Outputs), o => o.Reason == IncrementalStepRunReason.Modified);
        Diagnostic error = Assert.Single(result.Diagnostics);
        Assert.Equal("KD9999", error.Id);
        Assert.Equal("Broken", after.Substring(error.Location.SourceSpan.Start, error.Location.SourceSpan.Length));
        Assert.Equal(after.IndexOf("Broken", StringComparison.Ordinal), error.Location.SourceSpan.Start);
    }
}
