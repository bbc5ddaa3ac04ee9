using System;
using KernelDsl.Runtime;
using Xunit;

namespace KernelDsl.Tests;

/// <summary>The runtime's strided copy (a transposed or sliced view made dense): results and bad arguments.</summary>
public sealed class StridedCopyTests
{
    [Fact]
    public void CopiesATransposedViewInRowMajorOrder()
    {
        float[] source = [0, 1, 2, 3, 4, 5]; // [2, 3]
        var destination = new float[6];
        StridedCopy.Run(source, [3, 2], [1, 3], destination); // its transpose, [3, 2]
        Assert.Equal([0f, 3, 1, 4, 2, 5], destination);
    }

    [Fact]
    public void StridesOutsideTheBuffersAreRejected()
    {
        var e = Assert.Throws<ArgumentException>(() => StridedCopy.Run(new float[5], [3, 2], [1, 3], new float[6]));
        Assert.Contains("addresses element 5 of a source of 5", e.Message);
        Assert.Throws<ArgumentException>(() => StridedCopy.Run(new float[6], [3, 2], [1, 3], new float[5]));
        Assert.Throws<ArgumentException>(() => StridedCopy.Run(new float[6], [3, 2], [1], new float[6]));
        Assert.Throws<ArgumentOutOfRangeException>(() => StridedCopy.Run(new float[6], [3, 2], [-1, 3], new float[6]));
        StridedCopy.Run(ReadOnlySpan<float>.Empty, [0, 2], [1, 3], Span<float>.Empty); // empty: nothing to copy
    }
}
