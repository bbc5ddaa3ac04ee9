using System;
using System.Numerics.Tensors;
using System.Runtime.Intrinsics;
using System.Threading.Tasks;
using BenchmarkDotNet.Attributes;

namespace KernelDsl.Benchmarks;

/// <summary>
/// The machine's limits, measured in the same run as the kernels so every figure can be stated as
/// a fraction of one: memory bandwidth (a copy through the kernel runtime on all cores) and the FMA
/// peak (independent fused multiply-adds in registers on all cores).
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 15)]
public class MachineLimitsBenchmarks
{
    /// <summary>Floating-point operations per <see cref="FmaPeak"/> call: 2 per lane per FMA (16 lanes with AVX-512, else 8).</summary>
    public static long FmaPeakFlops => 2L * 12 * (Vector512.IsHardwareAccelerated ? 16 : 8) * IterationsPerThread * 2;

    private const long IterationsPerThread = 20_000_000;
    private float[] _x = null!;
    private float[] _destination = null!;

    [GlobalSetup]
    public void Setup()
    {
        _x = new float[NormalizationBenchmarks.Rows * NormalizationBenchmarks.Columns];
        _destination = new float[_x.Length];
        new Random(1).NextBytes(System.Runtime.InteropServices.MemoryMarshal.AsBytes(_x.AsSpan()));
    }

    [Benchmark(Description = "copy 4M floats (16 MiB in, 16 MiB out), all cores")]
    public void Copy() => BenchmarkKernels.Copy(_x, _destination);

    /// <summary>
    /// Twelve independent FMA chains per thread (enough to cover the FMA latency on two ports), of
    /// the widest accelerated vectors (512-bit, else 256-bit: emulated 512-bit vectors would measure
    /// the emulation), one thread per core: <see cref="FmaPeakFlops"/> flops per call.
    /// </summary>
    [Benchmark(Description = "FMA peak, 2 threads")]
    public float FmaPeak()
    {
        var results = new float[2];
        Parallel.For(0, 2, t => results[t] = Vector512.IsHardwareAccelerated ? FmaChains(IterationsPerThread) : FmaChains256(IterationsPerThread));
        return results[0] + results[1];
    }

    private static float FmaChains256(long iterations)
    {
        Vector256<float> a = Vector256.Create(1.0000001f), b = Vector256.Create(0.9999999f);
        Vector256<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default;
        Vector256<float> c6 = default, c7 = default, c8 = default, c9 = default, c10 = default, c11 = default;
        for (long i = 0; i < iterations; i++)
        {
            c0 = Vector256.FusedMultiplyAdd(a, b, c0);
            c1 = Vector256.FusedMultiplyAdd(a, b, c1);
            c2 = Vector256.FusedMultiplyAdd(a, b, c2);
            c3 = Vector256.FusedMultiplyAdd(a, b, c3);
            c4 = Vector256.FusedMultiplyAdd(a, b, c4);
            c5 = Vector256.FusedMultiplyAdd(a, b, c5);
            c6 = Vector256.FusedMultiplyAdd(a, b, c6);
            c7 = Vector256.FusedMultiplyAdd(a, b, c7);
            c8 = Vector256.FusedMultiplyAdd(a, b, c8);
            c9 = Vector256.FusedMultiplyAdd(a, b, c9);
            c10 = Vector256.FusedMultiplyAdd(a, b, c10);
            c11 = Vector256.FusedMultiplyAdd(a, b, c11);
        }

        return Vector256.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11);
    }

    private static float FmaChains(long iterations)
    {
        Vector512<float> a = Vector512.Create(1.0000001f), b = Vector512.Create(0.9999999f);
        Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default;
        Vector512<float> c6 = default, c7 = default, c8 = default, c9 = default, c10 = default, c11 = default;
        for (long i = 0; i < iterations; i++)
        {
            c0 = Vector512.FusedMultiplyAdd(a, b, c0);
            c1 = Vector512.FusedMultiplyAdd(a, b, c1);
            c2 = Vector512.FusedMultiplyAdd(a, b, c2);
            c3 = Vector512.FusedMultiplyAdd(a, b, c3);
            c4 = Vector512.FusedMultiplyAdd(a, b, c4);
            c5 = Vector512.FusedMultiplyAdd(a, b, c5);
            c6 = Vector512.FusedMultiplyAdd(a, b, c6);
            c7 = Vector512.FusedMultiplyAdd(a, b, c7);
            c8 = Vector512.FusedMultiplyAdd(a, b, c8);
            c9 = Vector512.FusedMultiplyAdd(a, b, c9);
            c10 = Vector512.FusedMultiplyAdd(a, b, c10);
            c11 = Vector512.FusedMultiplyAdd(a, b, c11);
        }

        return Vector512.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11);
    }
}

/// <summary>
/// Softmax and LayerNorm over [4096, 1024]: the fused kernel (one read, one write of memory), the
/// eager body, and TensorPrimitives row by row (its SoftMax; mean, variance and affine as separate
/// calls for LayerNorm). Compare with <see cref="MachineLimitsBenchmarks.Copy"/>, which moves the same bytes.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 15)]
public class NormalizationBenchmarks
{
    public const int Rows = 4096;
    public const int Columns = 1024;
    private float[] _x = null!;
    private float[] _gamma = null!;
    private float[] _beta = null!;
    private float[] _destination = null!;
    private Tensor<float> _tensor = null!;
    private Tensor<float> _gammaTensor = null!;
    private Tensor<float> _betaTensor = null!;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        _x = BenchmarkData.Uniform(random, Rows * Columns, -4, 4);
        _gamma = BenchmarkData.Uniform(random, Columns, 0.5f, 1.5f);
        _beta = BenchmarkData.Uniform(random, Columns, -0.5f, 0.5f);

        _destination = new float[_x.Length];
        _tensor = Tensor.Create(_x, [Rows, Columns]);
        _gammaTensor = Tensor.Create(_gamma, [Columns]);
        _betaTensor = Tensor.Create(_beta, [Columns]);
    }

    [Benchmark(Description = "copy of the same bytes (kernel runtime, all cores)")]
    public void Copy() => BenchmarkKernels.Copy(_x, _destination);

    [Benchmark(Description = "softmax fused")]
    public void SoftmaxFused() => LayerKernels.SoftmaxRows(new ReadOnlyTensorSpan<float>(_x, [Rows, Columns]), new TensorSpan<float>(_destination, [Rows, Columns]));

    [Benchmark(Description = "softmax TensorPrimitives row by row")]
    public void SoftmaxPrimitives()
    {
        for (int r = 0; r < Rows; r++)
        {
            TensorPrimitives.SoftMax(_x.AsSpan(r * Columns, Columns), _destination.AsSpan(r * Columns, Columns));
        }
    }

    [Benchmark(Description = "softmax eager body")]
    public Tensor<float> SoftmaxEager() => LayerKernels.SoftmaxRows(_tensor);

    [Benchmark(Description = "layernorm fused")]
    public void LayerNormFused() => LayerKernels.LayerNormRows(
        new ReadOnlyTensorSpan<float>(_x, [Rows, Columns]), new ReadOnlyTensorSpan<float>(_gamma), new ReadOnlyTensorSpan<float>(_beta), new TensorSpan<float>(_destination, [Rows, Columns]));

    [Benchmark(Description = "layernorm TensorPrimitives row by row")]
    public void LayerNormPrimitives()
    {
        for (int r = 0; r < Rows; r++)
        {
            ReadOnlySpan<float> row = _x.AsSpan(r * Columns, Columns);
            Span<float> output = _destination.AsSpan(r * Columns, Columns);
            float mean = TensorPrimitives.Sum(row) / Columns;
            TensorPrimitives.Subtract(row, mean, output);
            float variance = TensorPrimitives.SumOfSquares(output) / Columns;
            TensorPrimitives.Multiply(output, 1f / MathF.Sqrt(variance + 1e-5f), output);
            TensorPrimitives.FusedMultiplyAdd(output, _gamma, _beta, output);
        }
    }

    [Benchmark(Description = "layernorm eager body")]
    public Tensor<float> LayerNormEager() => LayerKernels.LayerNormRows(_tensor, _gammaTensor, _betaTensor);
}

/// <summary>Square float32 matrix products on all cores; GFLOP/s = 2·n³ / time, compared with <see cref="MachineLimitsBenchmarks.FmaPeak"/>.</summary>
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 15)]
public class MatMulBenchmarks
{
    private float[] _a = null!;
    private float[] _b = null!;
    private float[] _c = null!;

    [Params(256, 512, 1024, 2048)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        _a = BenchmarkData.Uniform(random, Size * Size, -0.5f, 0.5f);
        _b = BenchmarkData.Uniform(random, Size * Size, -0.5f, 0.5f);
        _c = new float[Size * Size];
    }

    [Benchmark(Description = "MatMul fused")]
    public void MatMul() => LayerKernels.MatMulPlain(new ReadOnlyTensorSpan<float>(_a, [Size, Size]), new ReadOnlyTensorSpan<float>(_b, [Size, Size]), new TensorSpan<float>(_c, [Size, Size]));
}

/// <summary>
/// Products whose shapes the square ones do not show: a narrow one (64 columns, two panels, so A
/// is read in place rather than packed), and one of depth 64 (attention's scores) with and without
/// a one-op epilogue, which runs once per row of each block of rows and should cost little.
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 15)]
public class ProductShapeBenchmarks
{
    private float[] _wideA = null!;
    private float[] _narrowB = null!;
    private float[] _narrowC = null!;
    private float[] _shallowA = null!;
    private float[] _shallowB = null!;
    private float[] _shallowC = null!;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        _wideA = BenchmarkData.Uniform(random, 4096 * 1024, -0.5f, 0.5f);
        _narrowB = BenchmarkData.Uniform(random, 1024 * 64, -0.5f, 0.5f);
        _narrowC = new float[4096 * 64];
        _shallowA = BenchmarkData.Uniform(random, 4096 * 64, -0.5f, 0.5f);
        _shallowB = BenchmarkData.Uniform(random, 64 * 512, -0.5f, 0.5f);
        _shallowC = new float[4096 * 512];
    }

    [Benchmark(Description = "[4096, 1024]·[1024, 64] (A read in place)")]
    public void Narrow() => LayerKernels.MatMulPlain(new ReadOnlyTensorSpan<float>(_wideA, [4096, 1024]), new ReadOnlyTensorSpan<float>(_narrowB, [1024, 64]), new TensorSpan<float>(_narrowC, [4096, 64]));

    [Benchmark(Description = "[4096, 64]·[64, 512]")]
    public void Shallow() => LayerKernels.MatMulPlain(new ReadOnlyTensorSpan<float>(_shallowA, [4096, 64]), new ReadOnlyTensorSpan<float>(_shallowB, [64, 512]), new TensorSpan<float>(_shallowC, [4096, 512]));

    [Benchmark(Description = "[4096, 64]·[64, 512] * s (a one-op epilogue)")]
    public void ShallowScaled() => LayerKernels.MatMulScaled(new ReadOnlyTensorSpan<float>(_shallowA, [4096, 64]), new ReadOnlyTensorSpan<float>(_shallowB, [64, 512]), 0.125f, new TensorSpan<float>(_shallowC, [4096, 512]));
}

/// <summary>
/// A softmax over [4096, 1024] into three destinations: dense; the first 1,024 columns of a
/// [4096, 1536] tensor (rows evenly spaced, written in place at their stride); and a transpose of
/// a [1024, 4096] tensor (computed in scratch memory and copied into the view).
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 15)]
public class StridedDestinationBenchmarks
{
    private const int Rows = 4096, Columns = 1024, WideColumns = 1536;
    private float[] _x = null!;
    private float[] _dense = null!;
    private float[] _wide = null!;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        _x = BenchmarkData.Uniform(random, Rows * Columns, -2, 2);

        _dense = new float[Rows * Columns];
        _wide = new float[Rows * WideColumns];
    }

    [Benchmark(Baseline = true, Description = "softmax into a dense destination")]
    public void Dense() => LayerKernels.SoftmaxRows(new ReadOnlyTensorSpan<float>(_x, [Rows, Columns]), new TensorSpan<float>(_dense, [Rows, Columns]));

    [Benchmark(Description = "softmax into columns of a wider tensor")]
    public void WiderColumns() => LayerKernels.SoftmaxRows(new ReadOnlyTensorSpan<float>(_x, [Rows, Columns]), new TensorSpan<float>(_wide, [Rows, Columns], [WideColumns, 1]));

    [Benchmark(Description = "softmax into a transpose")]
    public void Transposed() => LayerKernels.SoftmaxRows(new ReadOnlyTensorSpan<float>(_x, [Rows, Columns]), new TensorSpan<float>(_dense, [Rows, Columns], [1, Rows]));
}

/// <summary>
/// A dense layer <c>Relu(x·W + b)</c>, [2048, 768]·[768, 768], into a dense destination and into
/// the first 768 columns of a [2048, 2304] tensor (one third of a fused query/key/value buffer):
/// the product writes rows at their stride, in place, so the two should take the same time.
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 15)]
public class StridedProductBenchmarks
{
    private const int Rows = 2048, Inputs = 768, Outputs = 768, WideColumns = 3 * Outputs;
    private float[] _x = null!;
    private float[] _w = null!;
    private float[] _b = null!;
    private float[] _dense = null!;
    private float[] _wide = null!;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        _x = BenchmarkData.Uniform(random, Rows * Inputs, -0.5f, 0.5f);
        _w = BenchmarkData.Uniform(random, Inputs * Outputs, -0.5f, 0.5f);
        _b = BenchmarkData.Uniform(random, Outputs, -0.5f, 0.5f);
        _dense = new float[Rows * Outputs];
        _wide = new float[Rows * WideColumns];
    }

    [Benchmark(Baseline = true, Description = "dense layer into a dense destination")]
    public void Dense() => LayerKernels.Dense(new ReadOnlyTensorSpan<float>(_x, [Rows, Inputs]), new ReadOnlyTensorSpan<float>(_w, [Inputs, Outputs]), new ReadOnlyTensorSpan<float>(_b), new TensorSpan<float>(_dense, [Rows, Outputs]));

    [Benchmark(Description = "dense layer into columns of a wider tensor")]
    public void WiderColumns() => LayerKernels.Dense(new ReadOnlyTensorSpan<float>(_x, [Rows, Inputs]), new ReadOnlyTensorSpan<float>(_w, [Inputs, Outputs]), new ReadOnlyTensorSpan<float>(_b), new TensorSpan<float>(_wide, [Rows, Outputs], [WideColumns, 1]));
}

/// <summary>
/// Sums over [4096, 1024] along the last axis and along the first: a reduction over another axis
/// reduces a transposed copy, so the column sum costs a transpose; a hand-written loop that adds
/// the rows into one accumulator row (TensorPrimitives.Add, one pass over the input) shows what a
/// direct column reduction would cost.
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 15)]
public class ReductionAxisBenchmarks
{
    private const int Rows = NormalizationBenchmarks.Rows;
    private const int Columns = NormalizationBenchmarks.Columns;
    private float[] _x = null!;
    private float[] _rowSums = null!;
    private float[] _columnSums = null!;
    private float[] _squares = null!;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        _x = BenchmarkData.Uniform(random, Rows * Columns, -0.5f, 0.5f);

        _rowSums = new float[Rows];
        _columnSums = new float[Columns];
        _squares = new float[Rows * Columns];
    }

    [Benchmark(Description = "row sums fused (axis -1)")]
    public void RowSums() => LayerKernels.RowSums(new ReadOnlyTensorSpan<float>(_x, [Rows, Columns]), new TensorSpan<float>(_rowSums, [Rows]));

    [Benchmark(Description = "column sums fused (axis 0)")]
    public void ColumnSums() => LayerKernels.ColumnSums(new ReadOnlyTensorSpan<float>(_x, [Rows, Columns]), new TensorSpan<float>(_columnSums, [Columns]));

    [Benchmark(Description = "column sums of squares fused (x * x streamed into the sums)")]
    public void ColumnSumsOfSquares() => LayerKernels.ColumnSumsOfSquares(new ReadOnlyTensorSpan<float>(_x, [Rows, Columns]), new TensorSpan<float>(_columnSums, [Columns]));

    [Benchmark(Description = "column sums of squares as two kernels (x * x to memory, then column sums)")]
    public void SquaresThenColumnSums()
    {
        LayerKernels.Squares(new ReadOnlyTensorSpan<float>(_x, [Rows, Columns]), new TensorSpan<float>(_squares, [Rows, Columns]));
        LayerKernels.ColumnSums(new ReadOnlyTensorSpan<float>(_squares, [Rows, Columns]), new TensorSpan<float>(_columnSums, [Columns]));
    }

    [Benchmark(Description = "column sums, rows added by TensorPrimitives (one thread)")]
    public void ColumnSumsByRows()
    {
        Span<float> sums = _columnSums;
        sums.Clear();
        for (int row = 0; row < Rows; row++)
        {
            TensorPrimitives.Add(sums, _x.AsSpan(row * Columns, Columns), sums);
        }
    }
}

/// <summary>A dense layer Relu(x·W + b) for a batch of 64 and of 1: the fused kernel (epilogue on each tile) against the eager body.</summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 15)]
public class DenseBenchmarks
{
    private const int Inputs = 784;
    private const int Outputs = 512;
    private float[] _x = null!;
    private float[] _w = null!;
    private float[] _b = null!;
    private float[] _y = null!;
    private Tensor<float> _xTensor = null!;
    private Tensor<float> _wTensor = null!;
    private Tensor<float> _bTensor = null!;

    [Params(64, 1)]
    public int Batch { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        _x = BenchmarkData.Uniform(random, Batch * Inputs, -0.5f, 0.5f);
        _w = BenchmarkData.Uniform(random, Inputs * Outputs, -0.5f, 0.5f);
        _b = new float[Outputs];
        _y = new float[Batch * Outputs];

        _xTensor = Tensor.Create(_x, [Batch, Inputs]);
        _wTensor = Tensor.Create(_w, [Inputs, Outputs]);
        _bTensor = Tensor.Create(_b, [Outputs]);
    }

    [Benchmark(Description = "dense fused")]
    public void Fused() => LayerKernels.Dense(new ReadOnlyTensorSpan<float>(_x, [Batch, Inputs]), new ReadOnlyTensorSpan<float>(_w, [Inputs, Outputs]), new ReadOnlyTensorSpan<float>(_b), new TensorSpan<float>(_y, [Batch, Outputs]));

    [Benchmark(Description = "dense eager body")]
    public Tensor<float> Eager() => LayerKernels.Dense(_xTensor, _wTensor, _bTensor);
}

/// <summary>
/// A dense layer applied to every token, <c>Relu(x·W + b)</c> with x of [64, T, 784] and W of
/// [784, 512], against the same rows given as one [64·T, 784] matrix to the 2-D kernel: the
/// runtime folds batches that share W into rows of one product, so the two should take the same
/// time.
/// </summary>
[MemoryDiagnoser]
public class DenseTokensBenchmarks
{
    private const int Batch = 64;
    private const int Inputs = 784;
    private const int Outputs = 512;
    private float[] _x = null!;
    private float[] _w = null!;
    private float[] _b = null!;
    private float[] _y = null!;
    private Tensor<float> _xTensor = null!;
    private Tensor<float> _wTensor = null!;
    private Tensor<float> _bTensor = null!;

    [Params(1, 4, 16)]
    public int Tokens { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        _x = BenchmarkData.Uniform(random, Batch * Tokens * Inputs, -0.5f, 0.5f);
        _w = BenchmarkData.Uniform(random, Inputs * Outputs, -0.5f, 0.5f);
        _b = new float[Outputs];
        _y = new float[Batch * Tokens * Outputs];

        _xTensor = Tensor.Create(_x, [Batch, Tokens, Inputs]);
        _wTensor = Tensor.Create(_w, [Inputs, Outputs]);
        _bTensor = Tensor.Create(_b, [Outputs]);
    }

    [Benchmark(Description = "tokens fused, [B, T, K] kernel")]
    public void Tokens3d() => LayerKernels.DenseTokens(new ReadOnlyTensorSpan<float>(_x, [Batch, Tokens, Inputs]), new ReadOnlyTensorSpan<float>(_w, [Inputs, Outputs]), new ReadOnlyTensorSpan<float>(_b), new TensorSpan<float>(_y, [Batch, Tokens, Outputs]));

    [Benchmark(Baseline = true, Description = "same rows, [B·T, K] kernel")]
    public void Rows2d() => LayerKernels.Dense(new ReadOnlyTensorSpan<float>(_x, [Batch * Tokens, Inputs]), new ReadOnlyTensorSpan<float>(_w, [Inputs, Outputs]), new ReadOnlyTensorSpan<float>(_b), new TensorSpan<float>(_y, [Batch * Tokens, Outputs]));

    [Benchmark(Description = "tokens eager body")]
    public Tensor<float> Eager() => LayerKernels.DenseTokens(_xTensor, _wTensor, _bTensor);
}

/// <summary>
/// Scaled dot-product attention, <c>Softmax(q·kᵀ · scale)·v</c>, for 12 heads of 64 over T tokens:
/// the fused kernel against its eager body, and the FLOPs of its two products (4·H·T²·D) as a
/// fraction of the FMA peak measured by <see cref="MachineLimitsBenchmarks"/>.
/// </summary>
[MemoryDiagnoser]
public class AttentionBenchmarks
{
    private const int Heads = 12;
    private const int HeadSize = 64;
    private float[] _q = null!, _k = null!, _v = null!, _y = null!;
    private Tensor<float> _qTensor = null!, _kTensor = null!, _vTensor = null!;

    [Params(128, 512)]
    public int Tokens { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        int size = Heads * Tokens * HeadSize;
        _q = BenchmarkData.Uniform(random, size, -0.5f, 0.5f);
        _k = BenchmarkData.Uniform(random, size, -0.5f, 0.5f);
        _v = BenchmarkData.Uniform(random, size, -0.5f, 0.5f);
        _y = new float[size];
        _qTensor = Tensor.Create(_q, [Heads, Tokens, HeadSize]);
        _kTensor = Tensor.Create(_k, [Heads, Tokens, HeadSize]);
        _vTensor = Tensor.Create(_v, [Heads, Tokens, HeadSize]);
    }

    private const float Scale = 0.125f; // 1/√64

    [Benchmark(Description = "attention fused")]
    public void Fused() => LayerKernels.Attention(
        new ReadOnlyTensorSpan<float>(_q, [Heads, Tokens, HeadSize]), new ReadOnlyTensorSpan<float>(_k, [Heads, Tokens, HeadSize]),
        new ReadOnlyTensorSpan<float>(_v, [Heads, Tokens, HeadSize]), Scale, new TensorSpan<float>(_y, [Heads, Tokens, HeadSize]));

    [Benchmark(Description = "attention eager body")]
    public Tensor<float> Eager() => LayerKernels.Attention(_qTensor, _kTensor, _vTensor, Scale);
}

/// <summary>
/// What a call costs when there is almost nothing to compute: a layer norm and a softmax over one
/// row of 768 (a token at batch 1), through the N-d entry point with tensor spans made once, and
/// TensorPrimitives doing the same arithmetic. The difference is the entry point's argument checks
/// and the row runner's setup. Likewise an elementwise kernel over 16 floats through its span
/// overload, against TensorPrimitives.
/// </summary>
[MemoryDiagnoser]
public class CallOverheadBenchmarks
{
    private const int Width = 768;
    private float[] _x = null!, _gamma = null!, _beta = null!, _y = null!;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        _x = BenchmarkData.Uniform(random, Width, -0.5f, 0.5f);
        _gamma = BenchmarkData.Uniform(random, Width, -0.5f, 0.5f);
        _beta = BenchmarkData.Uniform(random, Width, -0.5f, 0.5f);
        _y = new float[Width];
    }

    [Benchmark(Description = "layernorm [1, 768] fused")]
    public void LayerNormFused() => LayerKernels.LayerNormRows(
        new ReadOnlyTensorSpan<float>(_x, [1, Width]), new ReadOnlyTensorSpan<float>(_gamma), new ReadOnlyTensorSpan<float>(_beta), new TensorSpan<float>(_y, [1, Width]));

    [Benchmark(Description = "layernorm [1, 768] TensorPrimitives")]
    public void LayerNormPrimitives()
    {
        float mean = TensorPrimitives.Sum(_x) / Width;
        TensorPrimitives.Subtract(_x, mean, _y);
        float deviation = MathF.Sqrt(TensorPrimitives.SumOfSquares(_y) / Width + 1e-5f);
        TensorPrimitives.Divide(_y, deviation, _y);
        TensorPrimitives.FusedMultiplyAdd(_y, _gamma, _beta, _y);
    }

    [Benchmark(Description = "softmax [1, 768] fused")]
    public void SoftmaxFused() => LayerKernels.SoftmaxRows(new ReadOnlyTensorSpan<float>(_x, [1, Width]), new TensorSpan<float>(_y, [1, Width]));

    [Benchmark(Description = "softmax [1, 768] TensorPrimitives")]
    public void SoftmaxPrimitives() => TensorPrimitives.SoftMax(_x, _y);

    [Benchmark(Description = "silu over 16 floats fused (spans)")]
    public void SiluShortFused() => BenchmarkKernels.Silu(_x.AsSpan(0, 16), _y.AsSpan(0, 16));

    [Benchmark(Description = "silu over 16 floats TensorPrimitives (sigmoid, multiply)")]
    public void SiluShortPrimitives()
    {
        TensorPrimitives.Sigmoid(_x.AsSpan(0, 16), _y.AsSpan(0, 16));
        TensorPrimitives.Multiply(_x.AsSpan(0, 16), _y.AsSpan(0, 16), _y.AsSpan(0, 16));
    }
}

/// <summary>
/// A rotary embedding over [4096, 512] halves into [4096, 1024]: joined by Concat in the kernel,
/// against the same two halves returned as a tuple into the two halves of the destination (what a
/// kernel without Concat writes), and a copy of the output's bytes.
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 15)]
public class ConcatBenchmarks
{
    private const int Rows = 4096, Half = 512;
    private float[] _x1 = null!;
    private float[] _x2 = null!;
    private float[] _positions = null!;
    private float[] _frequencies = null!;
    private float[] _destination = null!;
    private float[] _copySource = null!;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        _x1 = BenchmarkData.Uniform(random, Rows * Half, -1, 1);
        _x2 = BenchmarkData.Uniform(random, Rows * Half, -1, 1);

        _positions = new float[Rows];
        for (int t = 0; t < Rows; t++)
        {
            _positions[t] = t;
        }

        _frequencies = new float[Half];
        for (int d = 0; d < Half; d++)
        {
            _frequencies[d] = MathF.Pow(10000f, -d / (float)Half);
        }

        _destination = new float[Rows * 2 * Half];
        _copySource = new float[Rows * 2 * Half];
    }

    [Benchmark(Description = "copy of the output's bytes (kernel runtime, all cores)")]
    public void Copy() => BenchmarkKernels.Copy(_copySource, _destination);

    [Benchmark(Baseline = true, Description = "rotary embedding, Concat in the kernel")]
    public void Joined() => LayerKernels.RotaryJoined(
        new ReadOnlyTensorSpan<float>(_x1, [Rows, Half]), new ReadOnlyTensorSpan<float>(_x2, [Rows, Half]),
        new ReadOnlyTensorSpan<float>(_positions, [Rows, 1]), new ReadOnlyTensorSpan<float>(_frequencies, [Half]),
        new TensorSpan<float>(_destination, [Rows, 2 * Half]));

    [Benchmark(Description = "rotary embedding, a tuple into the destination's halves")]
    public void Halves() => LayerKernels.RotaryHalves(
        new ReadOnlyTensorSpan<float>(_x1, [Rows, Half]), new ReadOnlyTensorSpan<float>(_x2, [Rows, Half]),
        new ReadOnlyTensorSpan<float>(_positions, [Rows, 1]), new ReadOnlyTensorSpan<float>(_frequencies, [Half]),
        new TensorSpan<float>(_destination, [Rows, Half], [2 * Half, 1]),
        new TensorSpan<float>(_destination.AsSpan(Half), [Rows, Half], [2 * Half, 1]));
}

/// <summary>
/// SwiGLU's gate over a [4096, 2*1024] projection: its halves taken by Chunk in the kernel, against
/// the same gate over the halves as two views of the projection (read in place), and a copy of the
/// output's bytes.
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 15)]
public class ChunkBenchmarks
{
    private const int Rows = 4096, Half = 1024;
    private float[] _x = null!;
    private float[] _destination = null!;
    private float[] _copySource = null!;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        _x = BenchmarkData.Uniform(random, Rows * 2 * Half, -4, 4);

        _destination = new float[Rows * Half];
        _copySource = new float[Rows * Half];
    }

    [Benchmark(Description = "copy of the output's bytes (kernel runtime, all cores)")]
    public void Copy() => BenchmarkKernels.Copy(_copySource, _destination);

    [Benchmark(Baseline = true, Description = "SwiGLU gate, Chunk in the kernel")]
    public void Chunked() => LayerKernels.SwiGluGate(new ReadOnlyTensorSpan<float>(_x, [Rows, 2 * Half]), new TensorSpan<float>(_destination, [Rows, Half]));

    [Benchmark(Description = "SwiGLU gate, the halves passed as views")]
    public void Views() => LayerKernels.SwiGluHalves(
        new ReadOnlyTensorSpan<float>(_x, [Rows, Half], [2 * Half, 1]),
        new ReadOnlyTensorSpan<float>(_x.AsSpan(Half), [Rows, Half], [2 * Half, 1]),
        new TensorSpan<float>(_destination, [Rows, Half]));
}

/// <summary>
/// Two results over the same [4096, 1024] rows: softmax and log-softmax from one kernel (one row
/// group computes the max and the sum once and writes both) against the two single-result kernels
/// called one after the other (what two groups cost); a layer norm with its mean and inverse
/// deviation from one kernel against three kernels computing them apart and the layer norm alone;
/// and a copy of one output's bytes.
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 15)]
public class SharedRowsBenchmarks
{
    private const int Rows = 4096, Columns = 1024;
    private float[] _x = null!;
    private float[] _gamma = null!;
    private float[] _beta = null!;
    private float[] _first = null!;
    private float[] _second = null!;
    private float[] _mean = null!;
    private float[] _inverse = null!;
    private float[] _copySource = null!;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        _x = BenchmarkData.Uniform(random, Rows * Columns, -4, 4);
        _gamma = BenchmarkData.Uniform(random, Columns, 0.5f, 1.5f);
        _beta = BenchmarkData.Uniform(random, Columns, -0.5f, 0.5f);

        _first = new float[Rows * Columns];
        _second = new float[Rows * Columns];
        _mean = new float[Rows];
        _inverse = new float[Rows];
        _copySource = new float[Rows * Columns];
    }

    [Benchmark(Description = "copy of one output's bytes (kernel runtime, all cores)")]
    public void Copy() => BenchmarkKernels.Copy(_copySource, _first);

    [Benchmark(Baseline = true, Description = "softmax and log-softmax, one kernel")]
    public void Shared() => LayerKernels.SoftmaxAndLogSoftmax(
        new ReadOnlyTensorSpan<float>(_x, [Rows, Columns]), new TensorSpan<float>(_first, [Rows, Columns]), new TensorSpan<float>(_second, [Rows, Columns]));

    [Benchmark(Description = "softmax, then log-softmax (two kernels)")]
    public void Apart()
    {
        LayerKernels.SoftmaxRows(new ReadOnlyTensorSpan<float>(_x, [Rows, Columns]), new TensorSpan<float>(_first, [Rows, Columns]));
        LayerKernels.LogSoftmaxRows(new ReadOnlyTensorSpan<float>(_x, [Rows, Columns]), new TensorSpan<float>(_second, [Rows, Columns]));
    }

    [Benchmark(Description = "layer norm with its mean and inverse deviation, one kernel")]
    public void LayerNormWithStatistics() => LayerKernels.LayerNormWithStatistics(
        new ReadOnlyTensorSpan<float>(_x, [Rows, Columns]), new ReadOnlyTensorSpan<float>(_gamma, [Columns]), new ReadOnlyTensorSpan<float>(_beta, [Columns]),
        new TensorSpan<float>(_first, [Rows, Columns]), new TensorSpan<float>(_mean, [Rows, 1]), new TensorSpan<float>(_inverse, [Rows, 1]));

    [Benchmark(Description = "layer norm, then its mean, then its inverse deviation (three kernels)")]
    public void LayerNormAndStatisticsApart()
    {
        LayerNormAlone();
        LayerKernels.RowMeans(new ReadOnlyTensorSpan<float>(_x, [Rows, Columns]), new TensorSpan<float>(_mean, [Rows, 1]));
        LayerKernels.InverseDeviations(new ReadOnlyTensorSpan<float>(_x, [Rows, Columns]), new TensorSpan<float>(_inverse, [Rows, 1]));
    }

    [Benchmark(Description = "layer norm alone")]
    public void LayerNormAlone() => LayerKernels.LayerNormRows(
        new ReadOnlyTensorSpan<float>(_x, [Rows, Columns]), new ReadOnlyTensorSpan<float>(_gamma, [Columns]), new ReadOnlyTensorSpan<float>(_beta, [Columns]),
        new TensorSpan<float>(_first, [Rows, Columns]));
}

/// <summary>
/// Values the same for every row computed once per call (NdPlanner's costly outer invariants):
/// a softmax over scores plus Log of a [N] mask, and an RMS norm of [T, N] positions' sines added
/// in each of 8 batches, against the same kernels given those values precomputed (the bound),
/// [4096, 1024] and [8, 512, 1024].
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 15)]
[MemoryDiagnoser]
public class InvariantBenchmarks
{
    private const int Rows = 4096, Columns = 1024, Batches = 8, Positions = 512;
    private float[] _x = null!;
    private float[] _mask = null!;
    private float[] _logMask = null!;
    private float[] _positions = null!;
    private float[] _sines = null!;
    private float[] _destination = null!;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        _x = BenchmarkData.Uniform(random, Rows * Columns, -4, 4);
        _mask = BenchmarkData.Uniform(random, Columns, 0.01f, 1.01f);
        _logMask = BenchmarkData.Map(_mask, MathF.Log);
        _positions = BenchmarkData.Uniform(random, Positions * Columns, 0, 100);
        _sines = BenchmarkData.Map(_positions, MathF.Sin);
        _destination = new float[Rows * Columns];
    }

    [Benchmark(Baseline = true, Description = "softmax of x + Log(mask), mask [N]")]
    public void MaskedSoftmax() => LayerKernels.MaskedSoftmax(
        new ReadOnlyTensorSpan<float>(_x, [Rows, Columns]), new ReadOnlyTensorSpan<float>(_mask, [Columns]), new TensorSpan<float>(_destination, [Rows, Columns]));

    [Benchmark(Description = "softmax of x + b, b = Log(mask) given")]
    public void BiasedSoftmax() => LayerKernels.BiasedSoftmax(
        new ReadOnlyTensorSpan<float>(_x, [Rows, Columns]), new ReadOnlyTensorSpan<float>(_logMask, [Columns]), new TensorSpan<float>(_destination, [Rows, Columns]));

    [Benchmark(Description = "RmsNorm(x + Sin(positions)), [8, 512, 1024] + [512, 1024]")]
    public void PositionedNorm() => LayerKernels.PositionedNorm(
        new ReadOnlyTensorSpan<float>(_x, [Batches, Positions, Columns]), new ReadOnlyTensorSpan<float>(_positions, [Positions, Columns]), new ReadOnlyTensorSpan<float>(_mask, [Columns]),
        new TensorSpan<float>(_destination, [Batches, Positions, Columns]));

    [Benchmark(Description = "RmsNorm(x + s), s = Sin(positions) given")]
    public void ShiftedNorm() => LayerKernels.ShiftedNorm(
        new ReadOnlyTensorSpan<float>(_x, [Batches, Positions, Columns]), new ReadOnlyTensorSpan<float>(_sines, [Positions, Columns]), new ReadOnlyTensorSpan<float>(_mask, [Columns]),
        new TensorSpan<float>(_destination, [Batches, Positions, Columns]));
}

/// <summary>
/// Normalizations of costly values, [4096, 1024]: a softmax of per-element transcendentals (a
/// logarithm and a tanh), of soft-capped logits, layer and RMS norms of a GELU (each computed once
/// per element, kept in the destination row for the later passes, whose costly loops run apart so
/// the JIT inlines them whole), and a softmax times a gate (its exp stored for the output pass),
/// next to the plain softmax, layer norm and a copy.
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 15)]
public class CostlyPassBenchmarks
{
    private const int Rows = 4096, Columns = 1024;
    private float[] _x = null!;
    private float[] _y = null!;
    private float[] _gamma = null!;
    private float[] _beta = null!;
    private float[] _destination = null!;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        _x = BenchmarkData.Uniform(random, Rows * Columns, -4, 4);
        _y = BenchmarkData.Uniform(random, Rows * Columns, -1, 1);
        _gamma = BenchmarkData.Uniform(random, Columns, 0.5f, 1.5f);
        _beta = BenchmarkData.Uniform(random, Columns, -0.5f, 0.5f);
        _destination = new float[Rows * Columns];
    }

    [Benchmark(Description = "copy of the same bytes (kernel runtime, all cores)")]
    public void Copy() => BenchmarkKernels.Copy(_x, _destination);

    [Benchmark(Baseline = true, Description = "softmax")]
    public void Softmax() => LayerKernels.SoftmaxRows(new ReadOnlyTensorSpan<float>(_x, [Rows, Columns]), new TensorSpan<float>(_destination, [Rows, Columns]));

    [Benchmark(Description = "Softmax(Log(1 + x * x) + Tanh(y))")]
    public void SoftmaxOfMixed() => LayerKernels.SoftmaxOfMixed(
        new ReadOnlyTensorSpan<float>(_x, [Rows, Columns]), new ReadOnlyTensorSpan<float>(_y, [Rows, Columns]), new TensorSpan<float>(_destination, [Rows, Columns]));

    [Benchmark(Description = "RmsNorm(Gelu(x), gamma)")]
    public void RmsNormOfGelu() => LayerKernels.RmsNormOfGelu(
        new ReadOnlyTensorSpan<float>(_x, [Rows, Columns]), new ReadOnlyTensorSpan<float>(_gamma, [Columns]), new TensorSpan<float>(_destination, [Rows, Columns]));

    [Benchmark(Description = "Softmax(x) * y, a gate of the rows' shape")]
    public void GatedSoftmax() => LayerKernels.GatedSoftmax(
        new ReadOnlyTensorSpan<float>(_x, [Rows, Columns]), new ReadOnlyTensorSpan<float>(_y, [Rows, Columns]), new TensorSpan<float>(_destination, [Rows, Columns]));

    [Benchmark(Description = "Softmax(Tanh(x / 30) * 30), soft-capped logits")]
    public void CappedSoftmax() => LayerKernels.CappedSoftmax(new ReadOnlyTensorSpan<float>(_x, [Rows, Columns]), 30f, new TensorSpan<float>(_destination, [Rows, Columns]));

    [Benchmark(Description = "layer norm")]
    public void LayerNorm() => LayerKernels.LayerNormRows(
        new ReadOnlyTensorSpan<float>(_x, [Rows, Columns]), new ReadOnlyTensorSpan<float>(_gamma, [Columns]), new ReadOnlyTensorSpan<float>(_beta, [Columns]), new TensorSpan<float>(_destination, [Rows, Columns]));

    [Benchmark(Description = "LayerNorm(Gelu(x), gamma, beta)")]
    public void NormOfGelu() => LayerKernels.NormOfGelu(
        new ReadOnlyTensorSpan<float>(_x, [Rows, Columns]), new ReadOnlyTensorSpan<float>(_gamma, [Columns]), new ReadOnlyTensorSpan<float>(_beta, [Columns]), new TensorSpan<float>(_destination, [Rows, Columns]));
}
