using BenchmarkDotNet.Attributes;

namespace KernelDsl.Benchmarks;

/// <summary>
/// Where splitting across cores starts to pay: the fused GELU and a copy, on one core and on all,
/// at sizes around the default threshold. KernelOptions.ParallelThreshold is set from these numbers.
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 15)]
public class ParallelThresholdBenchmarks
{
    private float[] _x = null!;
    private float[] _destination = null!;

    [Params(1 << 12, 1 << 14, 1 << 16, 1 << 18, 1 << 20, 1 << 22)]
    public int Length { get; set; }

    [Params(false, true)]
    public bool Multicore { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _x = new float[Length];
        _destination = new float[Length];
        for (int i = 0; i < Length; i++)
        {
            _x[i] = (i % 97) * 0.05f - 2f;
        }

        KernelOptions.ParallelThreshold = Multicore ? 1 : long.MaxValue;
    }

    [GlobalCleanup]
    public void Cleanup() => KernelOptions.ParallelThreshold = KernelOptions.DefaultParallelThreshold;

    [Benchmark(Description = "GELU fused")]
    public void Gelu() => BenchmarkKernels.GeluTanh(_x, _destination);

    [Benchmark(Description = "copy kernel")]
    public void Copy() => BenchmarkKernels.Copy(_x, _destination);
}
