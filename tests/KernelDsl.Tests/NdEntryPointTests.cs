using System;
using System.Linq;
using System.Numerics.Tensors;
using Xunit;

namespace KernelDsl.Tests;

/// <summary>
/// The N-d entry points: each kind of shape mismatch gets the documented ArgumentException (naming
/// the dimension symbol, the parameters and both sizes); strided views are read correctly where the
/// rows are contiguous and rejected with a clear message where not; overlap rules hold.
/// </summary>
public sealed class NdEntryPointTests
{
    private static Tensor<float> Filled(params nint[] shape)
    {
        nint count = 1;
        foreach (nint d in shape)
        {
            count *= d;
        }

        var values = new float[count];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = MathF.Sin(i * 0.37f);
        }

        return Tensor.Create(values, shape);
    }

    [Fact]
    public void SymbolMismatchNamesTheSymbolTheParametersAndBothSizes()
    {
        var e = Assert.Throws<ArgumentException>(() => NdTestKernels.DenseFused(Filled(4, 5), Filled(6, 3), Filled(3)));
        Assert.StartsWith("K is 5 in x but 6 in w.", e.Message);
        Assert.Equal("w", e.ParamName);

        e = Assert.Throws<ArgumentException>(() => NdTestKernels.AddBiasFused(Filled(2, 5), Filled(4)));
        Assert.StartsWith("N is 5 in x but 4 in b.", e.Message);
    }

    [Fact]
    public void RankMismatchNamesTheDeclaredShape()
    {
        var e = Assert.Throws<ArgumentException>(() => NdTestKernels.SoftmaxRowsFused(Filled(2, 3, 4)));
        Assert.StartsWith("'x' has shape [2, 3, 4] but is declared [B, N]: rank 3, expected 2.", e.Message);
        Assert.Equal("x", e.ParamName);
    }

    [Fact]
    public void LiteralMismatchNamesTheDimension()
    {
        var e = Assert.Throws<ArgumentException>(() => NdEntryKernels.FixedWidthFused(Filled(3, 5), Filled(4)));
        Assert.StartsWith("'x' has shape [3, 5] but is declared [B, 4]: dimension 1 is 5, expected 4.", e.Message);
        Assert.Equal([6f, 0, 0, 0, 0, 0, 0, 0], ToArray(NdEntryKernels.FixedWidthFused(Tensor.Create(new float[] { 2, 0, 0, 0, 0, 0, 0, 0 }, [2, 4]), Tensor.Create(new float[] { 3, 1, 1, 1 }, [4]))));
    }

    [Fact]
    public void DestinationOfTheWrongShapeIsRejected()
    {
        Tensor<float> x = Filled(2, 3);
        var destination = new float[6];
        var e = Assert.Throws<ArgumentException>(() => NdTestKernels.SoftmaxRows(x, new TensorSpan<float>(destination, [3, 2])));
        Assert.StartsWith("'destination' has shape [3, 2], but the kernel's result has shape [B, N] = [2, 3].", e.Message);

        e = Assert.Throws<ArgumentException>(() => NdTestKernels.RowSumSquares(x, new TensorSpan<float>(destination, [2, 3])));
        Assert.Contains("[B] = [2]", e.Message);
    }

    [Fact]
    public void ViewsWithContiguousRowsAreReadThroughTheirStrides()
    {
        // Rows 8 apart in memory: every other row of a [6, 4] buffer... as a [3, 4] view.
        float[] memory = Filled(6, 4).ToArray();
        var view = new ReadOnlyTensorSpan<float>(memory, [3, 4], [8, 1]);
        var dense = Tensor.Create(memory[0..4].Concat(memory[8..12]).Concat(memory[16..20]).ToArray(), [3, 4]);
        var fromView = new float[12];
        NdTestKernels.SoftmaxRows(view, new TensorSpan<float>(fromView, [3, 4]));
        Assert.Equal(NdTestKernels.SoftmaxRowsFused(dense).ToArray(), fromView);
    }

    [Fact]
    public void ViewsWithStridedRowsAreCopiedForRowKernelsAndReadInPlaceByMatMul()
    {
        // A row kernel reads rows contiguously: a transposed view is copied first, and the result is the transpose's.
        float[] memory = Filled(4, 3).ToArray();
        var softmax = new float[12];
        NdTestKernels.SoftmaxRows(new ReadOnlyTensorSpan<float>(memory, [3, 4], [1, 3]), new TensorSpan<float>(softmax, [3, 4]));
        Assert.Equal(NdTestKernels.SoftmaxRowsFused(Ops.Transpose(Tensor.Create(memory, [4, 3]))).ToArray(), softmax);

        // The copy is taken before anything is written, so the view may even be of the destination's own memory.
        float[] shared = Filled(4, 3).ToArray();
        NdTestKernels.SoftmaxRows(new ReadOnlyTensorSpan<float>(shared, [3, 4], [1, 3]), new TensorSpan<float>(shared, [3, 4]));
        Assert.Equal(softmax, shared);

        // So is a vector broadcast from one element (stride 0 along its row), and a layer norm's gamma taken every other element.
        var sums = new float[12];
        NdTestKernels.AddBias(Filled(3, 4).AsReadOnlyTensorSpan(), new ReadOnlyTensorSpan<float>(new[] { 5f }, [4], [0]), new TensorSpan<float>(sums, [3, 4]));
        Assert.Equal(Filled(3, 4).ToArray().Select(v => v + 5f).ToArray(), sums);
        float[] everyOther = [1f, -9f, 2f, -9f, 3f, -9f];
        var normalized = new float[6];
        NdTestKernels.LayerNormRows(Filled(2, 3).AsReadOnlyTensorSpan(), new ReadOnlyTensorSpan<float>(everyOther, [3], [2]), Tensor.Create(new float[3], [3]).AsReadOnlyTensorSpan(), new TensorSpan<float>(normalized, [2, 3]));
        Assert.Equal(NdTestKernels.LayerNormRowsFused(Filled(2, 3), Tensor.Create([1f, 2f, 3f], [3]), Tensor.Create(new float[3], [3])).ToArray(), normalized);

        // A matrix product reads any strides: the transposed view gives the product with the transpose.
        var transposed = new ReadOnlyTensorSpan<float>(memory, [3, 4], [1, 3]); // the transpose of a [4, 3] matrix
        Tensor<float> b = Filled(4, 2);
        var product = new float[6];
        NdTestKernels.MatMulPlain(transposed, b, new TensorSpan<float>(product, [3, 2]));
        Tensor<float> expected = Ops.MatMul(Ops.Transpose(Tensor.Create(memory, [4, 3])), b);
        float[] want = expected.ToArray();
        for (int i = 0; i < want.Length; i++)
        {
            Assert.True(MathF.Abs(want[i] - product[i]) <= 1e-6f, $"[{i}]: {product[i]} vs {want[i]}");
        }
    }

    /// <summary>
    /// A view that broadcasts a strided row over many rows is copied as one row, not as every row it
    /// stands for: the copy's size is the view's distinct elements.
    /// </summary>
    [Fact]
    public void ACopiedViewKeepsItsBroadcastDimensions()
    {
        const int rows = 1 << 18, columns = 64;
        float[] memory = Filled(2 * columns).ToArray(); // the row is every other element
        var sums = new float[rows];
        var destination = new TensorSpan<float>(sums, [rows]);
        NdTestKernels.RowSumSquares(new ReadOnlyTensorSpan<float>(memory, [2, columns], [0, 2]), new TensorSpan<float>(new float[2], [2])); // warm up
        long before = GC.GetAllocatedBytesForCurrentThread();
        NdTestKernels.RowSumSquares(new ReadOnlyTensorSpan<float>(memory, [rows, columns], [0, 2]), destination);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        float expected = Enumerable.Range(0, columns).Select(k => memory[2 * k] * memory[2 * k]).Sum();
        Assert.All(sums, s => Assert.True(MathF.Abs(s - expected) <= 1e-5f * expected, $"{s} vs {expected}"));
        Assert.True(allocated < 16 * 1024, $"the copy allocated {allocated} bytes for a view of {rows} × {columns} elements");
    }

    /// <summary>A reduction over axis 0 reads its input in place through any strides: a transposed view, every other row, and the dense matrix agree with the eager sums.</summary>
    [Fact]
    public void ColumnReductionsReadAnyStrides()
    {
        float[] memory = Filled(8, 6).ToArray();
        (nint[] Strides, float[] Dense)[] views =
        [
            ([6, 1], memory[..24]),                                                          // dense [4, 6]
            ([12, 1], Enumerable.Range(0, 4).SelectMany(r => memory[(12 * r)..(12 * r + 6)]).ToArray()), // every other row of [8, 6]
            ([1, 4], Enumerable.Range(0, 24).Select(i => memory[i % 6 * 4 + i / 6]).ToArray()),         // the transpose of a [6, 4] matrix
        ];
        foreach ((nint[] strides, float[] dense) in views)
        {
            var sums = new float[6];
            NdTestKernels.ColumnSums(new ReadOnlyTensorSpan<float>(memory, [4, 6], strides), new TensorSpan<float>(sums, [6]));
            Assert.Equal(Ops.Sum(Tensor.Create(dense, [4, 6]), axis: 0).ToArray(), sums);
        }
    }

    [Fact]
    public void ElementwiseKernelsMayRunInPlaceButProductsMayNotOverlap()
    {
        float[] memory = Filled(5, 7).ToArray();
        float[] expected = NdTestKernels.SoftmaxRowsFused(Tensor.Create((float[])memory.Clone(), [5, 7])).ToArray();
        NdTestKernels.SoftmaxRows(new ReadOnlyTensorSpan<float>(memory, [5, 7]), new TensorSpan<float>(memory, [5, 7]));
        Assert.Equal(expected, memory);

        float[] square = Filled(4, 4).ToArray();
        var e = Assert.Throws<ArgumentException>(() => NdTestKernels.MatMulPlain(new ReadOnlyTensorSpan<float>(square, [4, 4]), Filled(4, 4), new TensorSpan<float>(square, [4, 4])));
        Assert.Contains("must not share memory", e.Message);

        // Overlapping an elementwise destination without being the same elements is rejected too.
        float[] shifted = Filled(3, 5).ToArray().Concat(new float[5]).ToArray();
        e = Assert.Throws<ArgumentException>(() => NdTestKernels.SoftmaxRows(new ReadOnlyTensorSpan<float>(shifted, [3, 5]), new TensorSpan<float>(shifted.AsSpan(5), [3, 5])));
        Assert.Contains("overlaps", e.Message);
    }

    /// <summary>
    /// An input may be the destination itself only where each of its elements is read at the
    /// position written: a value per row, read by its own row, may; a vector every row reads along
    /// the row may not, even when it has the destination's shape (B = N), since later rows would read
    /// the maxima earlier rows wrote over it.
    /// </summary>
    [Fact]
    public void OnlyAnInputReadAtTheElementsWrittenMayBeTheDestination()
    {
        float[] beta = Filled(5).ToArray();
        var e = Assert.Throws<ArgumentException>(() => NdTestKernels.RowMaxOfLayerNorm(
            Filled(5, 5), Filled(5), new ReadOnlyTensorSpan<float>(beta, [5]), new TensorSpan<float>(beta, [5])));
        Assert.Equal("beta", e.ParamName);
        Assert.Contains("'beta' overlaps 'destination'; the kernel reads 'beta' at other elements than the ones it is writing", e.Message);

        float[] r = Filled(5, 1).ToArray();
        Tensor<float> x = Filled(5, 7);
        float[] expected = NdTestKernels.RowSumsPlusFused(x, Tensor.Create((float[])r.Clone(), [5, 1])).ToArray();
        NdTestKernels.RowSumsPlus(x, new ReadOnlyTensorSpan<float>(r, [5, 1]), new TensorSpan<float>(r, [5, 1]));
        Assert.Equal(expected, r);
    }

    /// <summary>
    /// Kernels whose first pass stores a costly value in the destination for the later passes
    /// (capped logits, a GELU) give the same results in place, where that store overwrites the
    /// input as it goes: a log-softmax over rows whose capped maximum is exactly 0 (the case its
    /// Max recomputes) among them. Kernels whose later passes read an input of the rows' shape after
    /// a store (a gate) give the same results in place on that input (computed in scratch memory,
    /// then copied in) and on the other.
    /// </summary>
    [Fact]
    public void KernelsStoringACostlyValueForLaterPassesRunInPlace()
    {
        foreach ((int rows, int columns) in new[] { (1, 1), (3, 17), (4, 64), (5, 1031) })
        {
            // Row r's largest value is 0 for even r, so its capped maximum is exactly 0.
            float[] values = Filled(rows, columns).ToArray();
            for (int r = 0; r < rows; r += 2)
            {
                for (int c = 0; c < columns; c++)
                {
                    values[r * columns + c] = c == columns / 2 ? 0f : -1f - Math.Abs(values[r * columns + c]);
                }
            }

            void InPlace(Func<Tensor<float>, Tensor<float>> fused, Action<ReadOnlyTensorSpan<float>, TensorSpan<float>> kernel, string name)
            {
                float[] expected = fused(Tensor.Create((float[])values.Clone(), [rows, columns])).ToArray();
                float[] memory = (float[])values.Clone();
                kernel(new ReadOnlyTensorSpan<float>(memory, [rows, columns]), new TensorSpan<float>(memory, [rows, columns]));
                Assert.True(expected.AsSpan().SequenceEqual(memory), $"{name} over [{rows}, {columns}] in place");
            }

            Tensor<float> gamma = Filled(columns), beta = Filled(columns) * 0.5f;
            InPlace(x => NdTestKernels.CappedSoftmaxFused(x, 3f), (x, d) => NdTestKernels.CappedSoftmax(x, 3f, d), "CappedSoftmax");
            InPlace(x => NdTestKernels.CappedLogSoftmaxFused(x, 3f), (x, d) => NdTestKernels.CappedLogSoftmax(x, 3f, d), "CappedLogSoftmax");
            InPlace(x => NdTestKernels.NormOfGeluFused(x, gamma, beta), (x, d) => NdTestKernels.NormOfGelu(x, gamma, beta, d), "NormOfGelu");
            Tensor<float> x = Tensor.Create((float[])values.Clone(), [rows, columns]), other = Filled(rows, columns);
            InPlace(gate => NdTestKernels.GatedNormOfTanhFused(x, gamma, gate), (gate, d) => NdTestKernels.GatedNormOfTanh(x, gamma, gate, d), "GatedNormOfTanh on its gate");
            InPlace(input => NdTestKernels.GatedNormOfTanhFused(input, gamma, other), (input, d) => NdTestKernels.GatedNormOfTanh(input, gamma, other, d), "GatedNormOfTanh on its input");
            InPlace(gate => NdTestKernels.GatedSoftmaxFused(x, gate), (gate, d) => NdTestKernels.GatedSoftmax(x, gate, d), "GatedSoftmax on its gate");
            InPlace(input => NdTestKernels.GatedSoftmaxFused(input, other), (input, d) => NdTestKernels.GatedSoftmax(input, other, d), "GatedSoftmax on its input");
            InPlace(gate => NdTestKernels.FiveGatedSoftmaxFused(x, other, other, other, other, gate), (gate, d) => NdTestKernels.FiveGatedSoftmax(x, other, other, other, other, gate, d), "FiveGatedSoftmax on its fifth gate");
            InPlace(gate => NdTestKernels.FiveGatedSoftmaxFused(x, gate, other, other, other, other), (gate, d) => NdTestKernels.FiveGatedSoftmax(x, gate, other, other, other, other, d), "FiveGatedSoftmax on its first gate");
        }
    }

    /// <summary>
    /// A join whose pieces are written into the destination by earlier groups (or copied there one
    /// after another) reads its inputs while the destination fills: an input sharing its memory is
    /// rejected, and a strided destination still receives the join (through scratch memory).
    /// </summary>
    [Fact]
    public void ConcatDestinationsMayNotShareAnInputsMemory()
    {
        float[] memory = Filled(3, 8).ToArray();
        var e = Assert.Throws<ArgumentException>(() => NdTestKernels.RotaryJoined(new ReadOnlyTensorSpan<float>(memory, [3, 4]), Filled(3, 4), Filled(3, 1), Filled(4), new TensorSpan<float>(memory, [3, 8])));
        Assert.Contains("must not share memory", e.Message);

        // Inputs copied into a join in scratch memory, and the result computed from it: sharing is harmless there.
        float[] stacked = Filled(9, 4).ToArray();
        float[] stackedExpected = NdTestKernels.StackedInputsFused(Filled(3, 4), Tensor.Create(stacked[..12], [3, 4]), Filled(3, 4)).ToArray();
        NdTestKernels.StackedInputs(Filled(3, 4), new ReadOnlyTensorSpan<float>(stacked, [3, 4]), Filled(3, 4), new TensorSpan<float>(stacked, [9, 4]));
        Assert.Equal(stackedExpected, stacked);

        // Into the transpose of a [8, 3] buffer: the join is computed in scratch memory, then copied.
        Tensor<float> x1 = Filled(3, 4), x2 = Filled(3, 4) * 0.5f, positions = Filled(3, 1), frequencies = Filled(4);
        float[] expected = NdTestKernels.RotaryJoinedFused(x1, x2, positions, frequencies).ToArray();
        float[] transposed = new float[24];
        NdTestKernels.RotaryJoined(x1, x2, positions, frequencies, new TensorSpan<float>(transposed, [3, 8], [1, 3]));
        for (int t = 0; t < 3; t++)
        {
            for (int d = 0; d < 8; d++)
            {
                Assert.Equal(expected[t * 8 + d], transposed[d * 3 + t]);
            }
        }
    }

    /// <summary>A multiple of one symbol ([T, 2*H]) binds the symbol by division, and says so when the size does not divide.</summary>
    [Fact]
    public void AMultipleOfASymbolBindsItByDivision()
    {
        Tensor<float> x = Filled(3, 10);
        Tensor<float> gate = NdTestKernels.SwiGluGateFused(x);
        Assert.Equal(new nint[] { 3, 5 }, gate.Lengths.ToArray());
        var e = Assert.Throws<ArgumentException>(() => NdTestKernels.SwiGluGateFused(Filled(3, 7)));
        Assert.Equal("x", e.ParamName);
        Assert.Contains("2*H has 7 in x, which is not a multiple of 2", e.Message);
        e = Assert.Throws<ArgumentException>(() => NdTestKernels.SwiGluGate(Filled(3, 10), new TensorSpan<float>(new float[12], [3, 4])));
        Assert.Contains("destination", e.Message);
    }

    [Fact]
    public void StridedDestinationsAreWrittenThroughScratchMemory()
    {
        // Softmax into the middle columns of a wider buffer (its rows evenly spaced: written in
        // place), a matrix product into a transpose (through scratch memory), and
        // a softmax in place on a column slice (input and destination the same strided view).
        Tensor<float> x = Filled(3, 5);
        float[] softmax = NdTestKernels.SoftmaxRowsFused(x).ToArray();
        float[] wide = Enumerable.Repeat(-7f, 3 * 8).ToArray();
        NdTestKernels.SoftmaxRows(x, new TensorSpan<float>(wide.AsSpan(2), [3, 5], [8, 1]));
        for (int r = 0; r < 3; r++)
        {
            Assert.Equal([-7f, -7f, .. softmax.AsSpan(r * 5, 5), -7f], wide.AsSpan(r * 8, 8).ToArray());
        }

        Tensor<float> a = Filled(4, 6), b = Filled(6, 3);
        float[] product = NdTestKernels.MatMulPlainFused(a, b).ToArray();
        var transposed = new float[12];
        NdTestKernels.MatMulPlain(a, b, new TensorSpan<float>(transposed, [4, 3], [1, 4]));
        for (int i = 0; i < 4; i++)
        {
            for (int j = 0; j < 3; j++)
            {
                Assert.Equal(product[i * 3 + j], transposed[j * 4 + i]);
            }
        }

        float[] buffer = Filled(3, 8).ToArray();
        float[] slice = [.. buffer.AsSpan(1, 5), .. buffer.AsSpan(9, 5), .. buffer.AsSpan(17, 5)];
        float[] expected = NdTestKernels.SoftmaxRowsFused(Tensor.Create(slice, [3, 5])).ToArray();
        float[] untouched = [buffer[0], buffer[6], buffer[7], buffer[8], buffer[14], buffer[15], buffer[16], buffer[22], buffer[23]];
        NdTestKernels.SoftmaxRows(new ReadOnlyTensorSpan<float>(buffer.AsSpan(1), [3, 5], [8, 1]), new TensorSpan<float>(buffer.AsSpan(1), [3, 5], [8, 1]));
        float[] written = [.. buffer.AsSpan(1, 5), .. buffer.AsSpan(9, 5), .. buffer.AsSpan(17, 5)];
        float[] around = [buffer[0], buffer[6], buffer[7], buffer[8], buffer[14], buffer[15], buffer[16], buffer[22], buffer[23]];
        Assert.Equal(expected, written);
        Assert.Equal(untouched, around);
    }

    /// <summary>
    /// Runs <c>LogSoftmaxRank3</c> on <paramref name="x"/> into a view of a buffer filled with -7,
    /// which must need no scratch memory, then checks every element of the view against the fused
    /// result and every other element of the buffer for the -7 it held.
    /// </summary>
    private static void LogSoftmaxIntoView(Tensor<float> x, int memoryLength, int offset, nint[] strides)
    {
        float[] expected = NdTestKernels.LogSoftmaxRank3Fused(x).ToArray();
        float[] memory = Enumerable.Repeat(-7f, memoryLength).ToArray();
        nint[] lengths = x.Lengths.ToArray();
        var view = new TensorSpan<float>(memory.AsSpan(offset), lengths, strides);
        Assert.Null(KernelDsl.Runtime.KernelArguments.ScratchFor(view, "destination", lengths[^1], x.AsReadOnlyTensorSpan()));
        NdTestKernels.LogSoftmaxRank3(x, view);

        var written = new bool[memoryLength];
        for (int flat = 0; flat < expected.Length; flat++)
        {
            nint at = offset + TensorTestExtensions.StridedOffset(flat, lengths, strides);
            written[at] = true;
            Assert.Equal(expected[flat], memory[at]);
        }

        Assert.All(Enumerable.Range(0, memoryLength).Where(i => !written[i]), i => Assert.Equal(-7f, memory[i]));
    }

    [Fact]
    public void DestinationsWithSeparateContiguousRowsAreWrittenInPlaceUnlessAnInputSharesTheirMemory()
    {
        // One head's columns of a concatenation: [2, 3, 4] as columns 4..8 of a [2, 3, 12] buffer,
        // whose rows are 12 apart across both outer dimensions, so the kernel writes it directly.
        LogSoftmaxIntoView(Filled(2, 3, 4), memoryLength: 2 * 3 * 12, offset: 4, strides: [36, 12, 1]);

        // Rows not evenly spaced (the first two of three rows in each block, a slice of the middle
        // axis) are written in place too, through the view's own strides.
        LogSoftmaxIntoView(Filled(2, 2, 4), memoryLength: 2 * 3 * 4, offset: 0, strides: [12, 4, 1]);

        // [H, T, D] written into [T, H, D] memory (heads merged into one row per token): the outer
        // axes permuted, each row still contiguous, so in place as well.
        LogSoftmaxIntoView(Filled(3, 2, 4), memoryLength: 2 * 3 * 4, offset: 0, strides: [4, 12, 1]);

        // The input in the left columns of a buffer and the destination in the right ones: no element
        // is shared, but their memory interleaves, so the kernel takes scratch memory rather than
        // reason about which row it may overwrite when.
        float[] halves = Filled(3, 10).ToArray();
        float[] left = [.. halves.AsSpan(0, 5), .. halves.AsSpan(10, 5), .. halves.AsSpan(20, 5)];
        float[] expected = NdTestKernels.SoftmaxRowsFused(Tensor.Create(left, [3, 5])).ToArray();
        var input = new ReadOnlyTensorSpan<float>(halves, [3, 5], [10, 1]);
        var right = new TensorSpan<float>(halves.AsSpan(5), [3, 5], [10, 1]);
        float[]? scratch = KernelDsl.Runtime.KernelArguments.ScratchFor(right, "destination", 5, input);
        Assert.NotNull(scratch);
        System.Buffers.ArrayPool<float>.Shared.Return(scratch);
        NdTestKernels.SoftmaxRows(input, right);
        Assert.Equal([.. left.AsSpan(0, 5), .. expected.AsSpan(0, 5), .. left.AsSpan(5, 5), .. expected.AsSpan(5, 5), .. left.AsSpan(10, 5), .. expected.AsSpan(10, 5)], halves);
    }

    [Fact]
    public void ProductsWriteDestinationsWithContiguousRowsInPlace()
    {
        // A dense layer into columns 3..10 of a [5, 12] buffer: the product and its epilogue write
        // the rows 12 apart directly (no scratch), leaving the other columns alone.
        Tensor<float> x = Filled(5, 9), w = Filled(9, 7), b = Filled(7);
        float[] expected = NdTestKernels.DenseFused(x, w, b).ToArray();
        float[] wide = Enumerable.Repeat(-7f, 5 * 12).ToArray();
        var columns = new TensorSpan<float>(wide.AsSpan(3), [5, 7], [12, 1]);
        Assert.Null(KernelDsl.Runtime.KernelArguments.ScratchFor(columns, "destination", 7, x.AsReadOnlyTensorSpan(), w.AsReadOnlyTensorSpan(), b.AsReadOnlyTensorSpan()));
        NdTestKernels.Dense(x, w, b, columns);
        for (int row = 0; row < 5; row++)
        {
            Assert.Equal([-7f, -7f, -7f, .. expected.AsSpan(row * 7, 7), -7f, -7f], wide.AsSpan(row * 12, 12).ToArray());
        }

        // A batched product into one head's columns of [2, 3, 4 · 2]: rows 8 apart across both
        // outer dimensions; a bare product (no epilogue) takes the same path.
        Tensor<float> a = Filled(2, 3, 5), c = Filled(2, 5, 4);
        expected = NdTestKernels.BatchedMatMulFused(a, c).ToArray();
        float[] heads = Enumerable.Repeat(-7f, 2 * 3 * 8).ToArray();
        NdTestKernels.BatchedMatMul(a, c, new TensorSpan<float>(heads.AsSpan(4), [2, 3, 4], [24, 8, 1]));
        for (int row = 0; row < 6; row++)
        {
            Assert.Equal([-7f, -7f, -7f, -7f, .. expected.AsSpan(row * 4, 4)], heads.AsSpan(row * 8, 8).ToArray());
        }

        // The same heads written into [3, 2 · 4] memory, one row per token with both heads side
        // by side: batch stride 4, row stride 8, written in place.
        float[] tokens = Enumerable.Repeat(-7f, 3 * 8).ToArray();
        var merged = new TensorSpan<float>(tokens, [2, 3, 4], [4, 8, 1]);
        Assert.Null(KernelDsl.Runtime.KernelArguments.ScratchFor(merged, "destination", 4, a.AsReadOnlyTensorSpan(), c.AsReadOnlyTensorSpan()));
        NdTestKernels.BatchedMatMul(a, c, merged);
        for (int h = 0; h < 2; h++)
        {
            for (int t = 0; t < 3; t++)
            {
                Assert.Equal(expected.AsSpan((h * 3 + t) * 4, 4).ToArray(), tokens.AsSpan(t * 8 + h * 4, 4).ToArray());
            }
        }

        // The left operand in the first columns of the same buffer: its memory interleaves with
        // the destination's, so the product goes through scratch memory, with the same result.
        float[] shared = Filled(4, 10).ToArray();
        float[] left = [.. shared.AsSpan(0, 6), .. shared.AsSpan(10, 6), .. shared.AsSpan(20, 6), .. shared.AsSpan(30, 6)];
        Tensor<float> right = Filled(6, 4);
        expected = NdTestKernels.MatMulPlainFused(Tensor.Create(left, [4, 6]), right).ToArray();
        var operand = new ReadOnlyTensorSpan<float>(shared, [4, 6], [10, 1]);
        var target = new TensorSpan<float>(shared.AsSpan(6), [4, 4], [10, 1]);
        float[]? scratch = KernelDsl.Runtime.KernelArguments.ScratchFor(target, "destination", 4, operand, right.AsReadOnlyTensorSpan());
        Assert.NotNull(scratch);
        System.Buffers.ArrayPool<float>.Shared.Return(scratch);
        NdTestKernels.MatMulPlain(operand, right, target);
        for (int row = 0; row < 4; row++)
        {
            Assert.Equal([.. left.AsSpan(row * 6, 6), .. expected.AsSpan(row * 4, 4)], shared.AsSpan(row * 10, 10).ToArray());
        }
    }

    [Fact]
    public void CopiesOfInputsComeFromThePoolAndGoBackToIt()
    {
        // A transposed input is copied on every call (4 MiB here); the copy is a pooled array
        // returned after the call, so once the pool holds one that size three calls allocate far
        // less than one copy (the pool may still make its own small bookkeeping, some KB), and the
        // result is the same whatever the pooled array held before.
        const int n = 1024;
        float[] data = Filled(n, n).ToArray();
        float[] transposed = new float[n * n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                transposed[i * n + j] = data[j * n + i];
            }
        }

        float[] expected = NdTestKernels.SoftmaxRowsFused(Tensor.Create(transposed, [n, n])).ToArray();
        var view = new ReadOnlyTensorSpan<float>(data, [n, n], [1, n]);
        var destination = new float[n * n];
        NdTestKernels.SoftmaxRows(view, new TensorSpan<float>(destination, [n, n]));
        Assert.Equal(expected, destination);

        NdTestKernels.SoftmaxRows(view, new TensorSpan<float>(destination, [n, n]));
        Array.Clear(destination);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int call = 0; call < 3; call++)
        {
            NdTestKernels.SoftmaxRows(view, new TensorSpan<float>(destination, [n, n]));
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(expected, destination);
        Assert.True(allocated < n * n * sizeof(float) / 16, $"three calls with a copied input allocated {allocated} bytes");
    }

    [Fact]
    public void InputCopiesPastTheirCapacityAreCopiedToo()
    {
        // Kernels copy at most eight inputs (their limit on tensor parameters); a caller of its own
        // may ask for more, which get arrays of their own, and returning them all is safe.
        float[] data = Filled(3, 5).ToArray();
        var transposed = new ReadOnlyTensorSpan<float>(data, [5, 3], [1, 5]);
        float[] expected = new float[15];
        for (int i = 0; i < 5; i++)
        {
            for (int j = 0; j < 3; j++)
            {
                expected[i * 3 + j] = data[j * 5 + i];
            }
        }

        KernelDsl.Runtime.InputCopies copies = default;
        try
        {
            for (int k = 0; k < 10; k++)
            {
                ReadOnlyTensorSpan<float> copy = KernelDsl.Runtime.InputCopies.InPlaceOrCopy(ref copies, transposed, 1, dense: true, "x");
                Assert.True(copy.IsDense);
                var actual = new float[15];
                copy.FlattenTo(actual);
                Assert.Equal(expected, actual);
            }
        }
        finally
        {
            copies.Return();
        }

        copies.Return(); // a second return finds nothing left to give back
    }

    [Fact]
    public void DestinationsWhoseElementsShareMemoryAreRejected()
    {
        // A broadcast view: three rows in the memory of one. (System.Numerics.Tensors refuses other
        // overlapping strides when the view is made.)
        var e = Assert.Throws<ArgumentException>(() => NdTestKernels.SoftmaxRows(Filled(3, 2), new TensorSpan<float>(new float[2], [3, 2], [0, 1])));
        Assert.Equal("destination", e.ParamName);
        Assert.Contains("strides [0, 1] for shape [3, 2], so some of its elements share memory (stride 0 in dimension 0, a broadcast view)", e.Message);
        var memory = new float[4];
        e = Assert.Throws<ArgumentException>(() => NdTestKernels.Rank3Broadcast(Filled(2, 2, 2), Filled(2, 1), 1f, new TensorSpan<float>(memory, [2, 2, 2], [2, 0, 1])));
        Assert.Contains("stride 0 in dimension 1", e.Message);
    }

    [Fact]
    public void AnIntermediateValueTooLargeForAnArrayIsAnErrorNamingItsShape()
    {
        // An attention block's scores, [H, T, T], for 64 heads of 8,192 positions: 2^32 floats, from
        // inputs of 2^19. The error comes before any memory is rented.
        const int h = 64, t = 8192;
        var inputs = new float[h * t];
        var e = Assert.Throws<ArgumentException>(() => NdTestKernels.Attention(
            new ReadOnlyTensorSpan<float>(inputs, [h, t, 1]), new ReadOnlyTensorSpan<float>(inputs, [h, t, 1]), new ReadOnlyTensorSpan<float>(inputs, [h, t, 1]),
            1f, new TensorSpan<float>(new float[h * t], [h, t, 1])));
        Assert.Contains("[H, T, T]: [64, 8192, 8192]", e.Message);
        Assert.Contains("4,294,967,296 elements, more than one array holds (2,147,483,591)", e.Message);

        // Lengths whose product overflows 64 bits are caught, not wrapped around to a small buffer.
        nint large = (nint)1 << 40;
        e = Assert.Throws<ArgumentException>(() => KernelDsl.Runtime.KernelArguments.RentScratch([large, large, 16], "[A, B, C]"));
        Assert.Contains("[A, B, C]: [1099511627776, 1099511627776, 16]", e.Message);
        Assert.Empty(KernelDsl.Runtime.KernelArguments.RentScratch([large, 0, large], "[A, B, C]"));
        float[] rented = KernelDsl.Runtime.KernelArguments.RentScratch([3, 5], "[A, B]");
        Assert.True(rented.Length >= 15);
        System.Buffers.ArrayPool<float>.Shared.Return(rented);
    }

    [Fact]
    public void NullTensorsAreRejected()
    {
        Assert.Throws<ArgumentNullException>(() => NdTestKernels.DenseFused(Filled(2, 2), null!, Filled(2)));
    }

    [Fact]
    public void EagerEinsumChecksItsSpecAndSizes()
    {
        var e = Assert.Throws<ArgumentException>(() => Ops.Einsum("ij,jk->ik", Filled(2, 3), Filled(4, 5)));
        Assert.StartsWith("Einsum \"ij,jk->ik\": j is 3 in one operand but 4 in b.", e.Message);
        e = Assert.Throws<ArgumentException>(() => Ops.Einsum("ij,jk", Filled(2, 3), Filled(3, 5)));
        Assert.Contains("expected two operands' subscripts and an output", e.Message);
        e = Assert.Throws<ArgumentException>(() => Ops.Einsum("bij,jk->ik", Filled(2, 3), Filled(3, 5)));
        Assert.Contains("the operands have ranks 2 and 2, but the subscripts name 3 and 2 dimensions", e.Message);

        // A general spec the compiler does not fuse yet still runs eagerly: a row-wise dot product.
        Tensor<float> a = Filled(3, 4), b = Filled(3, 4);
        float[] dots = Ops.Einsum("ik,ik->i", a, b).ToArray();
        float[] x = a.ToArray(), y = b.ToArray();
        for (int i = 0; i < 3; i++)
        {
            float expected = 0;
            for (int k = 0; k < 4; k++)
            {
                expected += x[i * 4 + k] * y[i * 4 + k];
            }

            Assert.Equal(expected, dots[i], 5);
        }
    }

    [Fact]
    public void SliceOfABoundDimensionIsCheckedAtTheCall()
    {
        var e = Assert.Throws<ArgumentException>(() => NdSliceKernels.NarrowFused(Filled(2, 3)));
        Assert.StartsWith("Slice(x, axis: -1, start: 1, length: 4) needs 5 elements along its axis, but 'x' has 3 there.", e.Message);

        // Wide enough: a view starting one element in, read without a copy.
        Tensor<float> x = Filled(2, 6);
        float[] values = x.ToArray();
        Assert.Equal(new[] { 1, 2, 3, 4, 7, 8, 9, 10 }.Select(i => values[i] * 2f).ToArray(), NdSliceKernels.NarrowFused(x).ToArray());
    }

    [Fact]
    public void ReshapeReadsDenseInputsInPlaceAndCopiesStridedOnes()
    {
        Tensor<float> x = Filled(4, 6);
        Tensor<float> reshaped = NdSliceKernels.ReshapeOnlyFused(x);
        Assert.Equal([4, 2, 3], reshaped.Lengths.ToArray());
        Assert.Equal(x.ToArray(), reshaped.ToArray());

        // The first 6 columns of a [4, 8] matrix: not dense, so reshaped from a copy.
        float[] memory = Filled(4, 8).ToArray();
        var fromView = new float[24];
        NdSliceKernels.ReshapeOnly(new ReadOnlyTensorSpan<float>(memory, [4, 6], [8, 1]), new TensorSpan<float>(fromView, [4, 2, 3]));
        Assert.Equal(Enumerable.Range(0, 24).Select(i => memory[i / 6 * 8 + i % 6]).ToArray(), fromView);

        var bad = Assert.Throws<ArgumentException>(() => Ops.Reshape(Filled(4, 6), 5, -1));
        Assert.Contains("do not divide its 24 elements", bad.Message);
    }

    [Fact]
    public void ProductDimensionIsCheckedAgainstItsSymbols()
    {
        // x binds H = 3 and D = 4, so g, declared [H*D], must have 12 elements.
        Tensor<float> x = Filled(2, 5, 3, 4);
        Tensor<float> merged = NdTestKernels.MergeHeadsFused(x, Filled(12));
        Assert.Equal([2, 5, 12], merged.Lengths.ToArray());

        var e = Assert.Throws<ArgumentException>(() => NdTestKernels.MergeHeadsFused(x, Filled(11)));
        Assert.StartsWith("H*D is 12 (H in x, D in x) but 11 in g.", e.Message);
        Assert.Equal("g", e.ParamName);

        // The span entry point checks the same, and so does the result's shape [B, T, H*D].
        var wrongDestination = Assert.Throws<ArgumentException>(() => NdTestKernels.MergeHeads(x.AsReadOnlyTensorSpan(), Filled(12).AsReadOnlyTensorSpan(), new TensorSpan<float>(new float[2 * 5 * 11], [2, 5, 11])));
        Assert.StartsWith("'destination' has shape [2, 5, 11], but the kernel's result has shape [B, T, H*D] = [2, 5, 12].", wrongDestination.Message);
    }

    [Fact]
    public void SumDimensionIsCheckedAgainstItsSymbols()
    {
        // x binds T = 3 and D = 4, y binds E = 2: gamma, declared [D+E], and beta, declared [E + D], need 6 elements.
        Tensor<float> x = Filled(3, 4), y = Filled(3, 2);
        Assert.Equal([3, 6], NdTestKernels.NormOfJoinedFeaturesFused(x, y, Filled(6), Filled(6)).Lengths.ToArray());

        var e = Assert.Throws<ArgumentException>(() => NdTestKernels.NormOfJoinedFeaturesFused(x, y, Filled(5), Filled(6)));
        Assert.StartsWith("D+E is 6 (D in x, E in y) but 5 in gamma.", e.Message);
        Assert.Equal("gamma", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => NdTestKernels.NormOfJoinedFeaturesFused(x, y, Filled(6), Filled(7)));
        Assert.StartsWith("E+D is 6 (E in y, D in x) but 7 in beta.", e.Message);

        // The result's shape [T, D+E] is checked at the span entry point, with the sum's value.
        var wrongDestination = Assert.Throws<ArgumentException>(() => NdTestKernels.NormOfJoinedFeatures(x.AsReadOnlyTensorSpan(), y.AsReadOnlyTensorSpan(), Filled(6).AsReadOnlyTensorSpan(), Filled(6).AsReadOnlyTensorSpan(), new TensorSpan<float>(new float[3 * 4], [3, 4])));
        Assert.StartsWith("'destination' has shape [3, 4], but the kernel's result has shape [T, D+E] = [3, 6].", wrongDestination.Message);
    }

    /// <summary>A cache grown by one token: the result is [B, T+1, D], its destination checked against that, and the token's literal 1 too.</summary>
    [Fact]
    public void ACacheGrowsByOneToken()
    {
        Tensor<float> cache = Filled(2, 5, 3), token = Filled(2, 1, 3);
        Tensor<float> grown = NdTestKernels.AppendToCacheFused(cache, token);
        Assert.Equal([2, 6, 3], grown.Lengths.ToArray());
        Assert.Equal(ToArray(cache)[..15], ToArray(grown)[..15]);
        Assert.Equal(ToArray(token)[..3], ToArray(grown)[15..18]);

        var e = Assert.Throws<ArgumentException>(() => NdTestKernels.AppendToCache(cache.AsReadOnlyTensorSpan(), token.AsReadOnlyTensorSpan(), new TensorSpan<float>(new float[30], [2, 5, 3])));
        Assert.StartsWith("'destination' has shape [2, 5, 3], but the kernel's result has shape [B, T+1, D] = [2, 6, 3].", e.Message);
        e = Assert.Throws<ArgumentException>(() => NdTestKernels.AppendToCacheFused(cache, Filled(2, 2, 3)));
        Assert.Equal("token", e.ParamName);

        // An empty cache grows to one token.
        Assert.Equal(ToArray(token), ToArray(NdTestKernels.AppendToCacheFused(Filled(2, 0, 3), token)));
    }

    private static float[] ToArray(Tensor<float> tensor) => tensor.ToArray();
}
