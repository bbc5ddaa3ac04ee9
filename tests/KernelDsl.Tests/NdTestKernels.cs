using System;
using System.Numerics.Tensors;
using KernelDsl;
using static KernelDsl.Ops;

namespace KernelDsl.Tests;

/// <summary>The N-d kernels the differential suite runs: broadcasting, every reduction, the layers, contractions and views.</summary>
public static partial class NdTestKernels
{
    [Kernel] public static Tensor<float> AddBias([Shape("B", "N")] Tensor<float> x, [Shape("N")] Tensor<float> b) => x + b;

    [Kernel]
    public static Tensor<float> BroadcastBothWays([Shape("B", "N")] Tensor<float> x, [Shape("B", "1")] Tensor<float> s, [Shape("1", "N")] Tensor<float> t)
        => x * s + t - s * t;

    [Kernel]
    public static Tensor<float> Rank3Broadcast([Shape("A", "B", "N")] Tensor<float> x, [Shape("B", "1")] Tensor<float> y, float alpha)
        => Exp(x * alpha) + y;

    [Kernel] public static Tensor<float> RowSumSquares([Shape("B", "N")] Tensor<float> x) => Sum(x * x, axis: -1);
    [Kernel] public static Tensor<float> CenterRows([Shape("B", "N")] Tensor<float> x) => x - Mean(x, axis: 1, keepDims: true);
    [Kernel] public static Tensor<float> RowMax([Shape("B", "N")] Tensor<float> x) => Max(x, axis: -1, keepDims: true);
    [Kernel] public static Tensor<float> RowMin([Shape("B", "N")] Tensor<float> x) => Min(x, axis: -1, keepDims: true);
    [Kernel] public static Tensor<float> RowMaxMinusMin([Shape("B", "N")] Tensor<float> x) => Max(x, axis: -1, keepDims: true) - Min(x, -1, true);
    [Kernel] public static Tensor<float> RowProd([Shape("B", "N")] Tensor<float> x) => Prod(x, axis: -1, keepDims: false) * 2f;
    [Kernel] public static Tensor<float> FullSum([Shape("N")] Tensor<float> x) => Sum(Abs(x), axis: 0);
    [Kernel] public static Tensor<float> ColumnSums([Shape("B", "N")] Tensor<float> x) => Sum(x, axis: 0);
    [Kernel] public static Tensor<float> CenterColumns([Shape("B", "N")] Tensor<float> x) => x - Mean(x, axis: 0, keepDims: true);
    [Kernel] public static Tensor<float> ColumnRange([Shape("B", "N")] Tensor<float> x) => Max(x, axis: 0, keepDims: true) - Min(x, 0, true);
    [Kernel] public static Tensor<float> ColumnProd([Shape("B", "N")] Tensor<float> x) => Prod(x, axis: -2, keepDims: false);
    [Kernel] public static Tensor<float> BatchVariance([Shape("B", "N")] Tensor<float> x) => Mean(x * x, axis: 0) - Mean(x, axis: 0) * Mean(x, axis: 0);
    [Kernel] public static Tensor<float> SlicedRowsColumnMax([Shape("5", "N")] Tensor<float> x) => Max(Slice(x, axis: 0, start: 1, length: 3), axis: 0, keepDims: false);
    [Kernel] public static Tensor<float> SlicedColumnSums([Shape("B", "6")] Tensor<float> x) => Sum(Slice(x, axis: 1, start: 2, length: 3), axis: 0);
    [Kernel] public static Tensor<float> WeightedColumnSums([Shape("B", "N")] Tensor<float> x, [Shape("N")] Tensor<float> w) => Sum(Exp(x - 1f) * w, axis: 0) + 1f;
    [Kernel] public static Tensor<float> FirstAxisMeanOfSquares([Shape("A", "B", "N")] Tensor<float> x) => Mean(x * x, axis: 0, keepDims: true);
    [Kernel] public static Tensor<float> RotatedRowSums([Shape("A", "B", "N")] Tensor<float> x) => Sum(Transpose(x, 2, 0, 1), axis: -1);
    [Kernel] public static Tensor<float> ColumnSumsOfProductTerms([Shape("B", "K")] Tensor<float> x, [Shape("K", "N")] Tensor<float> w) => Sum(MatMul(x, w) + Exp(MatMul(x, w)), axis: 0);
    [Kernel] public static Tensor<float> MiddleAxisMean([Shape("A", "B", "N")] Tensor<float> x) => Mean(x, axis: 1);
    [Kernel] public static Tensor<float> FirstAxisMaxRank3([Shape("A", "B", "N")] Tensor<float> x, [Shape("N")] Tensor<float> b) => Max(x, axis: 0, keepDims: false) + b;
    [Kernel] public static Tensor<float> RowSumsPlusBias([Shape("B", "N")] Tensor<float> x, [Shape("B")] Tensor<float> b) => Sum(x, axis: -1) + b;
    [Kernel] public static Tensor<float> SquareMinusRowMeans([Shape("N", "N")] Tensor<float> x) => x - Mean(x, axis: -1);
    [Kernel] public static Tensor<float> SumOfScaledRowSums([Shape("A", "B", "N")] Tensor<float> x) => Sum(Sum(x, axis: -1) * 2f, axis: -1);
    [Kernel] public static Tensor<float> SumOuterAxes([Shape("A", "B", "N")] Tensor<float> x) => Sum(x * x, axes: [0, 2]);
    [Kernel] public static Tensor<float> MaxInnerAxes([Shape("A", "B", "N")] Tensor<float> x) => Max(x, [1, 2], keepDims: true) * 2f;
    [Kernel] public static Tensor<float> SoftmaxRows([Shape("B", "N")] Tensor<float> x) => Softmax(x);

    /// <summary>One value per row, from rows that each read all of gamma and beta (of the destination's length when B = N).</summary>
    [Kernel] public static Tensor<float> RowMaxOfLayerNorm([Shape("B", "N")] Tensor<float> x, [Shape("N")] Tensor<float> gamma, [Shape("N")] Tensor<float> beta)
        => Max(LayerNorm(x, gamma, beta), axis: 1, keepDims: false);

    /// <summary>One value per row, plus a value per row read at the row's own position.</summary>
    [Kernel] public static Tensor<float> RowSumsPlus([Shape("B", "N")] Tensor<float> x, [Shape("B", "1")] Tensor<float> r) => Sum(x, axis: -1, keepDims: true) * 0.5f + r;
    [Kernel] public static Tensor<float> LogSoftmaxRank3([Shape("A", "B", "N")] Tensor<float> x) => LogSoftmax(x, axis: -1);

    [Kernel]
    public static Tensor<float> LayerNormRows([Shape("B", "N")] Tensor<float> x, [Shape("N")] Tensor<float> gamma, [Shape("N")] Tensor<float> beta)
        => LayerNorm(x, gamma, beta);

    [Kernel] public static Tensor<float> RmsNormRows([Shape("B", "N")] Tensor<float> x, [Shape("N")] Tensor<float> gamma) => RmsNorm(x, gamma, 1e-5f);

    [Kernel] public static Tensor<float> MatMulPlain([Shape("M", "K")] Tensor<float> a, [Shape("K", "N")] Tensor<float> b) => MatMul(a, b);

    [Kernel]
    public static Tensor<float> Dense([Shape("B", "K")] Tensor<float> x, [Shape("K", "N")] Tensor<float> w, [Shape("N")] Tensor<float> b)
        => Relu(MatMul(x, w) + b);

    [Kernel]
    public static Tensor<float> BatchedMatMul([Shape("H", "M", "K")] Tensor<float> a, [Shape("H", "K", "N")] Tensor<float> b) => MatMul(a, b);

    /// <summary>A dense layer applied to every token of a batch of sequences: one product of [B·T, K] rows, with its epilogue.</summary>
    [Kernel]
    public static Tensor<float> DenseTokens([Shape("B", "T", "K")] Tensor<float> x, [Shape("K", "N")] Tensor<float> w, [Shape("N")] Tensor<float> b)
        => Relu(MatMul(x, w) + b);

    [Kernel]
    public static Tensor<float> BroadcastBatchMatMul([Shape("H", "M", "K")] Tensor<float> a, [Shape("K", "N")] Tensor<float> b, [Shape("H", "1", "N")] Tensor<float> c)
        => Tanh(MatMul(a, b) * c);

    [Kernel]
    public static Tensor<float> TransposedOperands([Shape("K", "M")] Tensor<float> a, [Shape("N", "K")] Tensor<float> b) => MatMul(Transpose(a), Transpose(b));

    [Kernel]
    public static Tensor<float> Attention([Shape("H", "T", "D")] Tensor<float> q, [Shape("H", "T", "D")] Tensor<float> k, [Shape("H", "T", "D")] Tensor<float> v, float scale)
        => MatMul(Softmax(MatMul(q, Transpose(k)) * scale), v);

    [Kernel]
    public static Tensor<float> ResidualMlp([Shape("B", "D")] Tensor<float> x, [Shape("D", "F")] Tensor<float> w1, [Shape("F")] Tensor<float> b1,
        [Shape("F", "D")] Tensor<float> w2, [Shape("D")] Tensor<float> b2)
        => x + (MatMul(Gelu(MatMul(x, w1) + b1), w2) + b2);

    [Kernel]
    public static Tensor<float> EinsumBatched([Shape("B", "I", "K")] Tensor<float> a, [Shape("B", "K", "J")] Tensor<float> b) => Einsum("bik,bkj->bij", a, b);

    [Kernel]
    public static Tensor<float> EinsumScores([Shape("B", "H", "Q", "D")] Tensor<float> q, [Shape("B", "H", "K", "D")] Tensor<float> k)
        => Einsum("bhqd,bhkd->bhqk", q, k) * 0.5f;

    /// <summary>Two letters only in the left operand: batches of tokens sharing the weights.</summary>
    [Kernel]
    public static Tensor<float> EinsumTokens([Shape("B", "T", "K")] Tensor<float> x, [Shape("K", "N")] Tensor<float> w) => Einsum("btk,kn->btn", x, w);

    /// <summary>Two letters only in the right operand, and an output order that needs the product transposed.</summary>
    [Kernel]
    public static Tensor<float> EinsumPerHeadWeights([Shape("M", "K")] Tensor<float> x, [Shape("H", "K", "N")] Tensor<float> w) => Einsum("mk,hkn->mhn", x, w);

    /// <summary>A letter of its own in each operand besides its row and column: every batch of the left operand (computed, so written to memory first) against every batch of the right.</summary>
    [Kernel]
    public static Tensor<float> EinsumOuterBatches([Shape("A", "I", "K")] Tensor<float> a, [Shape("B", "K", "J")] Tensor<float> b) => Einsum("aik,bkj->abij", Relu(a), b);

    /// <summary>Two letters of their own in each operand, the right one contiguous along the summed letter (a transposed B), and an output order that needs the product transposed.</summary>
    [Kernel]
    public static Tensor<float> EinsumPairScores([Shape("A", "B", "K")] Tensor<float> x, [Shape("C", "D", "K")] Tensor<float> y) => Einsum("abk,cdk->abcd", x, y) + 1f;

    /// <summary>A few queries against their keys (dot products, no packing) with an epilogue: scaled scores plus a mask over the keys.</summary>
    [Kernel]
    public static Tensor<float> QueryScores([Shape("H", "Q", "D")] Tensor<float> q, [Shape("H", "T", "D")] Tensor<float> k, [Shape("T")] Tensor<float> mask)
        => MatMul(q, Transpose(k)) * 0.5f + mask;

    [Kernel]
    public static Tensor<float> EinsumTransposedOutput([Shape("I", "K")] Tensor<float> a, [Shape("K", "J")] Tensor<float> b) => Einsum("ik,kj->ji", a, b);

    [Kernel]
    public static Tensor<float> SliceColumns([Shape("B", "8")] Tensor<float> x, [Shape("B", "3")] Tensor<float> y) => Softmax(Slice(x, axis: 1, start: 2, length: 3)) + y;

    [Kernel]
    public static Tensor<float> SliceRowsIntoMatMul([Shape("6", "K")] Tensor<float> a, [Shape("N", "K")] Tensor<float> b)
        => MatMul(Slice(a, axis: 0, start: 1, length: 4), Transpose(b));

    [Kernel] public static Tensor<float> SliceCopy([Shape("A", "5")] Tensor<float> x) => Slice(Transpose(x), 0, 1, 3);

    /// <summary>Heads: [B, T, 12] viewed as [B, T, 3, 4] (no copy), softmax over each head.</summary>
    [Kernel] public static Tensor<float> HeadSoftmax([Shape("B", "T", "12")] Tensor<float> x) => Softmax(Reshape(x, 0, 0, 3, -1));

    /// <summary>Merging literal dimensions into the contraction's K: [B, 2, 8] → [B, 16], then a product.</summary>
    [Kernel]
    public static Tensor<float> FlattenIntoMatMul([Shape("B", "2", "8")] Tensor<float> x, [Shape("16", "N")] Tensor<float> w) => MatMul(Reshape(x, 0, 16), w);

    /// <summary>A reshape of a computed value (written to scratch first), transposed, and the reshape as the result (a copy).</summary>
    [Kernel] public static Tensor<float> ReshapeOfExpression([Shape("B", "6")] Tensor<float> x) => Transpose(Reshape(x * 2f, 0, 2, 3)) + 1f;

    /// <summary>Merging symbolic dimensions: [B, T, H, D] viewed as [B, T, H*D] (no copy), times a vector declared [H*D].</summary>
    [Kernel]
    public static Tensor<float> MergeHeads([Shape("B", "T", "H", "D")] Tensor<float> x, [Shape("H*D")] Tensor<float> g) => Reshape(x, 0, 0, -1) * g;

    /// <summary>An attention block's output projection: heads [B, H, T, D] brought together (copied), merged to [B, T, H*D], then a product with [H*D, C].</summary>
    [Kernel]
    public static Tensor<float> MergeHeadsProjection([Shape("B", "H", "T", "D")] Tensor<float> heads, [Shape("H*D", "C")] Tensor<float> w)
        => MatMul(Reshape(Transpose(heads, 0, 2, 1, 3), 0, 0, -1), w);

    /// <summary>
    /// Multi-head attention with its output projection: per head softmax(q·kᵀ·scale)·v over [B, H, T, D],
    /// the heads moved next to each other and merged ([B, T, H*D]), then projected by [H*D, C].
    /// </summary>
    [Kernel]
    public static Tensor<float> MultiHeadAttention([Shape("B", "H", "T", "D")] Tensor<float> q, [Shape("B", "H", "T", "D")] Tensor<float> k,
        [Shape("B", "H", "T", "D")] Tensor<float> v, [Shape("H*D", "C")] Tensor<float> wo, float scale)
    {
        var heads = MatMul(Softmax(MatMul(q, Transpose(k)) * scale), v);
        return MatMul(Reshape(Transpose(heads, 0, 2, 1, 3), 0, 0, -1), wo);
    }

    /// <summary>
    /// Kernels calling kernels: a dense layer after a layer norm, each an earlier kernel of this class
    /// (inlined, their symbols B, N, K standing for T, D, F), fused as if written out.
    /// </summary>
    [Kernel]
    public static Tensor<float> NormThenDense([Shape("T", "D")] Tensor<float> x, [Shape("D")] Tensor<float> gamma, [Shape("D")] Tensor<float> beta,
        [Shape("D", "F")] Tensor<float> w, [Shape("F")] Tensor<float> b)
        => Dense(LayerNormRows(x, gamma, beta), w, b);

    /// <summary>The attention kernel called with a scale computed from the caller's, plus a residual.</summary>
    [Kernel]
    public static Tensor<float> HalfScaleAttentionResidual([Shape("H", "T", "D")] Tensor<float> q, [Shape("H", "T", "D")] Tensor<float> k,
        [Shape("H", "T", "D")] Tensor<float> v, float scale)
        => Attention(q, k, v, scale * 0.5f) + v;

    /// <summary>Scalar math on a float parameter (MathF), computed once per call as the Ops function of the same name.</summary>
    [Kernel]
    public static Tensor<float> RootScaledSoftmax([Shape("B", "N")] Tensor<float> x, float d)
        => Softmax(x / MathF.Sqrt(d)) * MathF.Exp(-d) + MathF.Max(MathF.Log(d), MathF.Tanh(d)) - MathF.Min(MathF.Abs(d), 2f);

    /// <summary>Softmax over columns and log-softmax over a middle axis: computed along the last axis of a transposed view, then transposed back.</summary>
    [Kernel] public static Tensor<float> SoftmaxColumns([Shape("B", "N")] Tensor<float> x) => Softmax(x, axis: 0);

    [Kernel] public static Tensor<float> LogSoftmaxMiddle([Shape("A", "B", "N")] Tensor<float> x, [Shape("B", "1")] Tensor<float> bias) => LogSoftmax(x + bias, axis: 1) * 2f;

    /// <summary>Functions of per-row values (each called once per row, out of line): Sigmoid, Erfc, Gelu's normal CDF, Pow, Exp, Erf.</summary>
    [Kernel]
    public static Tensor<float> RowValueFunctions([Shape("B", "N")] Tensor<float> x)
        => x * Sigmoid(Mean(x, axis: -1, keepDims: true)) + Erfc(Max(x, axis: -1, keepDims: true)) - Gelu(Min(x, axis: -1, keepDims: true))
            + Pow(Sum(x * x, axis: -1, keepDims: true), 0.25f) * Exp(Mean(x, axis: -1, keepDims: true)) + Erf(Mean(x, axis: -1, keepDims: true));

    /// <summary>
    /// Rotary position embedding, one half of each pair: angles are positions [T, 1] times
    /// frequencies [D] by broadcasting, and the rotation takes their Cos and Sin per element.
    /// </summary>
    [Kernel]
    public static Tensor<float> RotaryHalf([Shape("T", "D")] Tensor<float> x1, [Shape("T", "D")] Tensor<float> x2, [Shape("T", "1")] Tensor<float> positions, [Shape("D")] Tensor<float> frequencies)
    {
        var angles = positions * frequencies;
        return x1 * Cos(angles) - x2 * Sin(angles);
    }

    /// <summary>A whole rotary embedding: both halves of each pair rotated, joined along the last axis ([T, 2*D]).</summary>
    [Kernel]
    public static Tensor<float> RotaryJoined([Shape("T", "D")] Tensor<float> x1, [Shape("T", "D")] Tensor<float> x2, [Shape("T", "1")] Tensor<float> positions, [Shape("D")] Tensor<float> frequencies)
    {
        var angles = positions * frequencies;
        Tensor<float> cos = Cos(angles), sin = Sin(angles);
        return Concat(x1 * cos - x2 * sin, x2 * cos + x1 * sin, axis: -1);
    }

    /// <summary>A softmax over joined rows: the reduction runs along the axis the pieces were joined on.</summary>
    [Kernel]
    public static Tensor<float> SoftmaxOfJoined([Shape("B", "N")] Tensor<float> x, [Shape("B", "N")] Tensor<float> y) => Softmax(Concat(x, y * 2f));

    /// <summary>Inputs stacked along the first axis, then scaled: [3*B, N].</summary>
    [Kernel]
    public static Tensor<float> StackedInputs([Shape("B", "N")] Tensor<float> x, [Shape("B", "N")] Tensor<float> y, [Shape("B", "N")] Tensor<float> z) => Concat(x, y, z, axis: 0) * 0.5f;

    /// <summary>Two computed pieces stacked along the first axis: one row group writes both into their places (the second B rows down).</summary>
    [Kernel]
    public static Tensor<float> StackedPieces([Shape("B", "N")] Tensor<float> x, [Shape("N")] Tensor<float> y)
        => Concat(x * Cos(y), x * Sin(y), axis: 0);

    /// <summary>Computed pieces of one row, one of them a value per row: one row group writes the three into their places.</summary>
    [Kernel]
    public static Tensor<float> PiecesOfARow([Shape("B", "4")] Tensor<float> x, [Shape("B", "4")] Tensor<float> y)
        => Concat(Exp(x - Max(x, axis: -1, keepDims: true)), Sum(y, axis: -1, keepDims: true), y * x, axis: -1);

    /// <summary>Two values of one per row joined into [B, 2]: one group computes both into scratch, and the join copies them.</summary>
    [Kernel]
    public static Tensor<float> JoinedStatistics([Shape("B", "N")] Tensor<float> x)
        => Concat(Max(x, axis: -1, keepDims: true), Mean(x * x, axis: -1, keepDims: true), axis: -1);

    /// <summary>Two projections joined into one [T, 2*N] tensor, plus a bias declared over the joined width.</summary>
    [Kernel]
    public static Tensor<float> JoinedProjections([Shape("T", "K")] Tensor<float> a, [Shape("K", "N")] Tensor<float> w1, [Shape("K", "N")] Tensor<float> w2, [Shape("2*N")] Tensor<float> bias)
        => Concat(MatMul(a, w1), MatMul(a, w2)) + bias;

    /// <summary>A middle axis, with a transposed input as one piece: [B, T, D] and [B, D, T]ᵀ joined to [B, 2*T, D].</summary>
    [Kernel]
    public static Tensor<float> JoinedMiddle([Shape("B", "T", "D")] Tensor<float> x, [Shape("B", "D", "T")] Tensor<float> y) => Concat(x, Transpose(y, 0, 2, 1), axis: 1);

    /// <summary>Pieces of literal widths (3 + 5 = 8), each a different computation, joined and reduced along the joined axis.</summary>
    [Kernel]
    public static Tensor<float> LiteralWidths([Shape("B", "3")] Tensor<float> x, [Shape("B", "5")] Tensor<float> y)
        => Sum(Concat(Exp(x), y, Max(y, axis: -1, keepDims: true), axis: -1), axis: -1, keepDims: true) + Concat(x, y, axis: 1);

    /// <summary>Views of inputs as pieces: a reshape, and two slices of one input reordered.</summary>
    [Kernel]
    public static Tensor<float> ViewPieces([Shape("B", "2", "N")] Tensor<float> x, [Shape("B", "2*N")] Tensor<float> y, [Shape("B", "6")] Tensor<float> z)
        => Sum(Concat(Reshape(x, 0, -1), y, axis: 0), axis: 0, keepDims: true) + Sum(Concat(Slice(z, axis: 1, start: 4, length: 2), Slice(z, axis: 1, start: 1, length: 2), axis: -1), axis: -1, keepDims: true);

    /// <summary>A softmax of per-element transcendentals: two passes over each row compute a logarithm and a tanh, and the second an exponential too.</summary>
    [Kernel]
    public static Tensor<float> SoftmaxOfMixed([Shape("B", "N")] Tensor<float> x, [Shape("B", "N")] Tensor<float> y) => Softmax(Log(1f + x * x) + Tanh(y));

    /// <summary>A softmax times a gate of its own shape: the sum pass stores the exp for the output pass, which reads the gate (an in-place call on the gate goes through scratch memory).</summary>
    [Kernel]
    public static Tensor<float> GatedSoftmax([Shape("B", "N")] Tensor<float> x, [Shape("B", "N")] Tensor<float> gate) => Softmax(x) * gate;

    /// <summary>A softmax times five gates of its own shape, each read after the exp is stored: an in-place call on any of them goes through scratch memory.</summary>
    [Kernel]
    public static Tensor<float> FiveGatedSoftmax([Shape("B", "N")] Tensor<float> x, [Shape("B", "N")] Tensor<float> a, [Shape("B", "N")] Tensor<float> b,
        [Shape("B", "N")] Tensor<float> c, [Shape("B", "N")] Tensor<float> d, [Shape("B", "N")] Tensor<float> e) => Softmax(x) * a * b * c * d * e;

    /// <summary>Attention with soft-capped scores (Gemma 2): the softmax runs on the scores' scratch buffer, its max pass storing the capped scores over them.</summary>
    [Kernel]
    public static Tensor<float> CappedAttention([Shape("H", "T", "D")] Tensor<float> q, [Shape("H", "T", "D")] Tensor<float> k, [Shape("H", "T", "D")] Tensor<float> v, float scale)
        => MatMul(Softmax(Tanh(MatMul(q, Transpose(k)) * scale) * 5f), v);

    /// <summary>Soft-capped logits (a tanh) under a softmax: the max pass stores the capped values, the exp pass reloads them and stores its own, the output reloads those.</summary>
    [Kernel]
    public static Tensor<float> CappedSoftmax([Shape("B", "N")] Tensor<float> x, float cap) => Softmax(Tanh(x / cap) * cap);

    /// <summary>The same under a log-softmax, whose output pass needs the capped values themselves (stored by the max pass, a Max that reads them back if it finds 0).</summary>
    [Kernel]
    public static Tensor<float> CappedLogSoftmax([Shape("B", "N")] Tensor<float> x, float cap) => LogSoftmax(Tanh(x / cap) * cap);

    /// <summary>A layer norm of a GELU: the mean pass stores the activation for the variance and output passes, which read gamma and beta besides.</summary>
    [Kernel]
    public static Tensor<float> NormOfGelu([Shape("B", "N")] Tensor<float> x, [Shape("N")] Tensor<float> gamma, [Shape("N")] Tensor<float> beta)
        => LayerNorm(Gelu(x), gamma, beta);

    /// <summary>A costly value under an RMS norm, whose pass reduces its square: the pass keeps the tanh itself for the output pass, which reads a gate of the rows' shape besides (an in-place call on the gate goes through scratch memory).</summary>
    [Kernel]
    public static Tensor<float> GatedNormOfTanh([Shape("B", "N")] Tensor<float> x, [Shape("N")] Tensor<float> gamma, [Shape("B", "N")] Tensor<float> gate)
        => RmsNorm(Tanh(x), gamma) * gate;

    /// <summary>Values the same for every row, costly to compute: Log of a [N] mask, and the positions' Sin over [T, N] in every batch, each computed once.</summary>
    [Kernel]
    public static Tensor<float> MaskedSoftmax([Shape("B", "N")] Tensor<float> x, [Shape("N")] Tensor<float> mask) => Softmax(x + Log(mask));

    [Kernel]
    public static Tensor<float> PositionedNorm([Shape("B", "T", "N")] Tensor<float> x, [Shape("T", "N")] Tensor<float> positions, [Shape("N")] Tensor<float> gamma)
        => RmsNorm(x + Sin(positions * 0.5f), gamma) * Exp(gamma) - Mean(Tanh(gamma), axis: -1, keepDims: true);

    /// <summary>A key-value cache grown by one token: [B, T, D] and [B, 1, D] joined into the declared [B, T+1, D].</summary>
    [Kernel]
    [return: Shape("B", "T+1", "D")]
    public static Tensor<float> AppendToCache([Shape("B", "T", "D")] Tensor<float> cache, [Shape("B", "1", "D")] Tensor<float> token) => Concat(cache, token, axis: 1);

    /// <summary>One decoding step of attention: the new key and value appended to their caches, the query attending over T+1 positions.</summary>
    [Kernel]
    public static Tensor<float> DecodeStep([Shape("H", "1", "D")] Tensor<float> q, [Shape("H", "T", "D")] Tensor<float> k, [Shape("H", "1", "D")] Tensor<float> newKey, [Shape("H", "T", "D")] Tensor<float> v, [Shape("H", "1", "D")] Tensor<float> newValue)
        => MatMul(Softmax(MatMul(q, Transpose(Concat(k, newKey, axis: 1))) * 0.25f), Concat(v, newValue, axis: 1));

    /// <summary>Features of two widths joined ([T, D+E]) and normalized, gamma and beta declared over the joined width (in either order of its terms).</summary>
    [Kernel]
    public static Tensor<float> NormOfJoinedFeatures([Shape("T", "D")] Tensor<float> x, [Shape("T", "E")] Tensor<float> y, [Shape("D+E")] Tensor<float> gamma, [Shape("E + D")] Tensor<float> beta)
        => LayerNorm(Concat(x, Tanh(y)), gamma, beta);

    /// <summary>The joined features plus a bias over [D+E], through a call of a kernel declaring that width; the arguments swapped, so D+E stands for E+D.</summary>
    [Kernel]
    public static Tensor<float> BiasOfJoined([Shape("T", "D")] Tensor<float> x, [Shape("T", "E")] Tensor<float> y, [Shape("D+E")] Tensor<float> bias) => Concat(x, y) + bias;

    [Kernel]
    public static Tensor<float> SwappedBiasOfJoined([Shape("T", "D")] Tensor<float> x, [Shape("T", "E")] Tensor<float> y, [Shape("E+D")] Tensor<float> bias) => BiasOfJoined(y, x, bias) * 2f;

    /// <summary>Each column's sum appended as a last row ([T+1, D]), then a softmax along the rows: a join along the first axis of a reduction over it.</summary>
    [Kernel]
    public static Tensor<float> WithTotalRow([Shape("T", "D")] Tensor<float> x) => Softmax(Concat(x, Sum(x, axis: 0, keepDims: true), axis: 0));

    /// <summary>A join of size 2*D+2*E cut in halves: chunk 1 of 2 is the last D+E, the two scaled pieces.</summary>
    [Kernel]
    public static Tensor<float> HalfOfJoined([Shape("T", "D")] Tensor<float> x, [Shape("T", "E")] Tensor<float> y) => Chunk(Concat(x, y, x * 2f, y * 3f), 2, 1);

    /// <summary>The grown cache flattened per batch: [B, T+1, D] merged into [B, T*D+D].</summary>
    [Kernel]
    public static Tensor<float> FlattenedCache([Shape("B", "T", "D")] Tensor<float> cache, [Shape("B", "1", "D")] Tensor<float> token) => Reshape(Concat(cache, token, axis: 1), 0, -1) * 0.5f;

    /// <summary>SwiGLU's gate: one projection [T, 2*H] cut into its gate and value halves.</summary>
    [Kernel]
    public static Tensor<float> SwiGluGate([Shape("T", "2*H")] Tensor<float> x) => Silu(Chunk(x, 2, 0)) * Chunk(x, 2, 1);

    /// <summary>The usual rotary embedding: x·cos + rotate_half(x)·sin, rotate_half joining the negated second half and the first.</summary>
    [Kernel]
    public static Tensor<float> RotateHalf([Shape("T", "2*D")] Tensor<float> x, [Shape("T", "2*D")] Tensor<float> cos, [Shape("T", "2*D")] Tensor<float> sin)
        => x * cos + Concat(-Chunk(x, 2, 1), Chunk(x, 2, 0)) * sin;

    /// <summary>Chunks along a middle axis (the value third of a fused [B, 3*D, N]) and of a literal size.</summary>
    [Kernel]
    public static Tensor<float> MiddleChunks([Shape("B", "3*D", "N")] Tensor<float> x, [Shape("N", "6")] Tensor<float> y)
        => MatMul(Chunk(x, 3, 2, axis: 1), Chunk(y, 3, 1)) + 1f;

    /// <summary>
    /// A slice squeezed by a reshape before the last axis (read in place, as a view of the view), and
    /// a trailing size-1 axis squeezed, of an input and of a value in scratch memory (read from a
    /// copy: its rows are not the source's rows).
    /// </summary>
    [Kernel]
    public static Tensor<float> SqueezedSlices([Shape("B", "4", "N")] Tensor<float> x, [Shape("B", "N", "3")] Tensor<float> y)
        => Reshape(Slice(x, axis: 1, start: 2, length: 1), 0, -1) * 2f + Reshape(Slice(y, axis: 2, start: 1, length: 1), 0, -1)
            - Reshape(Slice(Exp(y), axis: 2, start: 2, length: 1), 0, -1);

    /// <summary>Sin and Cos of per-row values (each called once per row, out of line).</summary>
    [Kernel]
    public static Tensor<float> RowAngles([Shape("B", "N")] Tensor<float> x)
        => x * Cos(Mean(x, axis: -1, keepDims: true)) + Sin(Max(x, axis: -1, keepDims: true) * 3f);

    /// <summary>Per-row moments as two named results, for <see cref="CenteredByMoments"/> to read one at a time.</summary>
    [Kernel]
    public static (Tensor<float> Mean, Tensor<float> MeanSquare) RowMoments([Shape("B", "N")] Tensor<float> x)
        => (Mean(x, axis: -1, keepDims: true), Mean(x * x, axis: -1, keepDims: true));

    /// <summary>Results of a kernel returning a tuple, deconstructed and read by name and by position (each inlined; only what is read is computed).</summary>
    [Kernel]
    public static Tensor<float> CenteredByMoments([Shape("B", "N")] Tensor<float> x)
    {
        var (mean, _) = RowMoments(x);
        return (x - mean) * RowMoments(x * 2f).Item2 + (x - RowMoments(x).Mean) * 0.5f;
    }

    /// <summary>A literal times a symbol: [B, 2, N] merged to [B, 2*N], plus a bias declared [2*N].</summary>
    [Kernel]
    public static Tensor<float> MergeLiteralAndSymbol([Shape("B", "2", "N")] Tensor<float> x, [Shape("2*N")] Tensor<float> b) => Reshape(x, 0, -1) + b;

    [Kernel] public static Tensor<float> TransposeCopy([Shape("A", "B")] Tensor<float> x) => Transpose(x);

    [Kernel]
    public static Tensor<float> OuterPermutation([Shape("A", "B", "N")] Tensor<float> x, [Shape("B", "A", "N")] Tensor<float> y)
        => Transpose(x, 1, 0, 2) * y;

    [Kernel]
    public static Tensor<float> TransposeThenReduce([Shape("A", "B")] Tensor<float> x) => Sum(Transpose(x) * 2f, axis: -1, keepDims: true);
}

/// <summary>Kernels for the N-d entry point tests: a literal dimension.</summary>
public static partial class NdEntryKernels
{
    [Kernel] public static Tensor<float> FixedWidth([Shape("B", "4")] Tensor<float> x, [Shape("4")] Tensor<float> b) => x * b;
}

/// <summary>A slice of a dimension bound at the call, checked at the call.</summary>
public static partial class NdSliceKernels
{
    [Kernel] public static Tensor<float> ReshapeOnly([Shape("B", "6")] Tensor<float> x) => Reshape(x, 0, 2, -1);

    [Kernel] public static Tensor<float> Narrow([Shape("B", "N")] Tensor<float> x) => Slice(x, -1, 1, 4) * 2f;
}
