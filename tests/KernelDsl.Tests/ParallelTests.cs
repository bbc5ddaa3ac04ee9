using System;
using System.Threading.Tasks;
using KernelDsl.Runtime;
using Xunit;

namespace KernelDsl.Tests;

/// <summary>Splitting across cores: when it happens, and that results do not depend on it.</summary>
public sealed class ParallelTests
{
    [Fact]
    public void SmallKernelsStayOnOneThreadAndLargeOnesSplit()
    {
        // The pure form: other tests change KernelOptions while this one runs, so it is not read here.
        long threshold = KernelOptions.DefaultParallelThreshold;
        Assert.Equal(1, ElementwiseRunner.ChooseWorkerCount(1000, threshold, maxWorkers: 2));
        Assert.Equal(1, ElementwiseRunner.ChooseWorkerCount(threshold - 1, threshold, maxWorkers: 2));
        Assert.Equal(2, ElementwiseRunner.ChooseWorkerCount(threshold, threshold, maxWorkers: 2));
        Assert.Equal(8, ElementwiseRunner.ChooseWorkerCount(1L << 24, threshold, maxWorkers: 8));
        Assert.Equal(1, ElementwiseRunner.ChooseWorkerCount(1L << 24, threshold, maxWorkers: 1));

        // A threshold of 1 (what tests use to force splitting) still gives each thread a whole chunk.
        Assert.Equal(1, ElementwiseRunner.ChooseWorkerCount(0, 1, maxWorkers: 2));
        Assert.Equal(1, ElementwiseRunner.ChooseWorkerCount(63, 1, maxWorkers: 2));
        Assert.Equal(1, ElementwiseRunner.ChooseWorkerCount(127, 1, maxWorkers: 2));
        Assert.Equal(2, ElementwiseRunner.ChooseWorkerCount(128, 1, maxWorkers: 2));
        Assert.Equal(3, ElementwiseRunner.ChooseWorkerCount(200, 1, maxWorkers: 4));
    }

    [Fact]
    public void OptionsRejectInvalidValues()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => KernelOptions.ParallelThreshold = 0);
        Assert.Throws<ArgumentOutOfRangeException>(() => KernelOptions.MaxDegreeOfParallelism = 0);
    }

    [Fact]
    public void ConcurrentCallersGetTheSameResultsAsSequentialOnes()
    {
        // Many threads each running large (hence multicore) kernels at once: batches must not be shared.
        int n = (int)KernelOptions.DefaultParallelThreshold + 5;
        var x = new float[n];
        for (int i = 0; i < n; i++)
        {
            x[i] = (i % 1000 - 500) * 0.01f;
        }

        var expected = new float[n];
        TestKernels.GeluTanh(x, expected);
        Parallel.For(0, 16, new ParallelOptions { MaxDegreeOfParallelism = 8 }, _ =>
        {
            var actual = new float[n];
            for (int repeat = 0; repeat < 5; repeat++)
            {
                TestKernels.GeluTanh(x, actual);
                Assert.Equal(expected, actual);
            }
        });
    }
}
