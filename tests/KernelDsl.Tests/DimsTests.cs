using System;
using System.Linq;
using KernelDsl.Runtime;
using Xunit;

namespace KernelDsl.Tests;

/// <summary>The lists of sizes and strides the generated code passes to the runtime.</summary>
public sealed class DimsTests
{
    [Fact]
    public void EachArityConvertsToItsValuesInOrder()
    {
        Assert.Equal(0, ((ReadOnlySpan<nint>)Dims.Of()).Length);
        Assert.Equal(0, ((ReadOnlySpan<nint>)default(Dims)).Length);
        Assert.Equal([7], Values(Dims.Of(7)));
        Assert.Equal([7, -1], Values(Dims.Of(7, -1)));
        Assert.Equal([1, 2, 3], Values(Dims.Of(1, 2, 3)));
        Assert.Equal([1, 2, 3, 4], Values(Dims.Of(1, 2, 3, 4)));
        Assert.Equal([1, 2, 3, 4, 5], Values(Dims.Of(1, 2, 3, 4, 5)));
        Assert.Equal([1, 2, 3, 4, 5, 6], Values(Dims.Of(1, 2, 3, 4, 5, 6)));
        Assert.Equal([1, 2, 3, 4, 5, 6, 7], Values(Dims.Of(1, 2, 3, 4, 5, 6, 7)));
        Assert.Equal([1, 2, 3, 4, 5, 6, 7, 8], Values(Dims.Of(1, 2, 3, 4, 5, 6, 7, 8)));
        nint big = nint.MaxValue;
        Assert.Equal([1, 2, 3, 4, 5, 6, 7, 8, big], Values(Dims.Of(1, 2, 3, 4, 5, 6, 7, 8, big)));
        Assert.Equal(Dims.Capacity, Dims.Of(1, 2, 3, 4, 5, 6, 7, 8, 9).Count);
    }

    [Fact]
    public void ARuntimeCallReadsTheListItWasPassed()
    {
        // As the generated code passes them: straight into the call, lengths [3, 2] and strides [1, 3].
        float[] source = [0, 1, 2, 3, 4, 5];
        var destination = new float[3];
        AxisReduction.Sum(source, Dims.Of(3, 2), Dims.Of(1, 3), destination);
        Assert.Equal([3f, 5, 7], destination);
        var e = Assert.Throws<ArgumentException>(() => KernelArguments.RequireShape([2, 4], Dims.Of(2, 5), "destination", "[B, N]"));
        Assert.Contains("destination", e.Message);
    }

    private static nint[] Values(in Dims dims) => ((ReadOnlySpan<nint>)dims).ToArray();
}
