using System;
using System.Numerics.Tensors;
using BenchmarkDotNet.Attributes;

namespace KernelDsl.Benchmarks;

/// <summary>
/// GELU (tanh form) and SiLU over 2^24 floats: the fused kernel against the eager body, against
/// TensorPrimitives op by op (each op a pass over memory, through one temporary), and against
/// copying the same number of bytes (what any kernel that reads and writes them must pay).
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 15)]
public class ElementwiseBenchmarks
{
    private const int Length = 1 << 24;
    private float[] _x = null!;
    private float[] _destination = null!;
    private float[] _temporary = null!;
    private Tensor<float> _tensor = null!;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        _x = BenchmarkData.Uniform(random, Length, -4, 4);

        _destination = new float[Length];
        _temporary = new float[Length];
        _tensor = Tensor.Create(_x, [Length]);
    }

    [Benchmark(Description = "copy, Span.CopyTo (1 core)")]
    public void CopySingleCore() => _x.AsSpan().CopyTo(_destination);

    [Benchmark(Description = "copy, kernel runtime (all cores)")]
    public void CopyKernel() => BenchmarkKernels.Copy(_x, _destination);

    [Benchmark(Description = "GELU fused")]
    public void GeluFused() => BenchmarkKernels.GeluTanh(_x, _destination);

    [Benchmark(Description = "GELU TensorPrimitives op by op")]
    public void GeluPrimitives()
    {
        Span<float> t = _temporary;
        TensorPrimitives.Multiply(_x, _x, t);
        TensorPrimitives.Multiply(t, _x, t);
        TensorPrimitives.Multiply(t, 0.044715f, t);
        TensorPrimitives.Add(t, _x, t);
        TensorPrimitives.Multiply(t, 0.7978845608f, t);
        TensorPrimitives.Tanh(t, t);
        TensorPrimitives.Add(t, 1f, t);
        TensorPrimitives.Multiply(t, _x, t);
        TensorPrimitives.Multiply(t, 0.5f, _destination);
    }

    [Benchmark(Description = "GELU eager body")]
    public Tensor<float> GeluEager() => BenchmarkKernels.GeluTanh(_tensor);

    [Benchmark(Description = "SiLU fused")]
    public void SiluFused() => BenchmarkKernels.Silu(_x, _destination);

    [Benchmark(Description = "SiLU TensorPrimitives op by op")]
    public void SiluPrimitives()
    {
        TensorPrimitives.Sigmoid(_x, _temporary);
        TensorPrimitives.Multiply(_x, _temporary, _destination);
    }

    [Benchmark(Description = "SiLU eager body")]
    public Tensor<float> SiluEager() => BenchmarkKernels.Silu(_tensor);
}

/// <summary>
/// Sin, and a rotation x·cos θ - y·sin θ (half of a rotary embedding), over 2^22 floats: fused
/// against TensorPrimitives (op by op for the rotation, through temporaries) and against a copy of
/// the same bytes through the kernel runtime.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 15)]
public class TrigonometricBenchmarks
{
    private const int Length = 1 << 22;
    private float[] _x = null!;
    private float[] _y = null!;
    private float[] _angle = null!;
    private float[] _destination = null!;
    private float[] _cos = null!;
    private float[] _sin = null!;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        _x = BenchmarkData.Uniform(random, Length, -1, 1);
        _y = BenchmarkData.Uniform(random, Length, -1, 1);
        _angle = BenchmarkData.Uniform(random, Length, -100, 100);

        _destination = new float[Length];
        _cos = new float[Length];
        _sin = new float[Length];
    }

    [Benchmark(Description = "copy, kernel runtime (all cores)")]
    public void CopyKernel() => BenchmarkKernels.Copy(_angle, _destination);

    [Benchmark(Description = "Sin fused")]
    public void SinFused() => BenchmarkKernels.SinOf(_angle, _destination);

    [Benchmark(Description = "Sin TensorPrimitives (1 core)")]
    public void SinPrimitives() => TensorPrimitives.Sin<float>(_angle, _destination);

    [Benchmark(Description = "rotation fused")]
    public void RotateFused() => BenchmarkKernels.Rotate(_x, _y, _angle, _destination);

    [Benchmark(Description = "rotation TensorPrimitives op by op (1 core)")]
    public void RotatePrimitives()
    {
        TensorPrimitives.Cos<float>(_angle, _cos);
        TensorPrimitives.Sin<float>(_angle, _sin);
        TensorPrimitives.Multiply(_x, _cos, _cos);
        TensorPrimitives.Multiply(_y, _sin, _sin);
        TensorPrimitives.Subtract(_cos, _sin, _destination);
    }
}
