using System;
using System.Linq;
using System.Numerics.Tensors;
using Xunit;

namespace KernelDsl.Tests;

/// <summary>
/// The generated entry points: the span, tensor-span and allocating overloads agree, in-place use
/// works, and bad arguments get an ArgumentException naming the parameter and both sizes.
/// </summary>
[Collection(KernelOptionsCollection.Name)] // the allocation tests assume the default threshold
public sealed class EntryPointTests
{
    private static float[] Ramp(int n, float scale = 0.01f)
    {
        var values = new float[n];
        for (int i = 0; i < n; i++)
        {
            values[i] = (i - n / 2) * scale;
        }

        return values;
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(17)]
    [InlineData(1000)]
    public void SpanTensorSpanAndAllocatingOverloadsAgree(int n)
    {
        float[] x = Ramp(n);
        float[] y = Ramp(n, 0.02f);
        var viaSpans = new float[n];
        TestKernels.BlockBody(x, y, 0.5f, viaSpans);

        var viaTensorSpans = new float[n];
        TestKernels.BlockBody(new ReadOnlyTensorSpan<float>(x), new ReadOnlyTensorSpan<float>(y), 0.5f, new TensorSpan<float>(viaTensorSpans));
        Tensor<float> allocated = TestKernels.BlockBodyFused(Tensor.Create(x, [n]), Tensor.Create(y, [n]), 0.5f);

        Assert.Equal(viaSpans, viaTensorSpans);
        Assert.Equal(viaSpans, allocated.ToArray());
    }

    [Fact]
    public void AllocatingOverloadKeepsTheInputShape()
    {
        Tensor<float> x = Tensor.Create(Ramp(24), [2, 3, 4]);
        Tensor<float> result = TestKernels.GeluTanhFused(x);
        Assert.Equal([2, 3, 4], result.Lengths.ToArray());
        Assert.Equal(TestKernels.GeluTanh(x).ToArray(), result.ToArray(), new ToleranceComparer(1e-6f));
    }

    [Fact]
    public void InPlaceComputationIsAllowed()
    {
        float[] x = Ramp(1003);
        var expected = new float[x.Length];
        TestKernels.GeluTanh(x, expected);
        TestKernels.GeluTanh(x, x);
        Assert.Equal(expected, x);
    }

    [Fact]
    public void MismatchedLengthNamesTheParameterAndBothSizes()
    {
        var error = Assert.Throws<ArgumentException>(() => TestKernels.Add(new float[5], new float[4], new float[5]));
        Assert.Equal("y", error.ParamName);
        Assert.Contains("4", error.Message);
        Assert.Contains("5", error.Message);
        Assert.Contains("destination", error.Message);
    }

    [Fact]
    public void ShortDestinationIsRejected()
    {
        var error = Assert.Throws<ArgumentException>(() => TestKernels.Swish(new float[8], new float[7]));
        Assert.Equal("x", error.ParamName);
        Assert.Contains("8 elements", error.Message);
        Assert.Contains("7", error.Message);
    }

    [Fact]
    public void PartialOverlapIsRejected()
    {
        var buffer = new float[100];
        var error = Assert.Throws<ArgumentException>(() => TestKernels.Swish(buffer.AsSpan(0, 50), buffer.AsSpan(10, 50)));
        Assert.Equal("destination", error.ParamName);
        Assert.Contains("partially overlaps 'x'", error.Message);
        Assert.Contains("10", error.Message);
    }

    [Fact]
    public void ShapeMismatchNamesBothShapes()
    {
        Tensor<float> x = Tensor.Create(new float[6], [2, 3]);
        Tensor<float> y = Tensor.Create(new float[6], [3, 2]);
        var error = Assert.Throws<ArgumentException>(() => TestKernels.AddFused(x, y));
        Assert.Equal("y", error.ParamName);
        Assert.Contains("[3, 2]", error.Message);
        Assert.Contains("[2, 3]", error.Message);
    }

    [Fact]
    public void StridedInputsAreCopiedAndStridedDestinationsWrittenThrough()
    {
        Tensor<float> x = Tensor.Create(Ramp(12), [3, 4]);
        Tensor<float> transposed = Tensor.PermuteDimensions(x, [1, 0]);
        Tensor<float> column = x.Slice([System.Buffers.NRange.All, new System.Buffers.NRange(1, 2)]);
        var destination = new float[3];
        TestKernels.Swish(column.AsReadOnlyTensorSpan(), new TensorSpan<float>(destination, [3, 1]));
        Assert.Equal(TestKernels.Swish(column).ToArray(), destination, new ToleranceComparer(1e-6f));

        // A destination that is a slice of a wider buffer (rows 4 apart) and one that is a transpose:
        // written through scratch memory; the buffer's other elements are untouched.
        Tensor<float> input = Tensor.Create(Ramp(6), [3, 2]);
        float[] expected = TestKernels.SwishFused(input).ToArray();
        float[] wide = Enumerable.Repeat(-7f, 12).ToArray();
        TestKernels.Swish(input.AsReadOnlyTensorSpan(), new TensorSpan<float>(wide, [3, 2], [4, 1]));
        Assert.Equal([expected[0], expected[1], -7f, -7f, expected[2], expected[3], -7f, -7f, expected[4], expected[5], -7f, -7f], wide);
        float[] columnMajor = new float[6];
        TestKernels.Swish(input.AsReadOnlyTensorSpan(), new TensorSpan<float>(columnMajor, [3, 2], [1, 3]));
        Assert.Equal([expected[0], expected[2], expected[4], expected[1], expected[3], expected[5]], columnMajor);

        // A view whose elements share memory cannot hold a result.
        var error = Assert.Throws<ArgumentException>(() => TestKernels.Swish(input.AsReadOnlyTensorSpan(), new TensorSpan<float>(new float[2], [3, 2], [0, 1])));
        Assert.Equal("destination", error.ParamName);
        Assert.Contains("share memory", error.Message);

        // The allocating form copies a strided view (here a transpose) first, so it reads the logical order.
        Assert.False(transposed.IsDense);
        Tensor<float> viaKernel = TestKernels.SwishFused(transposed);
        Assert.Equal([4, 3], viaKernel.Lengths.ToArray());
        Assert.Equal(TestKernels.Swish(transposed).ToArray(), viaKernel.ToArray(), new ToleranceComparer(1e-6f));
    }

    [Fact]
    public void CopiesOfStridedInputsComeFromThePool()
    {
        // A transposed input is copied to dense memory on every call (2 MB here); the copy is a
        // pooled array, so warm calls allocate far less than one copy (the pool may still make its
        // own small bookkeeping), and the result does not depend on what the array held.
        const int rows = 1000, columns = 500;
        Tensor<float> x = Tensor.Create(Ramp(rows * columns), [rows, columns]);
        Tensor<float> transposed = Tensor.PermuteDimensions(x, [1, 0]);
        float[] expected = TestKernels.Swish(transposed).ToArray();
        var destination = new float[rows * columns];
        TestKernels.Swish(transposed.AsReadOnlyTensorSpan(), new TensorSpan<float>(destination, [columns, rows]));
        Assert.Equal(expected, destination, new ToleranceComparer(1e-6f));

        TestKernels.Swish(transposed.AsReadOnlyTensorSpan(), new TensorSpan<float>(destination, [columns, rows]));
        Array.Clear(destination);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int call = 0; call < 3; call++)
        {
            TestKernels.Swish(transposed.AsReadOnlyTensorSpan(), new TensorSpan<float>(destination, [columns, rows]));
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(expected, destination, new ToleranceComparer(1e-6f));
        Assert.True(allocated < rows * columns * sizeof(float) / 16, $"three calls with a copied input allocated {allocated} bytes");
    }

    [Fact]
    public void NullTensorsThrowArgumentNullException()
    {
        var error = Assert.Throws<ArgumentNullException>(() => TestKernels.AddFused(Tensor.Create(new float[1], [1]), null!));
        Assert.Equal("y", error.ParamName);
    }

    [Fact]
    public void SingleThreadedCallsDoNotAllocate()
    {
        float[] x = Ramp(1003);
        var destination = new float[x.Length];
        TestKernels.BlockBody(x, x, 2f, destination);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10; i++)
        {
            TestKernels.BlockBody(x, x, 2f, destination);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void MulticoreCallsAllocateNothingOnceWarm()
    {
        // Each calling thread reuses one batch per kernel; helpers still queued from an earlier call
        // join a later one instead of holding their batch. The fewest bytes of several rounds, in
        // case another test's work lands on this thread meanwhile.
        float[] x = Ramp((int)KernelOptions.DefaultParallelThreshold + 17);
        var destination = new float[x.Length];
        TestKernels.GeluTanh(x, destination);
        long fewest = long.MaxValue;
        for (int round = 0; round < 5; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 10; i++)
            {
                TestKernels.GeluTanh(x, destination);
            }

            fewest = Math.Min(fewest, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        Assert.Equal(0, fewest);
    }

    [Fact]
    public void EmptyInputsProduceEmptyOutputs()
    {
        TestKernels.EightInputs([], [], [], [], [], [], [], [], []);
        Tensor<float> empty = TestKernels.SwishFused(Tensor.Create(Array.Empty<float>(), [0, 5]));
        Assert.Equal([0, 5], empty.Lengths.ToArray());
    }

    private sealed class ToleranceComparer(float tolerance) : System.Collections.Generic.IEqualityComparer<float>
    {
        public bool Equals(float a, float b) => Math.Abs(a - b) <= tolerance * Math.Max(1, Math.Abs(b));

        public int GetHashCode(float value) => 0;
    }
}
