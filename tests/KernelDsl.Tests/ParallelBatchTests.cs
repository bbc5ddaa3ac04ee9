using System;
using System.Linq;
using System.Threading;
using KernelDsl.Runtime;
using Xunit;

namespace KernelDsl.Tests;

/// <summary>
/// The runtime's multicore runs, through <see cref="RowRunner"/>: each calling thread reuses one
/// batch for every run while helpers queued for earlier runs may still start late, so what is
/// checked is that runs in quick succession never lose, repeat or mix up a row, that an exception
/// in one run surfaces there and does not reach the next, and that the steady state allocates nothing.
/// </summary>
[Collection(KernelOptionsCollection.Name)]
public sealed class ParallelBatchTests
{
    /// <summary>Rows of 64 elements (enough to split) of which only the first is read: each row writes input + 1 + what its destination held.</summary>
    private readonly struct CountRows(int throwAtRow) : IRowKernel
    {
        public void ExecuteRow<V>(in KernelOperands row, nint length) where V : struct, ISimdFloat<V>
        {
            float input = row.Input(0);
            if ((int)input == throwAtRow)
            {
                throw new InvalidOperationException($"row {throwAtRow}");
            }

            row.Destination = input + 1 + row.Destination;
        }
    }

    private const int RowLength = 64;

    [Fact]
    public void BackToBackRunsComputeEveryRowExactlyOnce()
    {
        using var options = ForceMulticore();
        float[] input = RowNumbers(64);

        var destination = new float[64];
        for (int run = 0; run < 3000; run++)
        {
            int rows = 2 + run % 37;
            Array.Clear(destination);
            RunRows(rows, throwAtRow: -1, input, destination);
            for (int r = 0; r < destination.Length; r++)
            {
                // Row r once gives r + 1; twice, 2r + 2; never, 0 (and no row past the last is touched).
                Assert.True(destination[r] == (r < rows ? r + 1 : 0), $"run {run} of {rows} rows: row {r} holds {destination[r]}");
            }
        }
    }

    [Fact]
    public void AnExceptionInOneRunFailsThatCallOnly()
    {
        using var options = ForceMulticore();
        float[] input = RowNumbers(16);

        var destination = new float[16];
        for (int run = 0; run < 200; run++)
        {
            var error = Assert.Throws<InvalidOperationException>(
                () => RunRows(16, throwAtRow: run % 16, input, destination));
            Assert.Equal($"row {run % 16}", error.Message);

            Array.Clear(destination);
            RunRows(16, throwAtRow: -1, input, destination);
            Assert.Equal(15 + 1, destination[15]);
        }
    }

    [Fact]
    public void MulticoreRunsAllocateNothingOnceWarm()
    {
        using var options = ForceMulticore();
        var input = new float[32];
        var destination = new float[32];
        RunRows(32, throwAtRow: -1, input, destination);

        // On this thread; helpers on pool threads allocate nothing either (no batch, closure or
        // queue node per run), but the pool's own threads are not this test's to measure.
        long fewest = long.MaxValue;
        for (int round = 0; round < 5; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 200; i++)
            {
                RunRows(32, throwAtRow: -1, input, destination);
            }

            fewest = Math.Min(fewest, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        Assert.Equal(0, fewest);
    }

    /// <summary>Element r holds r: row r's input, read through an outer stride of 1 and a row stride of 0.</summary>
    private static float[] RowNumbers(int count) => Enumerable.Range(0, count).Select(i => (float)i).ToArray();

    private static void RunRows(int rows, int throwAtRow, float[] input, float[] destination)
        => RowRunner.Run(new CountRows(throwAtRow), [rows], RowLength, rowsMaySplit: false, destination, 1, input0: input, strides0: [1, 0]);

    private static OptionsScope ForceMulticore() => new(threshold: 1, maxDegree: Environment.ProcessorCount);

    private readonly struct OptionsScope : IDisposable
    {
        private readonly long _threshold = KernelOptions.ParallelThreshold;
        private readonly int _maxDegree = KernelOptions.MaxDegreeOfParallelism;

        public OptionsScope(long threshold, int maxDegree)
        {
            KernelOptions.ParallelThreshold = threshold;
            KernelOptions.MaxDegreeOfParallelism = maxDegree;
        }

        public void Dispose()
        {
            KernelOptions.ParallelThreshold = _threshold;
            KernelOptions.MaxDegreeOfParallelism = _maxDegree;
        }
    }
}
