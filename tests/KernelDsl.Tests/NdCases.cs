using System;
using System.Collections.Generic;
using System.Linq;

namespace KernelDsl.Tests;

/// <summary>
/// One N-d kernel of <see cref="NdTestKernels"/> with its float64 reference (on <see cref="RefTensor"/>)
/// and tolerance: |r - e| ≤ absolute + relative·|e|, where absolute is multiplied by the size of
/// <paramref name="ScaleSymbol"/> when set (a sum of K products errs in proportion to K).
/// </summary>
public sealed record NdCase(
    string Kernel,
    Func<RefTensor[], float[], RefTensor> Reference,
    double Relative,
    double Absolute,
    string? ScaleSymbol = null,
    float[]? Scalars = null,
    double Low = -1,
    double High = 1,
    int[][]? Sizes = null,
    int[][]? ExtraSizes = null)
{
    public override string ToString() => Kernel;
}

/// <summary>The N-d differential table.</summary>
public static class NdCases
{
    private const double Elementwise = 5e-7;

    private static double Gelu(double x) => 0.5 * x * (1 + Erf(x / Math.Sqrt(2)));

    /// <summary>erf by its Taylor series for |x| ≤ 3 and 1 - erfc by the continued fraction beyond.</summary>
    private static double Erf(double x)
    {
        if (Math.Abs(x) > 3)
        {
            double a = Math.Abs(x), fraction = 0;
            for (int n = 80; n >= 1; n--)
            {
                fraction = n / 2.0 / (a + fraction);
            }

            double erfc = Math.Exp(-a * a) / Math.Sqrt(Math.PI) / (a + fraction);
            return Math.Sign(x) * (1 - erfc);
        }

        double sum = 0, term = x;
        for (int n = 0; n < 200 && Math.Abs(term) > 1e-17; n++)
        {
            term = n == 0 ? x : term * -x * x / n;
            sum += term / (2 * n + 1);
        }

        return 2 / Math.Sqrt(Math.PI) * sum;
    }

    private static RefTensor LayerNorm(RefTensor x, RefTensor gamma, RefTensor beta)
    {
        RefTensor centered = x - x.Mean();
        RefTensor variance = (centered * centered).Mean();
        return centered / variance.Map(v => Math.Sqrt(v + 1e-5)) * gamma + beta;
    }

    private static RefTensor LogSoftmax(RefTensor x)
    {
        RefTensor shifted = RefTensor.Zip(x, x.Max(), (a, m) => a - m);
        return shifted - shifted.Map(Math.Exp).Sum().Map(Math.Log);
    }

    private static RefTensor Softmax(RefTensor x)
    {
        RefTensor e = RefTensor.Zip(x, x.Max(), (a, m) => Math.Exp(a - m));
        return e / e.Sum();
    }

    /// <summary>
    /// [B, N] rows at and past the 16 KiB up to which the row runner prefetches the next row, for the
    /// multi-pass row kernels (run after <see cref="SizeRows"/>).
    /// </summary>
    private static readonly int[][] LongRows = [[3, 4096], [2, 4097], [2, 5003]];

    /// <summary>[B, N] with rows past the in-place column reduction's 2048-column blocks, and many rows.</summary>
    private static readonly int[][] WideColumns = [[37, 2049], [3, 4100], [1000, 33]];

    /// <summary>[B, N] whose product is reduced over B in several pieces (see <c>AxisReduction.StreamedRows</c>), including slices larger than a piece.</summary>
    private static readonly int[][] StreamedPieces = [[5000, 33], [3, 70000], [0, 7]];

    public static readonly IReadOnlyList<NdCase> All =
    [
        new("AddBias", (t, _) => t[0] + t[1], Elementwise, 1e-7),
        new("BroadcastBothWays", (t, _) => t[0] * t[1] + t[2] - t[1] * t[2], 1e-6, 1e-7),
        new("Rank3Broadcast", (t, s) => t[0].Map(v => Math.Exp(v * s[0])) + t[1], 2e-6, 3e-7, Scalars: [0.7f]),
        new("RowSumSquares", (t, _) => (t[0] * t[0]).Sum(keepDims: false), 2e-5, 1e-7),
        new("CenterRows", (t, _) => t[0] - t[0].Mean(), 2e-5, 2e-6),
        new("RowMaxMinusMin", (t, _) => t[0].Max() - t[0].Min(), 6e-8, 0),
        new("RowProd", (t, _) => t[0].Prod(keepDims: false) * 2, 2e-5, 1e-30, Low: 0.9, High: 1.1),
        new("FullSum", (t, _) => t[0].Map(Math.Abs).Sum(keepDims: false), 2e-5, 1e-7),
        new("ColumnSums", (t, _) => t[0].Transpose().Sum(keepDims: false), 2e-5, 1e-7, ScaleSymbol: "B", ExtraSizes: WideColumns),
        new("CenterColumns", (t, _) => t[0] - t[0].Transpose().Mean().Transpose(), 2e-5, 2e-6),
        new("ColumnRange", (t, _) => t[0].Transpose().Max().Transpose() - t[0].Transpose().Min().Transpose(), Elementwise, 0, ExtraSizes: WideColumns),
        new("ColumnProd", (t, _) => t[0].Transpose().Prod(keepDims: false), 1e-5, 1e-30, Low: 0.9, High: 1.1),
        new("BatchVariance", (t, _) => (t[0] * t[0]).Transpose().Mean(keepDims: false) - t[0].Transpose().Mean(keepDims: false) * t[0].Transpose().Mean(keepDims: false), 2e-5, 2e-6, ExtraSizes: WideColumns),
        new("SlicedRowsColumnMax", (t, _) => t[0].Slice(0, 1, 3).Transpose().Max(keepDims: false), 0, 0),
        new("SlicedColumnSums", (t, _) => t[0].Slice(1, 2, 3).Transpose().Sum(keepDims: false), 2e-5, 1e-7, ScaleSymbol: "B"),
        new("WeightedColumnSums", (t, _) => (t[0].Map(v => Math.Exp(v - 1)) * t[1]).Transpose().Sum(keepDims: false) + 1, 2e-5, 1e-7, ScaleSymbol: "B", ExtraSizes: StreamedPieces),
        new("FirstAxisMeanOfSquares", (t, _) => (t[0] * t[0]).Transpose(1, 2, 0).Mean().Transpose(2, 0, 1), 2e-5, 1e-7),
        new("RotatedRowSums", (t, _) => t[0].Transpose(2, 0, 1).Sum(keepDims: false), 2e-5, 1e-7, ScaleSymbol: "B"),
        new("ColumnSumsOfProductTerms", (t, _) => RefTensor.MatMul(t[0], t[1]).Map(v => v + Math.Exp(v)).Transpose().Sum(keepDims: false), 2e-5, 2e-6, ScaleSymbol: "B", ExtraSizes: [[3000, 5, 40]]),
        new("MiddleAxisMean", (t, _) => t[0].Transpose(0, 2, 1).Mean(keepDims: false), 2e-5, 1e-6),
        new("FirstAxisMaxRank3", (t, _) => t[0].Transpose(1, 2, 0).Max(keepDims: false) + t[1], Elementwise, 1e-7),
        new("RowSumsPlusBias", (t, _) => t[0].Sum(keepDims: false) + t[1], 2e-5, 1e-6),
        new("SquareMinusRowMeans", (t, _) => t[0] - t[0].Mean(keepDims: false), 2e-5, 2e-6),
        new("SumOfScaledRowSums", (t, _) => (t[0].Sum(keepDims: false) * 2).Sum(keepDims: false), 2e-5, 1e-6),
        new("SumOuterAxes", (t, _) => (t[0] * t[0]).Sum(keepDims: false).Transpose().Sum(keepDims: false), 2e-5, 1e-6),
        new("MaxInnerAxes", (t, _) => t[0].Max().Transpose(0, 2, 1).Max().Transpose(0, 2, 1) * 2, 0, 0),
        new("SoftmaxRows", (t, _) => Softmax(t[0]), 2e-5, 1e-8, Low: -8, High: 8, ExtraSizes: LongRows),
        new("LogSoftmaxRank3", (t, _) => RefTensor.Zip(t[0], t[0].Max(), (a, m) => a - m) - RefTensor.Zip(t[0], t[0].Max(), (a, m) => Math.Exp(a - m)).Sum().Map(Math.Log), 2e-5, 2e-6, Low: -8, High: 8),
        new("LayerNormRows", (t, _) => LayerNorm(t[0], t[1], t[2]), 1e-4, 2e-5, ExtraSizes: LongRows),
        new("RmsNormRows", (t, _) => t[0] / (t[0] * t[0]).Mean().Map(v => Math.Sqrt(v + 1e-5)) * t[1], 1e-4, 2e-5),
        new("MatMulPlain", (t, _) => RefTensor.MatMul(t[0], t[1]), 1e-5, 5e-7, ScaleSymbol: "K"),
        new("Dense", (t, _) => (RefTensor.MatMul(t[0], t[1]) + t[2]).Map(v => Math.Max(v, 0)), 1e-5, 5e-7, ScaleSymbol: "K"),
        new("BatchedMatMul", (t, _) => RefTensor.MatMul(t[0], t[1]), 1e-5, 5e-7, ScaleSymbol: "K"),
        new("DenseTokens", (t, _) => (RefTensor.MatMul(t[0], t[1]) + t[2]).Map(v => Math.Max(v, 0)), 1e-5, 5e-7, ScaleSymbol: "K",
            ExtraSizes: [[7, 1, 33, 65], [64, 3, 50, 40]]), // one token (a span gives its dimension stride 0); batches folded into rows of one product
        new("BroadcastBatchMatMul", (t, _) => (RefTensor.MatMul(t[0], t[1]) * t[2]).Map(Math.Tanh), 1e-5, 5e-7, ScaleSymbol: "K"),
        new("TransposedOperands", (t, _) => RefTensor.MatMul(t[0].Transpose(), t[1].Transpose()), 1e-5, 5e-7, ScaleSymbol: "K"),
        new("Attention", (t, s) => RefTensor.MatMul(Softmax(RefTensor.MatMul(t[0], t[1].Transpose()) * s[0]), t[2]), 2e-5, 5e-7, ScaleSymbol: "T", Scalars: [0.35f]),
        new("ResidualMlp", (t, _) => t[0] + (RefTensor.MatMul((RefTensor.MatMul(t[0], t[1]) + t[2]).Map(Gelu), t[3]) + t[4]), 2e-5, 1e-6, ScaleSymbol: "D"),
        new("EinsumBatched", (t, _) => RefTensor.MatMul(t[0], t[1]), 1e-5, 5e-7, ScaleSymbol: "K"),
        new("EinsumScores", (t, _) => RefTensor.MatMul(t[0], t[1].Transpose()) * 0.5, 1e-5, 5e-7, ScaleSymbol: "D",
            Sizes: [[1, 1, 1, 1, 1], [2, 3, 5, 4, 7], [0, 2, 3, 4, 5], [2, 1, 0, 3, 4], [2, 3, 17, 33, 9], [1, 2, 67, 16, 65]]),
        new("EinsumTokens", (t, _) => RefTensor.MatMul(t[0], t[1]), 1e-5, 5e-7, ScaleSymbol: "K"),
        new("EinsumPerHeadWeights", (t, _) => RefTensor.MatMul(t[0], t[1]).Transpose(1, 0, 2), 1e-5, 5e-7, ScaleSymbol: "K"),
        new("EinsumOuterBatches", (t, _) => RefTensor.MatMul(t[0].Map(v => Math.Max(v, 0)).Reshape(t[0].Shape[0], 1, t[0].Shape[1], t[0].Shape[2]), t[1]), 1e-5, 5e-7, ScaleSymbol: "K"),
        new("EinsumPairScores", (t, _) => RefTensor.MatMul(t[0].Reshape(t[0].Shape[0], 1, t[0].Shape[1], t[0].Shape[2]), t[1].Transpose(0, 2, 1)).Transpose(0, 2, 1, 3) + 1, 1e-5, 5e-7, ScaleSymbol: "K"),
        new("QueryScores", (t, _) => RefTensor.MatMul(t[0], t[1].Transpose()) * 0.5 + t[2], 1e-5, 5e-7, ScaleSymbol: "D",
            Sizes: [[1, 1, 1, 1], [3, 1, 17, 33], [2, 4, 64, 130], [5, 3, 7, 0], [2, 2, 0, 9], [4, 5, 16, 40], [1, 1, 130, 1031]]),
        new("EinsumTransposedOutput", (t, _) => RefTensor.MatMul(t[0], t[1]).Transpose(), 1e-5, 5e-7, ScaleSymbol: "K"),
        new("SliceColumns", (t, _) => Softmax(t[0].Slice(1, 2, 3)) + t[1], 2e-5, 1e-7),
        new("SliceRowsIntoMatMul", (t, _) => RefTensor.MatMul(t[0].Slice(0, 1, 4), t[1].Transpose()), 1e-5, 5e-7, ScaleSymbol: "K"),
        new("SliceCopy", (t, _) => t[0].Transpose().Slice(0, 1, 3), 0, 0),
        new("HeadSoftmax", (t, _) => Softmax(t[0].Reshape(t[0].Shape[0], t[0].Shape[1], 3, 4)), 2e-5, 1e-8),
        new("FlattenIntoMatMul", (t, _) => RefTensor.MatMul(t[0].Reshape(t[0].Shape[0], 16), t[1]), 1e-5, 1e-5),
        new("ReshapeOfExpression", (t, _) => ((t[0] * 2).Reshape(t[0].Shape[0], 2, 3).Transpose() + 1), 1e-7, 0),
        new("MergeHeads", (t, _) => t[0].Reshape(t[0].Shape[0], t[0].Shape[1], t[0].Shape[2] * t[0].Shape[3]) * t[1], Elementwise, 0),
        new("MergeHeadsProjection", (t, _) =>
        {
            int[] s = t[0].Shape; // [B, H, T, D]
            return RefTensor.MatMul(t[0].Transpose(0, 2, 1, 3).Reshape(s[0], s[2], s[1] * s[3]), t[1]);
        }, 1e-5, 5e-7, ScaleSymbol: "H"),
        new("MultiHeadAttention", (t, s) =>
        {
            int[] shape = t[0].Shape; // [B, H, T, D]
            RefTensor heads = RefTensor.MatMul(Softmax(RefTensor.MatMul(t[0], t[1].Transpose()) * s[0]), t[2]);
            return RefTensor.MatMul(heads.Transpose(0, 2, 1, 3).Reshape(shape[0], shape[2], shape[1] * shape[3]), t[3]);
        }, 2e-5, 1e-6, ScaleSymbol: "H", Scalars: [0.35f], Sizes: [[1, 1, 1, 1, 1], [2, 3, 5, 4, 7], [0, 2, 3, 4, 5], [2, 0, 3, 4, 5], [2, 3, 17, 33, 9], [1, 4, 67, 16, 65]]),
        new("NormThenDense", (t, _) => (RefTensor.MatMul(LayerNorm(t[0], t[1], t[2]), t[3]) + t[4]).Map(v => Math.Max(v, 0)), 1e-4, 2e-5, ScaleSymbol: "D"),
        new("HalfScaleAttentionResidual", (t, s) => RefTensor.MatMul(Softmax(RefTensor.MatMul(t[0], t[1].Transpose()) * (s[0] * 0.5)), t[2]) + t[2], 2e-5, 5e-7,
            ScaleSymbol: "T", Scalars: [0.35f]),
        new("RootScaledSoftmax", (t, s) => Softmax(t[0] * (1 / Math.Sqrt(s[0]))) * Math.Exp(-s[0]) + (Math.Max(Math.Log(s[0]), Math.Tanh(s[0])) - Math.Min(Math.Abs(s[0]), 2)),
            2e-5, 2e-6, Scalars: [5.5f], Low: -8, High: 8),
        new("SoftmaxColumns", (t, _) => Softmax(t[0].Transpose()).Transpose(), 2e-5, 1e-8, Low: -8, High: 8),
        new("LogSoftmaxMiddle", (t, _) =>
        {
            RefTensor x = (t[0] + t[1]).Transpose(0, 2, 1);
            RefTensor shifted = RefTensor.Zip(x, x.Max(), (a, m) => a - m);
            return RefTensor.Zip(shifted, shifted.Map(Math.Exp).Sum().Map(Math.Log), (a, l) => a - l).Transpose(0, 2, 1) * 2;
        }, 2e-5, 4e-6, Low: -8, High: 8),
        new("RowValueFunctions", (t, _) =>
        {
            RefTensor x = t[0];
            RefTensor mean = x.Mean(), max = x.Max(), min = RefTensor.Zip(x, x, (a, _) => -a).Max().Map(v => -v), squares = (x * x).Sum();
            RefTensor perRow = RefTensor.Zip(RefTensor.Zip(max, min, (m, n) => 1 - Erf(m) - Gelu(n)), RefTensor.Zip(squares, mean, (q, m) => Math.Pow(q, 0.25) * Math.Exp(m) + Erf(m)), (a, b) => a + b);
            return RefTensor.Zip(x * mean.Map(m => 1 / (1 + Math.Exp(-m))), perRow, (a, b) => a + b);
        }, 2e-5, 2e-6),
        new("RotaryHalf", (t, _) =>
        {
            RefTensor angles = t[2] * t[3];
            return t[0] * angles.Map(Math.Cos) - t[1] * angles.Map(Math.Sin);
        }, 2e-6, 4e-6, Low: -3, High: 3),
        new("RotaryJoined", (t, _) =>
        {
            RefTensor angles = t[2] * t[3], cos = angles.Map(Math.Cos), sin = angles.Map(Math.Sin);
            return RefTensor.Concat(1, t[0] * cos - t[1] * sin, t[1] * cos + t[0] * sin);
        }, 2e-6, 4e-6, Low: -3, High: 3),
        new("SoftmaxOfJoined", (t, _) => Softmax(RefTensor.Concat(1, t[0], t[1] * 2)), 2e-5, 1e-8, Low: -8, High: 8),
        new("StackedInputs", (t, _) => RefTensor.Concat(0, t[0], t[1], t[2]) * 0.5, 0, 0),
        new("StackedPieces", (t, _) => RefTensor.Concat(0, t[0] * t[1].Map(Math.Cos), t[0] * t[1].Map(Math.Sin)), 2e-6, 1e-6, High: 8, Low: -8),
        new("JoinedStatistics", (t, _) => RefTensor.Concat(1, t[0].Max(), (t[0] * t[0]).Mean()), 2e-6, 1e-6),
        new("PiecesOfARow", (t, _) => RefTensor.Concat(1, (t[0] - t[0].Max()).Map(Math.Exp), t[1].Sum(), t[1] * t[0]), 2e-6, 1e-6),
        new("JoinedProjections", (t, _) => RefTensor.Concat(1, RefTensor.MatMul(t[0], t[1]), RefTensor.MatMul(t[0], t[2])) + t[3], 2e-5, 1e-6, ScaleSymbol: "K"),
        new("JoinedMiddle", (t, _) => RefTensor.Concat(1, t[0], t[1].Transpose(0, 2, 1)), 0, 0),
        new("LiteralWidths", (t, _) =>
        {
            RefTensor joined = RefTensor.Concat(1, t[0].Map(Math.Exp), t[1], t[1].Max());
            return joined.Sum() + RefTensor.Concat(1, t[0], t[1]);
        }, 2e-6, 1e-6),
        new("ViewPieces", (t, _) =>
        {
            int b = t[0].Shape[0], n = t[0].Shape[2];
            RefTensor columns = RefTensor.Concat(0, t[0].Reshape(b, 2 * n), t[1]).Transpose().Sum().Transpose();
            RefTensor rows = RefTensor.Concat(1, t[2].Slice(1, 4, 2), t[2].Slice(1, 1, 2)).Sum();
            return columns + rows;
        }, 2e-6, 1e-6),
        new("SoftmaxOfMixed", (t, _) => Softmax(RefTensor.Zip(t[0].Map(v => Math.Log(1 + v * v)), t[1].Map(Math.Tanh), (a, b) => a + b)), 2e-5, 1e-8),
        new("GatedSoftmax", (t, _) => Softmax(t[0]) * t[1], 2e-5, 1e-8),
        new("FiveGatedSoftmax", (t, _) => Softmax(t[0]) * t[1] * t[2] * t[3] * t[4] * t[5], 2e-5, 1e-8),
        new("CappedAttention", (t, s) => RefTensor.MatMul(Softmax(RefTensor.MatMul(t[0], t[1].Transpose()).Map(v => Math.Tanh(v * s[0]) * 5)), t[2]), 2e-5, 5e-7, ScaleSymbol: "T", Scalars: [0.35f]),
        new("CappedSoftmax", (t, s) => Softmax(t[0].Map(v => Math.Tanh(v / s[0]) * s[0])), 2e-5, 1e-8, Scalars: [3f], Low: -12, High: 12),
        new("CappedLogSoftmax", (t, s) => LogSoftmax(t[0].Map(v => Math.Tanh(v / s[0]) * s[0])), 2e-5, 2e-6, Scalars: [3f], Low: -12, High: 12),
        new("NormOfGelu", (t, _) => LayerNorm(t[0].Map(Gelu), t[1], t[2]), 1e-4, 2e-5),
        new("GatedNormOfTanh", (t, _) =>
        {
            RefTensor h = t[0].Map(Math.Tanh);
            return RefTensor.Zip(h, (h * h).Mean().Map(m => 1 / Math.Sqrt(m + 1e-6)), (a, r) => a * r) * t[1] * t[2];
        }, 1e-4, 2e-5),
        new("MaskedSoftmax", (t, _) => Softmax(t[0] + t[1].Map(Math.Log)), 2e-5, 1e-8, Low: 0.05, High: 1),
        new("PositionedNorm", (t, _) =>
        {
            RefTensor h = t[0] + t[1].Map(v => Math.Sin(v * 0.5));
            RefTensor normed = RefTensor.Zip(h, (h * h).Mean().Map(m => 1 / Math.Sqrt(m + 1e-6)), (a, r) => a * r) * t[2];
            return RefTensor.Zip(normed * t[2].Map(Math.Exp), t[2].Map(Math.Tanh).Mean(), (a, m) => a - m);
        }, 1e-4, 2e-5),
        new("AppendToCache", (t, _) => RefTensor.Concat(1, t[0], t[1]), 0, 0),
        new("DecodeStep", (t, _) => RefTensor.MatMul(Softmax(RefTensor.MatMul(t[0], RefTensor.Concat(1, t[1], t[2]).Transpose()) * 0.25), RefTensor.Concat(1, t[3], t[4])),
            2e-5, 5e-7, ScaleSymbol: "T"),
        new("NormOfJoinedFeatures", (t, _) => LayerNorm(RefTensor.Concat(1, t[0], t[1].Map(Math.Tanh)), t[2], t[3]), 1e-4, 2e-5),
        new("BiasOfJoined", (t, _) => RefTensor.Concat(1, t[0], t[1]) + t[2], Elementwise, 1e-7),
        new("SwappedBiasOfJoined", (t, _) => (RefTensor.Concat(1, t[1], t[0]) + t[2]) * 2, Elementwise, 1e-7),
        new("WithTotalRow", (t, _) =>
        {
            RefTensor x = t[0];
            RefTensor total = x.Transpose().Sum().Transpose();
            return Softmax(RefTensor.Concat(0, x, total));
        }, 2e-5, 1e-8, Low: -0.2, High: 0.2),
        new("HalfOfJoined", (t, _) => RefTensor.Concat(1, t[0] * 2, t[1] * 3), Elementwise, 0),
        new("FlattenedCache", (t, _) =>
        {
            RefTensor joined = RefTensor.Concat(1, t[0], t[1]);
            return joined.Reshape(joined.Shape[0], joined.Shape[1] * joined.Shape[2]) * 0.5;
        }, 0, 0),
        new("SwiGluGate", (t, _) =>
        {
            int h = t[0].Shape[1] / 2;
            RefTensor gate = t[0].Slice(1, 0, h);
            return gate.Map(v => v / (1 + Math.Exp(-v))) * t[0].Slice(1, h, h);
        }, 4e-6, 1e-7),
        new("RotateHalf", (t, _) =>
        {
            int d = t[0].Shape[1] / 2;
            return t[0] * t[1] + RefTensor.Concat(1, t[0].Slice(1, d, d) * -1, t[0].Slice(1, 0, d)) * t[2];
        }, 2e-6, 1e-6),
        new("MiddleChunks", (t, _) =>
        {
            int d = t[0].Shape[1] / 3;
            return RefTensor.MatMul(t[0].Slice(1, 2 * d, d), t[1].Slice(1, 2, 2)) + 1;
        }, 2e-5, 1e-6, ScaleSymbol: "N"),
        new("SqueezedSlices", (t, _) =>
        {
            int b = t[0].Shape[0], n = t[0].Shape[2];
            return t[0].Slice(1, 2, 1).Reshape(b, n) * 2 + t[1].Slice(2, 1, 1).Reshape(b, n) - t[1].Map(Math.Exp).Slice(2, 2, 1).Reshape(b, n);
        }, 4e-7, 1e-6), // the difference cancels where x's slice is near e^y's
        new("RowAngles", (t, _) => t[0] * t[0].Mean().Map(Math.Cos) + (t[0].Max() * 3).Map(Math.Sin), 2e-6, 1e-6),
        new("CenteredByMoments", (t, _) => (t[0] - t[0].Mean()) * ((t[0] * 2) * (t[0] * 2)).Mean() + (t[0] - t[0].Mean()) * 0.5, 2e-5, 2e-6),
        new("MergeLiteralAndSymbol", (t, _) => t[0].Reshape(t[0].Shape[0], 2 * t[0].Shape[2]) + t[1], Elementwise, 0),
        new("TransposeCopy", (t, _) => t[0].Transpose(), 0, 0),
        new("OuterPermutation", (t, _) => t[0].Transpose(1, 0, 2) * t[1], Elementwise, 1e-7),
        new("TransposeThenReduce", (t, _) => (t[0].Transpose() * 2).Sum(), 2e-5, 1e-7),
    ];

    /// <summary>
    /// Sizes for the kernel's dimension symbols, in order of first appearance: all 1, small primes,
    /// an empty dimension in each position, sizes one past the vector widths and the GEMM tiles, and
    /// large rows and deep products.
    /// </summary>
    public static readonly int[][] SizeRows =
    [
        [1, 1, 1, 1, 1],
        [3, 5, 7, 2, 11],
        [0, 4, 6, 3, 5],
        [2, 0, 5, 3, 4],
        [4, 3, 0, 2, 3],
        [17, 33, 13, 9, 7],
        [9, 257, 130, 5, 67],
        [2, 1031, 7, 3, 2],
    ];
}
