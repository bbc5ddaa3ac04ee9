using System;
using System.Collections.Generic;
using KernelDsl.Runtime;
using Xunit;

namespace KernelDsl.Tests;

/// <summary>The runtime's in-place reduction over a non-last axis: results, special values and bad arguments.</summary>
[Collection(KernelOptionsCollection.Name)]
public sealed class AxisReductionTests
{
    [Fact]
    public void ColumnSumsOfASmallMatrix()
    {
        float[] source = [0, 1, 2, 3, 4, 5]; // [2, 3]; its transpose [3, 2] reduced along the last axis
        var destination = new float[3];
        AxisReduction.Sum(source, [3, 2], [1, 3], destination);
        Assert.Equal([3f, 5, 7], destination);
        AxisReduction.Mean(source, [3, 2], [1, 3], destination);
        Assert.Equal([1.5f, 2.5f, 3.5f], destination);
        AxisReduction.Max(source, [3, 2], [1, 3], destination);
        Assert.Equal([3f, 4, 5], destination);
        AxisReduction.Min(source, [3, 2], [1, 3], destination);
        Assert.Equal([0f, 1, 2], destination);
        AxisReduction.Prod(source, [3, 2], [1, 3], destination);
        Assert.Equal([0f, 4, 10], destination);
    }

    [Fact]
    public void SweepMatchesTheEagerOrderBitForBit()
    {
        Mismatches.AssertNone(AxisReductionSweep.Run());
    }

    [Fact]
    public void SweepMatchesAcrossCores()
    {
        Mismatches.AssertNoneAcrossCores(AxisReductionSweep.Run);
    }

    /// <summary>NaN wins wherever it appears; -0 and +0 are ordered as <c>MathF.Max</c> orders them; infinities pass through.</summary>
    [Fact]
    public void SpecialValuesFollowTheEagerReductions()
    {
        const int rows = 9, columns = 37;
        var source = new float[rows * columns];
        for (int i = 0; i < source.Length; i++)
        {
            source[i] = (i % 7) - 3;
        }

        source[5 * columns + 3] = float.NaN;      // column 3, row 5: NaN after ordinary values
        source[0 * columns + 20] = float.NaN;     // column 20, first row
        source[8 * columns + 36] = float.NaN;     // the last column's tail lane, last row
        for (int r = 0; r < rows; r++)
        {
            source[r * columns + 10] = r % 2 == 0 ? -0f : 0f; // mixed zeros
            source[r * columns + 11] = -0f;                    // only -0
            source[r * columns + 12] = r == 4 ? float.PositiveInfinity : 1f;
        }

        foreach (string reduction in new[] { "Sum", "Mean", "Prod", "Max", "Min" })
        {
            float[] expected = AxisReductionSweep.Reference(reduction, source, [columns, rows], [1, columns]);
            var actual = new float[columns];
            AxisReductionSweep.Reduce(reduction, source, [columns, rows], [1, columns], actual);
            for (int c = 0; c < columns; c++)
            {
                Assert.True(BitConverter.SingleToInt32Bits(expected[c]) == BitConverter.SingleToInt32Bits(actual[c]) || float.IsNaN(expected[c]) && float.IsNaN(actual[c]),
                    $"{reduction} column {c}: expected {expected[c]}, got {actual[c]}");
            }
        }

        var max = new float[columns];
        AxisReduction.Max(source, [columns, rows], [1, columns], max);
        Assert.True(float.IsNaN(max[3]) && float.IsNaN(max[20]) && float.IsNaN(max[36]));
        Assert.Equal(0f, max[10]);
        Assert.False(float.IsNegative(max[10])); // +0 above -0
        Assert.True(float.IsNegative(max[11]));  // only -0 seen
        Assert.Equal(float.PositiveInfinity, max[12]);
    }

    /// <summary>A reduction taken in pieces along the reduced axis (continuing from the destination) equals the whole reduction bit for bit.</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(16)]
    public void PiecesContinueWhereThePreviousStopped(int piece)
    {
        const int rows = 37, columns = 70;
        var random = new Random(piece);
        float[] source = new float[rows * columns];
        for (int i = 0; i < source.Length; i++)
        {
            source[i] = (float)(random.NextDouble() * 2 - 0.5);
        }

        foreach (string reduction in new[] { "Sum", "Prod", "Max", "Min" })
        {
            float[] whole = new float[columns], pieces = new float[columns];
            AxisReductionSweep.Reduce(reduction, source, [columns, rows], [1, columns], whole);
            for (int first = 0; first < rows; first += piece)
            {
                int count = Math.Min(piece, rows - first);
                ReadOnlySpan<float> rowsOfPiece = source.AsSpan(first * columns, count * columns);
                switch (reduction)
                {
                    case "Sum": AxisReduction.Sum(rowsOfPiece, [columns, count], [1, columns], pieces, continuing: first > 0); break;
                    case "Prod": AxisReduction.Prod(rowsOfPiece, [columns, count], [1, columns], pieces, continuing: first > 0); break;
                    case "Max": AxisReduction.Max(rowsOfPiece, [columns, count], [1, columns], pieces, continuing: first > 0); break;
                    default: AxisReduction.Min(rowsOfPiece, [columns, count], [1, columns], pieces, continuing: first > 0); break;
                }
            }

            Assert.Equal(whole, pieces);
        }

        float[] sums = new float[columns], means = new float[columns];
        AxisReduction.Sum(source, [columns, rows], [1, columns], sums);
        AxisReduction.DivideSums(sums, columns, rows);
        AxisReduction.Mean(source, [columns, rows], [1, columns], means);
        Assert.Equal(means, sums);
        Assert.Throws<ArgumentOutOfRangeException>(() => AxisReduction.DivideSums(sums, columns, -1));
    }

    [Fact]
    public void EmptyAxesGiveTheIdentityAndEmptyResultsWriteNothing()
    {
        var destination = new float[4];
        AxisReduction.Sum(ReadOnlySpan<float>.Empty, [4, 0], [1, 4], destination);
        Assert.Equal(new float[4], destination);
        AxisReduction.Prod(ReadOnlySpan<float>.Empty, [4, 0], [1, 4], destination);
        Assert.Equal([1f, 1, 1, 1], destination);
        AxisReduction.Max(ReadOnlySpan<float>.Empty, [4, 0], [1, 4], destination);
        Assert.All(destination, v => Assert.Equal(float.NegativeInfinity, v));
        AxisReduction.Min(ReadOnlySpan<float>.Empty, [4, 0], [1, 4], destination);
        Assert.All(destination, v => Assert.Equal(float.PositiveInfinity, v));
        AxisReduction.Mean(ReadOnlySpan<float>.Empty, [4, 0], [1, 4], destination);
        Assert.All(destination, v => Assert.True(float.IsNaN(v)));

        float[] untouched = [7f];
        AxisReduction.Sum(new float[5], [0, 5], [1, 0], untouched);
        Assert.Equal(7f, untouched[0]);
    }

    [Fact]
    public void StridesOutsideTheBuffersAreRejected()
    {
        var e = Assert.Throws<ArgumentException>(() => AxisReduction.Sum(new float[5], [3, 2], [1, 3], new float[3]));
        Assert.Contains("addresses element 5 of a source of 5", e.Message);
        e = Assert.Throws<ArgumentException>(() => AxisReduction.Sum(new float[6], [3, 2], [1, 3], new float[2]));
        Assert.Contains("writes 3 elements to a destination of 2", e.Message);
        Assert.Throws<ArgumentException>(() => AxisReduction.Sum(new float[6], [3, 2], [1], new float[3]));
        Assert.Throws<ArgumentException>(() => AxisReduction.Sum(new float[6], [], [], new float[3]));
        Assert.Throws<ArgumentOutOfRangeException>(() => AxisReduction.Sum(new float[6], [3, 2], [-1, 3], new float[3]));
        Assert.Throws<ArgumentOutOfRangeException>(() => AxisReduction.Sum(new float[6], [-3, 2], [1, 3], new float[3]));
    }
}

/// <summary>
/// Reductions of strided views through <see cref="AxisReduction"/>, against a reference that
/// combines each element in the eager order (from the identity, along the reduced axis) in float32:
/// the runtime must agree bit for bit. Shapes cover the column blocks' edges (one past a vector,
/// the 64-column minimum, the 2048-column blocks), the four-row sweeps (1 to 9 rows reduced), odd
/// outer axes, sliced rows and views whose rows are not contiguous (the element-by-element path).
/// </summary>
public static class AxisReductionSweep
{
    private static readonly string[] Reductions = ["Sum", "Mean", "Prod", "Max", "Min"];

    public static List<string> Run()
    {
        var failures = new List<string>();
        var random = new Random(11);
        int[] columnSizes = [1, 2, 15, 16, 17, 31, 33, 63, 64, 65, 129, 2047, 2048, 2049, 4100];
        int[] reducedSizes = [1, 2, 3, 4, 5, 8, 9, 31];
        int trial = 0;
        foreach (int columns in columnSizes)
        {
            foreach (int reduced in reducedSizes)
            {
                string reduction = Reductions[trial++ % Reductions.Length];

                // A dense [reduced, columns] matrix reduced over its rows: the view [columns, reduced].
                Check(failures, random, reduction, [columns, reduced], [1, columns], 0, $"[{reduced}, {columns}] over axis 0");
            }
        }

        // Outer axes: [A, R, C] over axis 1 and [R, A, C] over axis 0, with a source offset (a slice).
        Check(failures, random, "Sum", [3, 130, 7], [7 * 130, 1, 130], 0, "[3, 7, 130] over axis 1");
        Check(failures, random, "Max", [5, 17, 6], [17, 1, 5 * 17], 3, "[6, 5, 17] over axis 0, offset 3");
        Check(failures, random, "Mean", [2, 3, 33, 4], [3 * 4 * 33, 4 * 33, 1, 33], 0, "[2, 3, 4, 33] over axis 2");

        // Rows of a wider matrix (a slice of columns 2..37 of [11, 50]).
        Check(failures, random, "Sum", [35, 11], [1, 50], 2, "columns 2..37 of [11, 50] over axis 0");

        // Large: several column blocks and enough work to split across cores.
        Check(failures, random, "Sum", [3000, 700], [1, 3000], 0, "[700, 3000] over axis 0");
        Check(failures, random, "Min", [2, 1030, 600], [1030 * 600, 1, 1030], 0, "[2, 600, 1030] over axis 1");

        // Views whose rows are not contiguous: element by element.
        Check(failures, random, "Sum", [6, 5], [5, 1], 0, "rows of [6, 5] (a contiguous reduced axis)");
        Check(failures, random, "Prod", [4, 3, 5], [1, 20, 4], 0, "[4, 3, 5] with its rows strided");
        Check(failures, random, "Max", [7], [1], 0, "a vector reduced to a scalar");
        Check(failures, random, "Sum", [9, 1, 4], [4, 1, 36], 0, "[.., 1, ..]: a one-column row");
        return failures;
    }

    private static void Check(List<string> failures, Random random, string reduction, nint[] lengths, nint[] strides, int offset, string what)
    {
        nint last = offset;
        for (int d = 0; d < lengths.Length; d++)
        {
            last += (lengths[d] - 1) * strides[d];
        }

        var source = new float[last + 1];
        for (int i = 0; i < source.Length; i++)
        {
            source[i] = reduction == "Prod" ? (float)(0.5 + random.NextDouble()) : (float)(random.NextDouble() * 2 - 1);
        }

        float[] expected = Reference(reduction, source.AsSpan(offset).ToArray(), lengths, strides);
        var actual = new float[expected.Length + 1];
        actual[^1] = 12345f; // a guard past the end
        Reduce(reduction, source.AsSpan(offset), lengths, strides, actual.AsSpan(0, expected.Length));
        for (int i = 0; i < expected.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
            {
                failures.Add($"AxisReduction.{reduction} of {what}: element {i} is {actual[i]:R}, expected {expected[i]:R}");
                return;
            }
        }

        if (actual[^1] != 12345f)
        {
            failures.Add($"AxisReduction.{reduction} of {what}: wrote past the destination");
        }
    }

    public static void Reduce(string reduction, ReadOnlySpan<float> source, nint[] lengths, nint[] strides, Span<float> destination)
    {
        switch (reduction)
        {
            case "Sum": AxisReduction.Sum(source, lengths, strides, destination); break;
            case "Mean": AxisReduction.Mean(source, lengths, strides, destination); break;
            case "Prod": AxisReduction.Prod(source, lengths, strides, destination); break;
            case "Max": AxisReduction.Max(source, lengths, strides, destination); break;
            default: AxisReduction.Min(source, lengths, strides, destination); break;
        }
    }

    /// <summary>Element by element, from the identity along the reduced (last) axis, as <c>Ops.Sum</c> and its kin do.</summary>
    public static float[] Reference(string reduction, float[] source, nint[] lengths, nint[] strides)
    {
        int rank = lengths.Length;
        nint count = 1;
        for (int d = 0; d < rank - 1; d++)
        {
            count *= lengths[d];
        }

        var result = new float[count];
        var index = new nint[Math.Max(rank - 1, 1)];
        for (nint i = 0; i < count; i++)
        {
            nint offset = 0;
            for (int d = 0; d < rank - 1; d++)
            {
                offset += index[d] * strides[d];
            }

            float acc = reduction switch { "Prod" => 1f, "Max" => float.NegativeInfinity, "Min" => float.PositiveInfinity, _ => 0f };
            for (nint k = 0; k < lengths[rank - 1]; k++)
            {
                float v = source[offset + k * strides[rank - 1]];
                acc = reduction switch { "Prod" => acc * v, "Max" => MathF.Max(acc, v), "Min" => MathF.Min(acc, v), _ => acc + v };
            }

            result[i] = reduction == "Mean" ? acc / lengths[rank - 1] : acc;
            for (int d = rank - 2; d >= 0 && ++index[d] == lengths[d]; d--)
            {
                index[d] = 0;
            }
        }

        return result;
    }
}
