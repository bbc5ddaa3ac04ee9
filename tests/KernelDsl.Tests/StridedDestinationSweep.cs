using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics.Tensors;
using Xunit;

namespace KernelDsl.Tests;

/// <summary>
/// Row kernels (softmax, log-softmax, layer norm, RMS norm), a dense layer and a tuple's two results
/// writing destinations whose rows are contiguous but not adjacent — rows padded apart, outer axes
/// permuted, two results side by side in one buffer — which the kernels write in place through the
/// destination's strides. Each result must equal, bit for bit,
/// the same kernel's result into a dense tensor (the same row code runs either way), and every
/// element of the buffer outside the view must keep its sentinel. Row lengths cross every vector
/// width's edges (one lane, one past a vector, one short of four vectors), so that the row tails
/// and the GEMM epilogue's edge columns write through the strides too. The width tests' child
/// processes run this at Vector256, Vector128 and scalar widths.
/// </summary>
public static class StridedDestinationSweep
{
    private const float Sentinel = -12345f;

    private static readonly int[] RowLengths = [1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 257];

    public static List<string> Run()
    {
        var failures = new List<string>();
        var random = new Random(23);
        foreach (int n in RowLengths)
        {
            foreach (int rows in new[] { 1, 3, 6 })
            {
                Tensor<float> x = TensorTestExtensions.Draw(random, rows, n);
                Tensor<float> gamma = TensorTestExtensions.Draw(random, n);
                Tensor<float> beta = TensorTestExtensions.Draw(random, n);
                int pad = 1 + n % 4;

                // Rows padded apart (a slice of columns of a wider buffer), starting past its first element;
                // the buffer runs on past the view, so that a write past its last row would show.
                Layout padded = new(Lengths: [rows, n], Strides: [n + pad, 1], Offset: 2, MemoryLength: 2 + (rows + 2) * (n + pad));
                Check(failures, $"SoftmaxRows [{rows}, {n}], rows {n + pad} apart", padded,
                    NdTestKernels.SoftmaxRowsFused(x), view => NdTestKernels.SoftmaxRows(x, view));
                Check(failures, $"LayerNormRows [{rows}, {n}], rows {n + pad} apart", padded,
                    NdTestKernels.LayerNormRowsFused(x, gamma, beta), view => NdTestKernels.LayerNormRows(x, gamma, beta, view));
                Check(failures, $"RmsNormRows [{rows}, {n}], rows {n + pad} apart", padded,
                    NdTestKernels.RmsNormRowsFused(x, gamma), view => NdTestKernels.RmsNormRows(x, gamma, view));

                // A dense layer [rows, k]·[k, n] + b into the padded rows: the GEMM's tiles, edge
                // tiles and epilogue address C through its row stride.
                int k = 1 + (n * 7 + rows) % 40;
                Tensor<float> a = TensorTestExtensions.Draw(random, rows, k);
                Tensor<float> w = TensorTestExtensions.Draw(random, k, n);
                Check(failures, $"Dense [{rows}, {k}]·[{k}, {n}], rows {n + pad} apart", padded,
                    NdTestKernels.DenseFused(a, w, beta), view => NdTestKernels.Dense(a, w, beta, view));

                // [A, B, N] into [B, A, N + pad] memory: outer axes permuted and rows padded.
                Tensor<float> x3 = TensorTestExtensions.Draw(random, 2, rows, n);
                Layout permuted = new(Lengths: [2, rows, n], Strides: [n + pad, 2 * (n + pad), 1], Offset: 0, MemoryLength: (2 * rows + 2) * (n + pad));
                Check(failures, $"LogSoftmaxRank3 [2, {rows}, {n}] into [{rows}, 2, {n + pad}]", permuted,
                    NdTestKernels.LogSoftmaxRank3Fused(x3), view => NdTestKernels.LogSoftmaxRank3(x3, view));

                // A tuple's two results into the two halves of each row of one buffer.
                (Tensor<float> probabilities, Tensor<float> logs) = TupleKernels.SoftmaxAndLogSoftmaxFused(x);
                CheckPair(failures, $"SoftmaxAndLogSoftmax [{rows}, {n}] side by side", probabilities, logs,
                    (first, second) => TupleKernels.SoftmaxAndLogSoftmax(x, first, second));
            }
        }

        return failures;
    }

    private sealed record Layout(nint[] Lengths, nint[] Strides, int Offset, int MemoryLength)
    {
        // System.Numerics.Tensors takes a dimension of length 1 only with stride 0, the stride
        // views of such tensors carry (a [1, N] row, an [N, 1] column).
        public nint[] Strides { get; } = [.. Lengths.Zip(Strides, (length, stride) => length == 1 ? 0 : stride)];
    }

    private delegate void IntoView(TensorSpan<float> view);

    private static void Check(List<string> failures, string what, Layout layout, Tensor<float> dense, IntoView kernel)
    {
        float[] expected = dense.ToArray();
        float[] memory = Enumerable.Repeat(Sentinel, layout.MemoryLength).ToArray();
        try
        {
            var view = new TensorSpan<float>(memory.AsSpan(layout.Offset), layout.Lengths, layout.Strides);
            kernel(view);
        }
        catch (Exception e)
        {
            failures.Add($"{what}: threw {e}");
            return;
        }

        var written = new bool[memory.Length];
        for (int flat = 0; flat < expected.Length; flat++)
        {
            nint at = layout.Offset + TensorTestExtensions.StridedOffset(flat, layout.Lengths, layout.Strides);
            written[at] = true;
            if (BitConverter.SingleToInt32Bits(memory[at]) != BitConverter.SingleToInt32Bits(expected[flat]))
            {
                failures.Add($"{what} [{flat}]: {memory[at]:R} through the strides, {expected[flat]:R} into a dense tensor");
                return;
            }
        }

        for (int i = 0; i < memory.Length; i++)
        {
            if (!written[i] && memory[i] != Sentinel)
            {
                failures.Add($"{what}: element {i} of the buffer, outside the view, was overwritten with {memory[i]:R}");
                return;
            }
        }
    }

    private delegate void IntoViews(TensorSpan<float> first, TensorSpan<float> second);

    /// <summary>Two [rows, n] results into columns [0, n) and [n, 2n) of a [rows, 2n + 1] buffer, each as its dense counterpart bit for bit.</summary>
    private static void CheckPair(List<string> failures, string what, Tensor<float> first, Tensor<float> second, IntoViews kernel)
    {
        int rows = (int)first.Lengths[0], n = (int)first.Lengths[1], stride = 2 * n + 1;
        float[] memory = Enumerable.Repeat(Sentinel, rows * stride).ToArray();
        nint[] strides = [rows == 1 ? 0 : stride, n == 1 ? 0 : 1];
        try
        {
            kernel(new TensorSpan<float>(memory, [rows, n], strides), new TensorSpan<float>(memory.AsSpan(n), [rows, n], strides));
        }
        catch (Exception e)
        {
            failures.Add($"{what}: threw {e}");
            return;
        }

        float[] a = first.ToArray(), b = second.ToArray();
        for (int i = 0; i < memory.Length; i++)
        {
            int r = i / stride, c = i % stride;
            float expected = c < n ? a[r * n + c] : c < 2 * n ? b[r * n + c - n] : Sentinel;
            if (BitConverter.SingleToInt32Bits(memory[i]) != BitConverter.SingleToInt32Bits(expected))
            {
                failures.Add($"{what}: element {i} of the buffer is {memory[i]:R}, expected {expected:R}");
                return;
            }
        }
    }
}

[Collection(KernelOptionsCollection.Name)]
public sealed class StridedDestinationTests
{
    [Fact]
    public void RowKernelsWriteStridedDestinationsAsTheyWriteDenseOnes()
    {
        Mismatches.AssertNone(StridedDestinationSweep.Run());
    }

    [Fact]
    public void RowKernelsWriteStridedDestinationsAsTheyWriteDenseOnesAcrossCores()
    {
        Mismatches.AssertNoneAcrossCores(StridedDestinationSweep.Run);
    }
}
