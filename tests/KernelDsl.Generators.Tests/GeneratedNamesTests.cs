using System.Linq;
using Microsoft.CodeAnalysis;
using Xunit;

namespace KernelDsl.Generators.Tests;

/// <summary>
/// Parameters named like the locals an entry point declares (<c>dim_B</c>, <c>destinationMemory</c>,
/// <c>tmp1</c>, <c>__copies</c>, ...) or like the row kernels' own names: the generated code still
/// compiles, its locals renamed rather than the user's parameters. Likewise a parameter or a member
/// of the kernel's type named like the runtime's alias (<c>KernelRuntime</c>) or a namespace.
/// </summary>
public sealed class GeneratedNamesTests
{
    [Theory]
    [InlineData("[Kernel] public static Tensor<float> F([Shape(\"B\", \"N\")] Tensor<float> dim_B, [Shape(\"N\")] Tensor<float> destinationMemory) => Softmax(dim_B + destinationMemory);")]
    [InlineData("[Kernel] public static Tensor<float> F([Shape(\"B\", \"N\")] Tensor<float> destinationScratch, [Shape(\"N\")] Tensor<float> __copies) => LayerNorm(destinationScratch, __copies, __copies);")]
    [InlineData("[Kernel] public static Tensor<float> F([Shape(\"B\", \"K\")] Tensor<float> in_x, [Shape(\"K\", \"N\")] Tensor<float> x, [Shape(\"N\")] Tensor<float> row) => Relu(MatMul(in_x, x) + row);")]
    [InlineData("[Kernel] public static Tensor<float> F([Shape(\"B\", \"N\")] Tensor<float> length, [Shape(\"B\", \"N\")] Tensor<float> destination, float p1) => Softmax(length * p1) + destination;")]
    [InlineData("[Kernel] public static Tensor<float> F(Tensor<float> i, Tensor<float> length, Tensor<float> operands, Tensor<float> kernel) => i * length + operands - kernel;")]
    [InlineData("[Kernel] public static Tensor<float> F(Tensor<float> destinationScratch, Tensor<float> __copies) => destinationScratch * __copies;")]
    [InlineData("[Kernel] public static (Tensor<float>, Tensor<float>) F([Shape(\"B\", \"N\")] Tensor<float> destination1Memory, [Shape(\"B\", \"N\")] Tensor<float> tmp1) => (Softmax(destination1Memory), destination1Memory * tmp1);")]
    [InlineData("[Kernel] public static Tensor<float> F([Shape(\"B\", \"K\")] Tensor<float> __first, [Shape(\"K\", \"N\")] Tensor<float> __rows1) => Sum(MatMul(__first, __rows1) + Exp(MatMul(__first, __rows1)), axis: 0);")]
    [InlineData("[Kernel] public static Tensor<float> F([Shape(\"B\", \"N\")] Tensor<float> dim_B, [Shape(\"N\")] Tensor<float> k_dim_N) => dim_B + k_dim_N;")]
    [InlineData("[Kernel] public static Tensor<float> F([Shape(\"B\", \"N\")] Tensor<float> KernelRuntime, float Samples) => Softmax(KernelRuntime * Samples);")]
    [InlineData("[Kernel] public static Tensor<float> F(Tensor<float> KernelRuntime, Tensor<float> System) => KernelRuntime * System;")]
    [InlineData("public static float KernelRuntime = 1f;\n[Kernel] public static Tensor<float> F([Shape(\"B\", \"N\")] Tensor<float> x) => Softmax(x);\n[Kernel] public static Tensor<float> G(Tensor<float> x) => Exp(x);")]
    public void ParametersNamedLikeGeneratedLocalsCompile(string kernel)
        => GeneratorHarness.AssertGeneratesCompilingCode(kernel, kernels: kernel.Split("[Kernel]").Length - 1);

    [Fact]
    public void LocalsKeepTheirPlainNamesUnlessAParameterCouldBeOne()
    {
        string Generated(string kernel)
        {
            (GeneratorDriverRunResult result, _) = GeneratorHarness.Run(GeneratorHarness.Usings + "public static partial class K\n{\n" + kernel + "\n}\n");
            return Assert.Single(result.Results[0].GeneratedSources).SourceText.ToString();
        }

        string plain = Generated("[Kernel] public static Tensor<float> F([Shape(\"B\", \"N\")] Tensor<float> x) => Softmax(x);");
        Assert.Contains("nint dim_B = ", plain);
        Assert.Contains("destinationMemory = ", plain);

        string prefixed = Generated("[Kernel] public static Tensor<float> F([Shape(\"B\", \"N\")] Tensor<float> dim_B, [Shape(\"N\")] Tensor<float> k_x) => Softmax(dim_B + k_x);");
        Assert.Contains("nint k1_dim_B = ", prefixed);
        Assert.Contains("k1_destinationMemory = ", prefixed);
        Assert.DoesNotContain("nint dim_B", prefixed);
    }
}
