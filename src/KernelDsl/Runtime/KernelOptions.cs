using System;
using System.Threading;

namespace KernelDsl;

/// <summary>
/// Process-wide settings of the generated kernels' runtime. The defaults suit most programs; tests
/// and benchmarks change them to force or forbid multicore execution.
/// </summary>
public static class KernelOptions
{
    /// <summary>
    /// The default <see cref="ParallelThreshold"/>: 2^17 elements (512 KiB of float32 per operand).
    /// In the <c>ParallelThresholdBenchmarks</c> on two separate cores (see docs/performance.md) a
    /// fused GELU ran 1.46x faster on both from 2^16 elements and a copy broke even between 2^16 and
    /// 2^18; below 2^14, waking a second core costs more than it saves.
    /// </summary>
    public const long DefaultParallelThreshold = 1 << 17;

    private static long s_parallelThreshold = DefaultParallelThreshold;
    private static int s_maxDegreeOfParallelism = Environment.ProcessorCount;

    /// <summary>
    /// Elementwise kernels with at least this many elements are split across cores. Must be at least 1.
    /// </summary>
    public static long ParallelThreshold
    {
        get => Volatile.Read(ref s_parallelThreshold);
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1L);
            Volatile.Write(ref s_parallelThreshold, value);
        }
    }

    /// <summary>
    /// The most cores one kernel call uses (defaults to <see cref="Environment.ProcessorCount"/>);
    /// 1 runs every kernel on the calling thread.
    /// </summary>
    public static int MaxDegreeOfParallelism
    {
        get => Volatile.Read(ref s_maxDegreeOfParallelism);
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            Volatile.Write(ref s_maxDegreeOfParallelism, value);
        }
    }
}
