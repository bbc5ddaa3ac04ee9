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
        Assert.Equal(1, ElementwiseRunner.ChooseWorkerCount(1000));
        if (KernelOptions.ParallelThreshold == KernelOptions.DefaultParallelThreshold)
        {
            Assert.Equal(1, ElementwiseRunner.ChooseWorkerCount(KernelOptions.DefaultParallelThreshold - 1));
        }

        if (Environment.ProcessorCount > 1 && KernelOptions.MaxDegreeOfParallelism > 1)
        {
            Assert.True(ElementwiseRunner.ChooseWorkerCount(1L << 24) > 1);
        }
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
