using Microsoft.CodeAnalysis;
using Xunit;

namespace KernelDsl.Generators.Tests;

/// <summary>
/// Which destinations an entry point writes in place through their strides: each result computed
/// whole rows at a time (a row group, a product with its epilogue) and not read back by a later
/// group; the others go through scratch memory when strided.
/// </summary>
public sealed class DirectDestinationTests
{
    private static string Generated(string kernel)
    {
        (GeneratorDriverRunResult result, Compilation output) = GeneratorHarness.Run(GeneratorHarness.Usings + "public static partial class K\n{\n" + kernel + "\n}\n");
        Assert.Empty(GeneratorHarness.Errors(output));
        return Assert.Single(result.Results[0].GeneratedSources).SourceText.ToString();
    }

    [Fact]
    public void EachResultOfATupleWrittenWholeRowsIsWrittenInPlace()
    {
        string code = Generated("[Kernel] public static (Tensor<float>, Tensor<float>) F([Shape(\"T\", \"K\")] Tensor<float> x, [Shape(\"K\", \"D\")] Tensor<float> a, [Shape(\"K\", \"D\")] Tensor<float> b) => (MatMul(x, a), Softmax(MatMul(x, b)));");
        Assert.Contains("destinationStrides: destination1.Strides", code);
        Assert.Contains("destinationStrides: destination2.Strides", code);
        Assert.Contains("ScratchFor(destination1, \"destination1\", dim_D, x, a, b)", code);
        Assert.Contains("ScratchFor(destination2, \"destination2\", dim_D, x, a, b)", code);
    }

    [Fact]
    public void AResultReadAgainOrHoldingOneValuePerRowGoesThroughScratch()
    {
        // The mean is one value per row; the product is read again by the softmax.
        string code = Generated("[Kernel] public static (Tensor<float>, Tensor<float>, Tensor<float>) F([Shape(\"B\", \"N\")] Tensor<float> x, [Shape(\"N\", \"M\")] Tensor<float> w) { var p = MatMul(x, w); return (Mean(x, axis: -1, keepDims: true), p, Softmax(p)); }");
        Assert.DoesNotContain("destination1.Strides", code);
        Assert.DoesNotContain("destination2.Strides", code);
        Assert.Contains("destinationStrides: destination3.Strides", code);
        Assert.Contains("ScratchFor(destination1, \"destination1\");", code);
        Assert.Contains("ScratchFor(destination2, \"destination2\");", code);
    }
}
