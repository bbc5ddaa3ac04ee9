using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace KernelDsl.Runtime;

/// <summary>
/// Runs a generated <see cref="IElementwiseKernel"/> over its operands: pins them, splits large
/// ranges across cores (<see cref="KernelOptions"/>), and within each range runs the widest
/// accelerated vector width, then each narrower one on what is left, then one lane at a time, so a
/// range of any length is covered with no masked loads and no reads past the end.
/// </summary>
/// <remarks>
/// Callers (generated code) validate the operands first: every input has the destination's length,
/// and no input partially overlaps the destination (exact aliasing is fine, since each element is
/// read before it is written).
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public static unsafe class ElementwiseRunner
{
    /// <summary>Chunks are multiples of this many elements: whole 512-bit vectors and cache lines.</summary>
    private const int ChunkAlignment = 64;

    /// <summary>Runs <paramref name="kernel"/> over one input.</summary>
    public static void Run<TKernel>(in TKernel kernel, Span<float> destination, ReadOnlySpan<float> input0)
        where TKernel : struct, IElementwiseKernel
    {
        fixed (float* d = destination, p0 = input0)
        {
            KernelOperands.PointerBuffer inputs = default;
            inputs[0] = (nint)p0;
            RunPinned(kernel, new KernelOperands(inputs, d), destination.Length);
        }
    }

    /// <summary>Runs <paramref name="kernel"/> over two inputs.</summary>
    public static void Run<TKernel>(in TKernel kernel, Span<float> destination, ReadOnlySpan<float> input0, ReadOnlySpan<float> input1)
        where TKernel : struct, IElementwiseKernel
    {
        fixed (float* d = destination, p0 = input0, p1 = input1)
        {
            KernelOperands.PointerBuffer inputs = default;
            inputs[0] = (nint)p0;
            inputs[1] = (nint)p1;
            RunPinned(kernel, new KernelOperands(inputs, d), destination.Length);
        }
    }

    /// <summary>Runs <paramref name="kernel"/> over three inputs.</summary>
    public static void Run<TKernel>(in TKernel kernel, Span<float> destination, ReadOnlySpan<float> input0, ReadOnlySpan<float> input1, ReadOnlySpan<float> input2)
        where TKernel : struct, IElementwiseKernel
    {
        fixed (float* d = destination, p0 = input0, p1 = input1, p2 = input2)
        {
            KernelOperands.PointerBuffer inputs = default;
            inputs[0] = (nint)p0;
            inputs[1] = (nint)p1;
            inputs[2] = (nint)p2;
            RunPinned(kernel, new KernelOperands(inputs, d), destination.Length);
        }
    }

    /// <summary>Runs <paramref name="kernel"/> over four to eight inputs.</summary>
    public static void Run<TKernel>(in TKernel kernel, Span<float> destination, ReadOnlySpan<float> input0, ReadOnlySpan<float> input1, ReadOnlySpan<float> input2, ReadOnlySpan<float> input3,
        ReadOnlySpan<float> input4 = default, ReadOnlySpan<float> input5 = default, ReadOnlySpan<float> input6 = default, ReadOnlySpan<float> input7 = default)
        where TKernel : struct, IElementwiseKernel
    {
        fixed (float* d = destination, p0 = input0, p1 = input1, p2 = input2, p3 = input3, p4 = input4, p5 = input5, p6 = input6, p7 = input7)
        {
            KernelOperands.PointerBuffer inputs = default;
            inputs[0] = (nint)p0;
            inputs[1] = (nint)p1;
            inputs[2] = (nint)p2;
            inputs[3] = (nint)p3;
            inputs[4] = (nint)p4;
            inputs[5] = (nint)p5;
            inputs[6] = (nint)p6;
            inputs[7] = (nint)p7;
            RunPinned(kernel, new KernelOperands(inputs, d), destination.Length);
        }
    }

    /// <summary>
    /// How many threads a kernel of <paramref name="length"/> elements should use under the current
    /// <see cref="KernelOptions"/>.
    /// </summary>
    public static int ChooseWorkerCount(long length) => ChooseWorkerCount(
        length,
        KernelOptions.ParallelThreshold,
        Math.Min(KernelOptions.MaxDegreeOfParallelism, Environment.ProcessorCount));

    /// <summary>
    /// The decision itself, free of process-wide state: one thread below <paramref name="threshold"/>
    /// elements (or below one chunk), otherwise as many as <paramref name="maxWorkers"/> allows while
    /// each thread still gets a whole chunk.
    /// </summary>
    public static int ChooseWorkerCount(long length, long threshold, int maxWorkers)
    {
        if (maxWorkers <= 1 || length < Math.Max(ChunkAlignment, threshold))
        {
            return 1;
        }

        return (int)Math.Min(maxWorkers, Math.Max(1, length / ChunkAlignment));
    }

    private static void RunPinned<TKernel>(in TKernel kernel, in KernelOperands operands, nint length)
        where TKernel : struct, IElementwiseKernel
    {
        if (length == 0)
        {
            return;
        }

        int workers = ChooseWorkerCount(length);
        if (workers == 1)
        {
            ExecuteRange(kernel, operands, 0, length);
            return;
        }

        // A few chunks per worker, so a worker that starts late or is interrupted does not hold up
        // the rest.
        nint chunkCount = workers * 4;
        nint chunkLength = (length + chunkCount - 1) / chunkCount;
        chunkLength = (chunkLength + ChunkAlignment - 1) / ChunkAlignment * ChunkAlignment;
        chunkCount = (length + chunkLength - 1) / chunkLength;
        var job = new ChunkedJob<TKernel>(kernel, operands, length, chunkLength);
        ParallelBatch<ChunkedJob<TKernel>>.Run(job, (int)chunkCount, workers);
    }

    /// <summary>Runs elements [start, end) on this thread, widest vectors first.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void ExecuteRange<TKernel>(in TKernel kernel, in KernelOperands operands, nint start, nint end)
        where TKernel : struct, IElementwiseKernel
    {
        if (Vector512.IsHardwareAccelerated)
        {
            start = ExecuteWholeVectors<TKernel, Simd512>(kernel, operands, start, end);
        }

        if (Vector256.IsHardwareAccelerated)
        {
            start = ExecuteWholeVectors<TKernel, Simd256>(kernel, operands, start, end);
        }

        if (Vector128.IsHardwareAccelerated)
        {
            start = ExecuteWholeVectors<TKernel, Simd128>(kernel, operands, start, end);
        }

        if (start < end)
        {
            kernel.Execute<SimdScalar>(operands, start, end);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static nint ExecuteWholeVectors<TKernel, V>(in TKernel kernel, in KernelOperands operands, nint start, nint end)
        where TKernel : struct, IElementwiseKernel
        where V : struct, ISimdFloat<V>
    {
        nint wholeEnd = start + ((end - start) & ~(nint)(V.Count - 1));
        if (wholeEnd > start)
        {
            kernel.Execute<V>(operands, start, wholeEnd);
        }

        return wholeEnd;
    }

    private readonly struct ChunkedJob<TKernel>(TKernel kernel, KernelOperands operands, nint length, nint chunkLength) : IParallelJob
        where TKernel : struct, IElementwiseKernel
    {
        public void RunChunk(int chunkIndex)
        {
            nint start = chunkIndex * chunkLength;
            ExecuteRange(kernel, operands, start, Math.Min(start + chunkLength, length));
        }
    }
}
