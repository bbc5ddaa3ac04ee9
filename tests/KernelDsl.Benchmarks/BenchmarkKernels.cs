using System.Numerics.Tensors;
using KernelDsl;
using static KernelDsl.Ops;

namespace KernelDsl.Benchmarks;

public static partial class BenchmarkKernels
{
    [Kernel]
    public static Tensor<float> GeluTanh(Tensor<float> x)
        => 0.5f * x * (1f + Tanh(0.7978845608f * (x + 0.044715f * x * x * x)));

    [Kernel]
    public static Tensor<float> Silu(Tensor<float> x) => x * Sigmoid(x);

    [Kernel]
    public static Tensor<float> SinOf(Tensor<float> x) => Sin(x);

    /// <summary>A rotation by angles, as a rotary embedding computes one half of each pair.</summary>
    [Kernel]
    public static Tensor<float> Rotate(Tensor<float> x, Tensor<float> y, Tensor<float> angle) => x * Cos(angle) - y * Sin(angle);

    /// <summary>A copy through the kernel runtime: the memory-bandwidth baseline, on the same cores.</summary>
    [Kernel]
    public static Tensor<float> Copy(Tensor<float> x) => x;
}

public static partial class LayerKernels
{
    /// <summary>A softmax over scores plus a log-mask computed from a [N] mask: Log(mask) is the same for every row.</summary>
    [Kernel]
    public static Tensor<float> MaskedSoftmax([Shape("B", "N")] Tensor<float> x, [Shape("N")] Tensor<float> mask) => Softmax(x + Log(mask));

    /// <summary>The same softmax with the log-mask computed by the caller: the bound for <see cref="MaskedSoftmax"/>.</summary>
    [Kernel]
    public static Tensor<float> BiasedSoftmax([Shape("B", "N")] Tensor<float> x, [Shape("N")] Tensor<float> bias) => Softmax(x + bias);

    /// <summary>A softmax of per-element transcendentals of two inputs: two passes over each row compute them.</summary>
    [Kernel]
    public static Tensor<float> SoftmaxOfMixed([Shape("B", "N")] Tensor<float> x, [Shape("B", "N")] Tensor<float> y) => Softmax(Log(1f + x * x) + Tanh(y));

    /// <summary>A softmax of logits soft-capped by a tanh (Gemma 2's attention and final logits): the tanh is computed once per element, stored by the max pass for the exp pass.</summary>
    [Kernel]
    public static Tensor<float> CappedSoftmax([Shape("B", "N")] Tensor<float> x, float cap) => Softmax(Tanh(x / cap) * cap);

    /// <summary>An RMS norm of an activation: its one pass reduces the GELU's square and keeps the GELU itself for the output pass.</summary>
    [Kernel]
    public static Tensor<float> RmsNormOfGelu([Shape("B", "N")] Tensor<float> x, [Shape("N")] Tensor<float> gamma) => RmsNorm(Gelu(x), gamma);

    /// <summary>A softmax times a gate of its own shape: the sum pass stores the exp, which the output pass reloads beside the gate.</summary>
    [Kernel]
    public static Tensor<float> GatedSoftmax([Shape("B", "N")] Tensor<float> x, [Shape("B", "N")] Tensor<float> gate) => Softmax(x) * gate;

    /// <summary>A layer norm of an activation: the GELU is computed once per element, stored by the mean pass for the variance and output passes.</summary>
    [Kernel]
    public static Tensor<float> NormOfGelu([Shape("B", "N")] Tensor<float> x, [Shape("N")] Tensor<float> gamma, [Shape("N")] Tensor<float> beta)
        => LayerNorm(Gelu(x), gamma, beta);

    /// <summary>Positions' sines added in every batch, then normalized: Sin(positions) is the same for every batch, and both passes need it.</summary>
    [Kernel]
    public static Tensor<float> PositionedNorm([Shape("B", "T", "N")] Tensor<float> x, [Shape("T", "N")] Tensor<float> positions, [Shape("N")] Tensor<float> gamma)
        => RmsNorm(x + Sin(positions), gamma);

    /// <summary>The same with the sines computed by the caller.</summary>
    [Kernel]
    public static Tensor<float> ShiftedNorm([Shape("B", "T", "N")] Tensor<float> x, [Shape("T", "N")] Tensor<float> shift, [Shape("N")] Tensor<float> gamma)
        => RmsNorm(x + shift, gamma);

    [Kernel]
    public static Tensor<float> SoftmaxRows([Shape("B", "N")] Tensor<float> x) => Softmax(x);

    [Kernel]
    public static Tensor<float> LayerNormRows([Shape("B", "N")] Tensor<float> x, [Shape("N")] Tensor<float> gamma, [Shape("N")] Tensor<float> beta)
        => LayerNorm(x, gamma, beta);

    [Kernel]
    public static Tensor<float> MatMulPlain([Shape("M", "K")] Tensor<float> a, [Shape("K", "N")] Tensor<float> b) => MatMul(a, b);

    [Kernel]
    public static Tensor<float> MatMulScaled([Shape("M", "K")] Tensor<float> a, [Shape("K", "N")] Tensor<float> b, float scale) => MatMul(a, b) * scale;

    /// <summary>A rotary embedding over [T, D] halves, joined into [T, 2*D].</summary>
    [Kernel]
    public static Tensor<float> RotaryJoined([Shape("T", "D")] Tensor<float> x1, [Shape("T", "D")] Tensor<float> x2, [Shape("T", "1")] Tensor<float> positions, [Shape("D")] Tensor<float> frequencies)
    {
        var angles = positions * frequencies;
        Tensor<float> cos = Cos(angles), sin = Sin(angles);
        return Concat(x1 * cos - x2 * sin, x2 * cos + x1 * sin, axis: -1);
    }

    /// <summary>SwiGLU's gate over one [T, 2*H] projection: its two halves taken by Chunk.</summary>
    [Kernel]
    public static Tensor<float> SwiGluGate([Shape("T", "2*H")] Tensor<float> x) => Silu(Chunk(x, 2, 0)) * Chunk(x, 2, 1);

    /// <summary>The same gate over the two halves passed apart.</summary>
    [Kernel]
    public static Tensor<float> SwiGluHalves([Shape("T", "H")] Tensor<float> gate, [Shape("T", "H")] Tensor<float> value) => Silu(gate) * value;

    /// <summary>The same two halves as a tuple, for destinations that are the two halves of one tensor.</summary>
    [Kernel]
    public static (Tensor<float>, Tensor<float>) RotaryHalves([Shape("T", "D")] Tensor<float> x1, [Shape("T", "D")] Tensor<float> x2, [Shape("T", "1")] Tensor<float> positions, [Shape("D")] Tensor<float> frequencies)
    {
        var angles = positions * frequencies;
        Tensor<float> cos = Cos(angles), sin = Sin(angles);
        return (x1 * cos - x2 * sin, x2 * cos + x1 * sin);
    }

    [Kernel]
    public static Tensor<float> LogSoftmaxRows([Shape("B", "N")] Tensor<float> x) => LogSoftmax(x);

    /// <summary>Both in one kernel: one row group writes the two results.</summary>
    [Kernel]
    public static (Tensor<float>, Tensor<float>) SoftmaxAndLogSoftmax([Shape("B", "N")] Tensor<float> x) => (Softmax(x), LogSoftmax(x));

    /// <summary>A layer norm with the per-row statistics a training step keeps.</summary>
    [Kernel]
    public static (Tensor<float>, Tensor<float>, Tensor<float>) LayerNormWithStatistics([Shape("B", "N")] Tensor<float> x, [Shape("N")] Tensor<float> gamma, [Shape("N")] Tensor<float> beta)
    {
        var mean = Mean(x, axis: -1, keepDims: true);
        var centered = x - mean;
        var inverse = 1f / Sqrt(Mean(centered * centered, axis: -1, keepDims: true) + 1e-5f);
        return (centered * inverse * gamma + beta, mean, inverse);
    }

    [Kernel]
    public static Tensor<float> RowMeans([Shape("B", "N")] Tensor<float> x) => Mean(x, axis: -1, keepDims: true);

    [Kernel]
    public static Tensor<float> InverseDeviations([Shape("B", "N")] Tensor<float> x)
    {
        var centered = x - Mean(x, axis: -1, keepDims: true);
        return 1f / Sqrt(Mean(centered * centered, axis: -1, keepDims: true) + 1e-5f);
    }

    [Kernel]
    public static Tensor<float> RowSums([Shape("B", "N")] Tensor<float> x) => Sum(x, axis: -1);

    [Kernel]
    public static Tensor<float> ColumnSums([Shape("B", "N")] Tensor<float> x) => Sum(x, axis: 0);

    [Kernel]
    public static Tensor<float> ColumnSumsOfSquares([Shape("B", "N")] Tensor<float> x) => Sum(x * x, axis: 0);

    [Kernel]
    public static Tensor<float> Squares([Shape("B", "N")] Tensor<float> x) => x * x;

    [Kernel]
    public static Tensor<float> Dense([Shape("B", "K")] Tensor<float> x, [Shape("K", "N")] Tensor<float> w, [Shape("N")] Tensor<float> b)
        => Relu(MatMul(x, w) + b);

    /// <summary>Scaled dot-product attention over heads: the scores, their softmax and the weighted values in one kernel.</summary>
    [Kernel]
    public static Tensor<float> Attention([Shape("H", "T", "D")] Tensor<float> q, [Shape("H", "T", "D")] Tensor<float> k, [Shape("H", "T", "D")] Tensor<float> v, float scale)
        => MatMul(Softmax(MatMul(q, Transpose(k, 0, 2, 1)) * scale, axis: -1), v);

    [Kernel]
    public static Tensor<float> DenseTokens([Shape("B", "T", "K")] Tensor<float> x, [Shape("K", "N")] Tensor<float> w, [Shape("N")] Tensor<float> b)
        => Relu(MatMul(x, w) + b);
}
