using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics.Tensors;
using KernelDsl;
using Xunit;
using static KernelDsl.Ops;

namespace KernelDsl.Tests;

/// <summary>Kernels that return several tensors: one destination per result, results that feed other results.</summary>
public static partial class TupleKernels
{
    [Kernel]
    public static (Tensor<float>, Tensor<float>) MeanAndVariance([Shape("B", "N")] Tensor<float> x)
    {
        var mean = Mean(x, axis: -1, keepDims: true);
        var centered = x - mean;
        return (mean, Mean(centered * centered, axis: -1, keepDims: true));
    }

    [Kernel]
    public static (Tensor<float> Centered, Tensor<float> Mean) CenteredAndMean([Shape("B", "N")] Tensor<float> x)
    {
        var m = Mean(x, axis: -1, keepDims: true);
        return (x - m, m);
    }

    [Kernel]
    public static (Tensor<float>, Tensor<float>, Tensor<float>) ProductAndActivations([Shape("M", "K")] Tensor<float> a, [Shape("K", "N")] Tensor<float> b)
    {
        var product = MatMul(a, b);
        return (product, Relu(product), Softmax(product));
    }

    // Without [Shape]: elementwise kernels take any common shape; these need axes, so their tensors are vectors [N].
    [Kernel]
    public static (Tensor<float>, Tensor<float>) ExpAndLog(Tensor<float> x) => (Exp(x), Log(Abs(x) + 1f));

    [Kernel]
    public static (Tensor<float> Probabilities, Tensor<float> Largest) SoftmaxAndMax(Tensor<float> x) => (Softmax(x), Max(x, axis: 0, keepDims: true));

    [Kernel]
    public static Tensor<float> Dot(Tensor<float> x, Tensor<float> y) => Sum(x * y, axis: 0);

    [Kernel]
    public static (Tensor<float>, Tensor<float>) TwoProjections([Shape("T", "K")] Tensor<float> x, [Shape("K", "D")] Tensor<float> wq, [Shape("K", "D")] Tensor<float> wk)
        => (MatMul(x, wq), Relu(MatMul(x, wk)));

    [Kernel]
    public static Tensor<float> JoinedVectors(Tensor<float> x, Tensor<float> y) => Concat(x * 2f, y);

    [Kernel]
    public static Tensor<float> HalfOfJoinedVectors(Tensor<float> x) => Chunk(Concat(x, x * 3f), 2, 1) + 1f;

    [Kernel]
    public static (Tensor<float>, Tensor<float>) SoftmaxAndLogSoftmax([Shape("B", "N")] Tensor<float> x) => (Softmax(x), LogSoftmax(x));

    // One row group writes both: the softmax reloads the exps its sum pass stored in the first
    // result's destination, which the output pass rewrites as it goes.
    [Kernel]
    public static (Tensor<float>, Tensor<float>) ScaledAndSoftmax([Shape("B", "N")] Tensor<float> x) => (x * 2f, Softmax(x));

    // A layer norm with the statistics a training step keeps, all three from one reading of each row.
    [Kernel]
    public static (Tensor<float> Normalized, Tensor<float> Mean, Tensor<float> InverseDeviation) LayerNormWithStatistics(
        [Shape("B", "N")] Tensor<float> x, [Shape("N")] Tensor<float> gamma, [Shape("N")] Tensor<float> beta)
    {
        var mean = Mean(x, axis: -1, keepDims: true);
        var centered = x - mean;
        var inverse = 1f / Sqrt(Mean(centered * centered, axis: -1, keepDims: true) + 1e-5f);
        return (centered * inverse * gamma + beta, mean, inverse);
    }

    // The softmax's group writes over the scores' buffer (their last reader, element by element):
    // its output pass reads the scores, so it must recompute the exps rather than store them there
    // (the result is transposed: a copy reads the sum from scratch).
    [Kernel]
    public static (Tensor<float>, Tensor<float>) MixedScores([Shape("T", "D")] Tensor<float> q, [Shape("T", "D")] Tensor<float> k)
    {
        var scores = MatMul(q, Transpose(k));
        return (Transpose(Softmax(scores) + scores), q * 2f);
    }

    // Values of one per row only: one group computes the max and the sum of exps once for all three
    // (what an attention that streams over keys keeps per row).
    [Kernel]
    public static (Tensor<float> Max, Tensor<float> LogSumExp, Tensor<float> Mean) RowStatistics([Shape("B", "N")] Tensor<float> x)
    {
        var max = Max(x, axis: -1, keepDims: true);
        return (max, Log(Sum(Exp(x - max), axis: -1, keepDims: true)) + max, Mean(x, axis: -1, keepDims: true));
    }

    // Eight inputs and a second result need nine operand slots: the results keep a group each.
    [Kernel]
    public static (Tensor<float>, Tensor<float>) EightInputs(
        [Shape("N")] Tensor<float> a, [Shape("N")] Tensor<float> b, [Shape("N")] Tensor<float> c, [Shape("N")] Tensor<float> d,
        [Shape("N")] Tensor<float> e, [Shape("N")] Tensor<float> f, [Shape("N")] Tensor<float> g, [Shape("N")] Tensor<float> h)
        => (a + b + c + d + e + f + g + h, a * b);
}

public sealed class TupleKernelTests
{
    private static Tensor<float> Random(int seed, params nint[] shape)
    {
        var random = new Random(seed);
        var values = new float[shape.Aggregate((nint)1, (p, q) => p * q)];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (float)(random.NextDouble() * 2 - 1);
        }

        return Tensor.Create(values, shape);
    }

    private static void Near(RefTensor expected, Tensor<float> actual, double tolerance)
    {
        Assert.Equal(expected.Shape, actual.Lengths.ToArray().Select(l => (int)l).ToArray());
        float[] values = actual.ToArray();
        for (int i = 0; i < values.Length; i++)
        {
            bool near = double.IsNaN(expected.Data[i]) ? float.IsNaN(values[i]) : Math.Abs(values[i] - expected.Data[i]) <= tolerance * (1 + Math.Abs(expected.Data[i]));
            Assert.True(near, $"[{i}]: {values[i]} vs {expected.Data[i]}");
        }
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(3, 17)]
    [InlineData(0, 5)]
    [InlineData(7, 1031)]
    public void EachResultMatchesTheReference(int rows, int columns)
    {
        Tensor<float> x = Random(rows * 31 + columns, rows, columns);
        RefTensor rx = RefTensor.From(x);
        RefTensor mean = rx.Mean();
        RefTensor centered = rx - mean;

        (Tensor<float> m, Tensor<float> v) = TupleKernels.MeanAndVarianceFused(x);
        Near(mean, m, 1e-5);
        Near((centered * centered).Mean(), v, 1e-5);

        (Tensor<float> c, Tensor<float> m2) = TupleKernels.CenteredAndMeanFused(x);
        Near(centered, c, 1e-5);
        Near(mean, m2, 1e-5);

        // The eager body returns the same tuple.
        (Tensor<float> eagerCentered, Tensor<float> eagerMean) = TupleKernels.CenteredAndMean(x);
        Near(centered, eagerCentered, 1e-5);
        Near(mean, eagerMean, 1e-5);
    }

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(13, 130, 33)]
    [InlineData(4, 0, 3)]
    public void AProductFeedsTwoMoreResults(int m, int k, int n)
    {
        Tensor<float> a = Random(m + k, m, k), b = Random(k + n, k, n);
        RefTensor product = RefTensor.MatMul(RefTensor.From(a), RefTensor.From(b));
        (Tensor<float> p, Tensor<float> relu, Tensor<float> softmax) = TupleKernels.ProductAndActivationsFused(a, b);
        Near(product, p, 1e-5 * (k + 1));
        Near(product.Map(v => Math.Max(v, 0)), relu, 1e-5 * (k + 1));
        RefTensor e = RefTensor.Zip(product, product.Max(), (v, max) => Math.Exp(v - max));
        Near(e / e.Sum(), softmax, 1e-5 * (k + 1));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(17)]
    [InlineData(1031)]
    public void KernelsWithoutShapesThatNeedAxesTakeVectors(int length)
    {
        Tensor<float> x = Random(length, length), y = Random(length + 1, length);
        RefTensor rx = RefTensor.From(x), ry = RefTensor.From(y);

        (Tensor<float> exp, Tensor<float> log) = TupleKernels.ExpAndLogFused(x);
        Near(rx.Map(Math.Exp), exp, 1e-6);
        Near(rx.Map(v => Math.Log(Math.Abs(v) + 1)), log, 1e-6);

        (Tensor<float> probabilities, Tensor<float> largest) = TupleKernels.SoftmaxAndMaxFused(x);
        RefTensor e = RefTensor.Zip(rx, rx.Max(), (v, max) => Math.Exp(v - max));
        Near(e / e.Sum(), probabilities, 1e-6);
        Near(rx.Max(), largest, 0);

        Tensor<float> joined = TupleKernels.JoinedVectorsFused(x, y);
        Near(RefTensor.Concat(0, rx * 2, ry), joined, 0);
        Near(rx * 3 + 1, TupleKernels.HalfOfJoinedVectorsFused(x), 1e-7);

        Tensor<float> dot = TupleKernels.DotFused(x, y);
        Assert.Equal(1, dot.FlattenedLength);
        double expected = Enumerable.Range(0, length).Sum(i => rx.Data[i] * ry.Data[i]);
        Assert.True(Math.Abs(dot.ToArray()[0] - expected) <= 1e-5 * (1 + length), $"{dot.ToArray()[0]} vs {expected}, shape [{string.Join(", ", dot.Lengths.ToArray())}]");
    }

    [Fact]
    public void KernelsWithoutShapesThatNeedAxesRejectOtherRanksAndLengths()
    {
        var e = Assert.Throws<ArgumentException>(() => TupleKernels.DotFused(Random(1, 3), Random(2, 4)));
        Assert.Contains("N is 3 in x but 4 in y", e.Message);
        e = Assert.Throws<ArgumentException>(() => TupleKernels.ExpAndLogFused(Random(3, 2, 3)));
        Assert.Contains("[N]", e.Message);
    }

    [Fact]
    public void AStridedInputIsCopiedOnceForEveryResult()
    {
        // The transpose of a [5, 3] matrix, as a view: its rows are not contiguous.
        float[] memory = Random(7, 5, 3).ToArray();
        var transposed = new ReadOnlyTensorSpan<float>(memory, [3, 5], [1, 3]);
        Tensor<float> dense = Ops.Transpose(Tensor.Create(memory, [5, 3]));
        var mean = new float[3];
        var variance = new float[3];
        TupleKernels.MeanAndVariance(transposed, new TensorSpan<float>(mean, [3, 1]), new TensorSpan<float>(variance, [3, 1]));
        (Tensor<float> expectedMean, Tensor<float> expectedVariance) = TupleKernels.MeanAndVarianceFused(dense);
        Assert.Equal(expectedMean.ToArray(), mean);
        Assert.Equal(expectedVariance.ToArray(), variance);
    }

    [Fact]
    public void AStridedDestinationIsWrittenThroughScratchBesideADenseOne()
    {
        // The centered rows into the first 8 columns of a [4, 11] buffer; the means into a dense [4, 1].
        Tensor<float> x = Random(5, 4, 8);
        (Tensor<float> expectedCentered, Tensor<float> expectedMean) = TupleKernels.CenteredAndMeanFused(x);
        float[] wide = Enumerable.Repeat(-7f, 4 * 11).ToArray();
        var mean = new float[4];
        TupleKernels.CenteredAndMean(x, new TensorSpan<float>(wide, [4, 8], [11, 1]), new TensorSpan<float>(mean, [4, 1]));
        float[] centered = expectedCentered.ToArray();
        for (int r = 0; r < 4; r++)
        {
            Assert.Equal(centered.AsSpan(r * 8, 8).ToArray(), wide.AsSpan(r * 11, 8).ToArray());
            Assert.Equal([-7f, -7f, -7f], wide.AsSpan(r * 11 + 8, 3).ToArray());
        }

        Assert.Equal(expectedMean.ToArray(), mean);
    }

    [Fact]
    public void ResultsMayInterleaveInOneBuffer()
    {
        // Exp and Log into the two columns of a [7, 2] buffer: the destinations' memory interleaves,
        // but no element is shared.
        Tensor<float> x = Random(5, 7);
        float[] buffer = Enumerable.Repeat(-9f, 7 * 2 + 1).ToArray();
        TupleKernels.ExpAndLog(x, new TensorSpan<float>(buffer, [7], [2]), new TensorSpan<float>(buffer.AsSpan(1), [7], [2]));
        (Tensor<float> exp, Tensor<float> log) = TupleKernels.ExpAndLogFused(x);
        for (int i = 0; i < 7; i++)
        {
            Assert.Equal(exp[i], buffer[2 * i]);
            Assert.Equal(log[i], buffer[2 * i + 1]);
        }

        Assert.Equal(-9f, buffer[^1]);
    }

    [Theory]
    [InlineData(1, 3, 5)]
    [InlineData(7, 20, 17)]
    [InlineData(33, 64, 40)]
    public void ResultsWrittenWholeRowsGoIntoTheirColumnsOfOneBuffer(int t, int k, int d)
    {
        // Two projections into the two halves of each row of a [T, 2D + 1] buffer, and softmax and
        // log-softmax likewise: every result written through its own strides, the rest untouched.
        Tensor<float> x = Random(t * 7 + k, t, k), wq = Random(k, k, d), wk = Random(k + 1, k, d);
        (Tensor<float> q, Tensor<float> key) = TupleKernels.TwoProjectionsFused(x, wq, wk);
        AssertWrittenSideBySide(q, key, (first, second) => TupleKernels.TwoProjections(x, wq, wk, first, second));

        Tensor<float> y = Random(d, t, d);
        (Tensor<float> probabilities, Tensor<float> logs) = TupleKernels.SoftmaxAndLogSoftmaxFused(y);
        AssertWrittenSideBySide(probabilities, logs, (first, second) => TupleKernels.SoftmaxAndLogSoftmax(y, first, second));
    }

    [Fact]
    public void AResultReadByALaterResultMayBeAViewToo()
    {
        // The product (read again by Relu and Softmax) and both activations in three column blocks.
        Tensor<float> a = Random(11, 6, 9), b = Random(12, 9, 10);
        (Tensor<float> product, Tensor<float> relu, Tensor<float> softmax) = TupleKernels.ProductAndActivationsFused(a, b);
        float[] buffer = Enumerable.Repeat(-9f, 6 * 31).ToArray();
        TupleKernels.ProductAndActivations(a, b,
            new TensorSpan<float>(buffer, [6, 10], [31, 1]), new TensorSpan<float>(buffer.AsSpan(10), [6, 10], [31, 1]), new TensorSpan<float>(buffer.AsSpan(20), [6, 10], [31, 1]));
        for (int r = 0; r < 6; r++)
        {
            for (int c = 0; c < 10; c++)
            {
                Assert.Equal(product[r, c], buffer[r * 31 + c]);
                Assert.Equal(relu[r, c], buffer[r * 31 + 10 + c]);
                Assert.Equal(softmax[r, c], buffer[r * 31 + 20 + c]);
            }

            Assert.Equal(-9f, buffer[r * 31 + 30]);
        }
    }

    [Fact]
    public void SeparateDestinationsAreTheOnesThatShareNoElement()
    {
        // Random views of one buffer (ranks 1 to 3, rows contiguous or strided, short or longer than
        // a 64-bit word of the bitmap, any offsets; a third of the pairs with the same layout)
        // against the element sets themselves.
        var random = new Random(17);
        var buffer = new float[2400];
        int checkedPairs = 0, sharing = 0;
        for (int trial = 0; trial < 3000; trial++)
        {
            if (!TryView(random, buffer, out int offset1, out nint[] lengths1, out nint[] strides1)
                || !TryView(random, buffer, out int offset2, out nint[] lengths2, out nint[] strides2))
            {
                continue;
            }

            if (trial % 3 == 0)
            {
                // The same layout elsewhere in the buffer, as results side by side are.
                (lengths2, strides2) = (lengths1, strides1);
            }

            bool shared = Elements(offset1, lengths1, strides1).Overlaps(Elements(offset2, lengths2, strides2));
            Exception? error = Record.Exception(() => KernelDsl.Runtime.KernelArguments.RequireSeparateDestinations(
                new TensorSpan<float>(buffer.AsSpan(offset1), lengths1, strides1), "first", new TensorSpan<float>(buffer.AsSpan(offset2), lengths2, strides2), "second"));
            Assert.True(shared == error is ArgumentException, $"offsets {offset1}/{offset2}, lengths [{string.Join(", ", lengths1)}]/[{string.Join(", ", lengths2)}], strides [{string.Join(", ", strides1)}]/[{string.Join(", ", strides2)}]: shared {shared}, error {error}");
            checkedPairs++;
            sharing += shared ? 1 : 0;
        }

        Assert.True(checkedPairs > 1000 && sharing > 100 && checkedPairs - sharing > 100, $"{checkedPairs} pairs, {sharing} sharing");

        // Two rows of 150 floats, 200 apart, from element 5, against four elements 101 or 128 apart
        // from every start around them, in both orders (the first view is marked, the second looked
        // up): often a single shared element, wherever it falls in the bitmap's words.
        HashSet<nint> rowElements = Elements(5, [2, 150], [200, 1]);
        foreach (int spread in new[] { 101, 128 })
        {
            for (int at = 0; at < 420; at++)
            {
                bool shared = rowElements.Overlaps(Elements(at, [4], [spread]));
                Exception? rowsFirst = Record.Exception(() => KernelDsl.Runtime.KernelArguments.RequireSeparateDestinations(
                    new TensorSpan<float>(buffer.AsSpan(5), [2, 150], [200, 1]), "rows", new TensorSpan<float>(buffer.AsSpan(at), [4], [spread]), "spread"));
                Exception? rowsSecond = Record.Exception(() => KernelDsl.Runtime.KernelArguments.RequireSeparateDestinations(
                    new TensorSpan<float>(buffer.AsSpan(at), [4], [spread]), "spread", new TensorSpan<float>(buffer.AsSpan(5), [2, 150], [200, 1]), "rows"));
                Assert.True(shared == rowsFirst is ArgumentException && shared == rowsSecond is ArgumentException, $"{spread} apart from element {at}: {rowsFirst} / {rowsSecond}");
            }
        }
    }

    private static bool TryView(Random random, float[] buffer, out int offset, out nint[] lengths, out nint[] strides)
    {
        int rank = random.Next(1, 4);
        lengths = new nint[rank];
        strides = new nint[rank];
        for (int d = 0; d < rank; d++)
        {
            lengths[d] = random.Next(1, 6);
        }

        if (random.Next(3) == 0)
        {
            lengths[rank - 1] = random.Next(60, 140); // rows across the bitmap's 64-bit words
        }

        strides[rank - 1] = random.Next(3) == 0 ? random.Next(2, 4) : 1;
        for (int d = rank - 2; d >= 0; d--)
        {
            strides[d] = lengths[d + 1] * strides[d + 1] + random.Next(0, 4);
        }

        for (int d = 0; d < rank; d++)
        {
            strides[d] = lengths[d] == 1 ? 0 : strides[d];
        }

        offset = random.Next(0, 200);
        try
        {
            _ = new TensorSpan<float>(buffer.AsSpan(offset), lengths, strides);
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static HashSet<nint> Elements(int offset, nint[] lengths, nint[] strides)
    {
        var set = new HashSet<nint>();
        int count = (int)lengths.Aggregate((nint)1, (p, q) => p * q);
        for (int flat = 0; flat < count; flat++)
        {
            set.Add(offset + TensorTestExtensions.StridedOffset(flat, lengths, strides));
        }

        return set;
    }

    private delegate void IntoViews(TensorSpan<float> first, TensorSpan<float> second);

    private static void AssertWrittenSideBySide(Tensor<float> first, Tensor<float> second, IntoViews kernel)
    {
        int rows = (int)first.Lengths[0], columns = (int)first.Lengths[1], stride = 2 * columns + 1;
        float[] buffer = Enumerable.Repeat(-9f, rows * stride).ToArray();
        nint[] strides = [rows == 1 ? 0 : stride, 1];
        kernel(new TensorSpan<float>(buffer, [rows, columns], strides), new TensorSpan<float>(buffer.AsSpan(columns), [rows, columns], strides));
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < columns; c++)
            {
                Assert.Equal(first[r, c], buffer[r * stride + c]);
                Assert.Equal(second[r, c], buffer[r * stride + columns + c]);
            }

            Assert.Equal(-9f, buffer[r * stride + 2 * columns]);
        }
    }

    [Fact]
    public void ResultsMayShareABufferColumnByColumn()
    {
        // The centered rows in columns 0..7 of a [4, 9] buffer and their means in column 8.
        Tensor<float> x = Random(3, 4, 8);
        float[] buffer = Enumerable.Repeat(-9f, 4 * 9).ToArray();
        TupleKernels.CenteredAndMean(x, new TensorSpan<float>(buffer, [4, 8], [9, 1]), new TensorSpan<float>(buffer.AsSpan(8), [4, 1], [9, 0]));
        (Tensor<float> centered, Tensor<float> mean) = TupleKernels.CenteredAndMeanFused(x);
        for (int r = 0; r < 4; r++)
        {
            for (int c = 0; c < 8; c++)
            {
                Assert.Equal(centered[r, c], buffer[r * 9 + c]);
            }

            Assert.Equal(mean[r, 0], buffer[r * 9 + 8]);
        }
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(3, 17)]
    [InlineData(0, 5)]
    [InlineData(2, 0)]
    [InlineData(5, 1031)] // rows long enough for the output pass to align its stores, with a tail
    [InlineData(2, 528)]
    public void ResultsSharingARowGroupMatchTheReference(int rows, int columns)
    {
        Tensor<float> x = Random(rows * 13 + columns, rows, columns);
        RefTensor rx = RefTensor.From(x);
        RefTensor shifted = rx - rx.Max();
        RefTensor exp = shifted.Map(Math.Exp);
        RefTensor softmax = exp / exp.Sum();

        (Tensor<float> scaled, Tensor<float> probabilities) = TupleKernels.ScaledAndSoftmaxFused(x);
        Near(rx * 2, scaled, 1e-6);
        Near(softmax, probabilities, 1e-5);
        (Tensor<float> probabilities2, Tensor<float> logs) = TupleKernels.SoftmaxAndLogSoftmaxFused(x);
        Near(softmax, probabilities2, 1e-5);
        Near(shifted - exp.Sum().Map(Math.Log), logs, 1e-5);

        Tensor<float> gamma = Random(columns + 1, columns), beta = Random(columns + 2, columns);
        RefTensor mean = rx.Mean();
        RefTensor centered = rx - mean;
        RefTensor inverse = (centered * centered).Mean().Map(v => 1 / Math.Sqrt(v + 1e-5));
        (Tensor<float> normalized, Tensor<float> m, Tensor<float> inv) = TupleKernels.LayerNormWithStatisticsFused(x, gamma, beta);
        Near(centered * inverse * RefTensor.From(gamma) + RefTensor.From(beta), normalized, 1e-4);
        Near(mean, m, 1e-5);
        Near(inverse, inv, 1e-4);

        // The eager bodies agree.
        (Tensor<float> eagerNormalized, Tensor<float> eagerMean, Tensor<float> eagerInverse) = TupleKernels.LayerNormWithStatistics(x, gamma, beta);
        Near(RefTensor.From(eagerNormalized), normalized, 1e-4);
        Near(RefTensor.From(eagerMean), m, 1e-5);
        Near(RefTensor.From(eagerInverse), inv, 1e-4);
    }

    [Fact]
    public void ResultsSharingARowGroupGoIntoTheirColumnsOfOneBuffer()
    {
        // The normalized rows, the means and the inverse deviations side by side in a [6, 1031 + 2 + 1]
        // buffer (the per-row values in the two columns after the rows), and the scaled input and its
        // softmax in the two halves of another: each written through its own strides, the rest untouched.
        const int rows = 6, columns = 1031, stride = columns + 3;
        Tensor<float> x = Random(9, rows, columns), gamma = Random(10, columns), beta = Random(11, columns);
        (Tensor<float> normalized, Tensor<float> mean, Tensor<float> inverse) = TupleKernels.LayerNormWithStatisticsFused(x, gamma, beta);
        float[] buffer = Enumerable.Repeat(-9f, rows * stride).ToArray();
        TupleKernels.LayerNormWithStatistics(x, gamma, beta,
            new TensorSpan<float>(buffer, [rows, columns], [stride, 1]),
            new TensorSpan<float>(buffer.AsSpan(columns), [rows, 1], [stride, 0]),
            new TensorSpan<float>(buffer.AsSpan(columns + 1), [rows, 1], [stride, 0]));
        for (int r = 0; r < rows; r++)
        {
            Assert.Equal(normalized.ToArray().AsSpan(r * columns, columns).ToArray(), buffer.AsSpan(r * stride, columns).ToArray());
            Assert.Equal(mean[r, 0], buffer[r * stride + columns]);
            Assert.Equal(inverse[r, 0], buffer[r * stride + columns + 1]);
            Assert.Equal(-9f, buffer[r * stride + columns + 2]);
        }

        (Tensor<float> scaled, Tensor<float> probabilities) = TupleKernels.ScaledAndSoftmaxFused(x);
        AssertWrittenSideBySide(scaled, probabilities, (first, second) => TupleKernels.ScaledAndSoftmax(x, first, second));
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(5, 3)]
    [InlineData(40, 17)]
    public void AScratchValueWrittenOverTheBufferItReadsKeepsItsInputs(int t, int d)
    {
        Tensor<float> q = Random(t + d, t, d), k = Random(t + d + 1, t, d);
        RefTensor scores = RefTensor.MatMul(RefTensor.From(q), RefTensor.From(k).Transpose(1, 0));
        RefTensor e = RefTensor.Zip(scores, scores.Max(), (a, m) => Math.Exp(a - m));
        (Tensor<float> mixed, Tensor<float> doubled) = TupleKernels.MixedScoresFused(q, k);
        Near((e / e.Sum() + scores).Transpose(1, 0), mixed, 1e-5 * (1 + d));
        Near(RefTensor.From(q) * 2, doubled, 1e-6);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(17)]
    [InlineData(1031)]
    public void ResultsThatWouldNeedMoreOperandSlotsKeepAGroupEach(int length)
    {
        Tensor<float>[] inputs = Enumerable.Range(0, 8).Select(i => Random(length + i, length)).ToArray();
        (Tensor<float> sum, Tensor<float> product) = TupleKernels.EightInputsFused(inputs[0], inputs[1], inputs[2], inputs[3], inputs[4], inputs[5], inputs[6], inputs[7]);
        RefTensor expected = inputs.Skip(1).Aggregate(RefTensor.From(inputs[0]), (total, input) => total + RefTensor.From(input));
        Near(expected, sum, 1e-5);
        Near(RefTensor.From(inputs[0]) * RefTensor.From(inputs[1]), product, 1e-6);
    }

    [Fact]
    public void DestinationsMustNotOverlapInputsOrEachOther()
    {
        float[] memory = Random(1, 4, 8).ToArray();
        var e = Assert.Throws<ArgumentException>(() => TupleKernels.CenteredAndMean(new ReadOnlyTensorSpan<float>(memory, [4, 8]), new TensorSpan<float>(memory, [4, 8]), new TensorSpan<float>(new float[4], [4, 1])));
        Assert.Contains("'x' overlaps 'destination1'", e.Message);

        var shared = new float[8];
        e = Assert.Throws<ArgumentException>(() => TupleKernels.MeanAndVariance(new ReadOnlyTensorSpan<float>(memory, [4, 8]), new TensorSpan<float>(shared, [4, 1]), new TensorSpan<float>(shared, [4, 1])));
        Assert.Contains("'destination1' and 'destination2' share elements", e.Message);

        // Strided destinations whose memory interleaves: an error only where they share an element.
        Tensor<float> x = Random(2, 7);
        var buffer = new float[64];
        e = Assert.Throws<ArgumentException>(() => TupleKernels.ExpAndLog(x, new TensorSpan<float>(buffer, [7], [2]), new TensorSpan<float>(buffer, [7], [3])));
        Assert.Contains("'destination1' and 'destination2' share elements", e.Message);
        e = Assert.Throws<ArgumentException>(() => TupleKernels.ExpAndLog(x, new TensorSpan<float>(buffer, [7], [2]), new TensorSpan<float>(buffer.AsSpan(12), [7], [2])));
        Assert.Contains("'destination1' and 'destination2' share elements", e.Message);
        TupleKernels.ExpAndLog(x, new TensorSpan<float>(buffer, [7], [4]), new TensorSpan<float>(buffer.AsSpan(2), [7], [4]));
    }
}
