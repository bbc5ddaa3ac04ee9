using System;
using System.Numerics.Tensors;
using KernelDsl;
using static KernelDsl.Ops;

var rng = new Random(3);
Tensor<float> Random(params nint[] shape) { nint n = 1; foreach (var d in shape) n *= d; var v = new float[n]; for (int i = 0; i < n; i++) v[i] = (float)rng.NextDouble() * 2 - 1; return Tensor.Create(v, shape); }
float MaxDiff(Tensor<float> a, Tensor<float> b) { if (!a.Lengths.SequenceEqual(b.Lengths)) return float.NaN; var x = new float[a.FlattenedLength]; var y = new float[b.FlattenedLength]; a.FlattenTo(x); b.FlattenTo(y); float m = 0; for (int i = 0; i < x.Length; i++) m = MathF.Max(m, MathF.Abs(x[i] - y[i])); return m; }

var x = Random(5, 37); var gamma = Random(37); var beta = Random(37);
Console.WriteLine($"softmax {MaxDiff(Layers.Softmax(x), Layers.SoftmaxFused(x))}");
Console.WriteLine($"layernorm {MaxDiff(Layers.Norm(x, gamma, beta), Layers.NormFused(x, gamma, beta))}");
Console.WriteLine($"rowsum {MaxDiff(Layers.RowSum(x), Layers.RowSumFused(x))}");
var w = Random(37, 19); var b = Random(19);
Console.WriteLine($"dense {MaxDiff(Layers.Dense(x, w, b), Layers.DenseFused(x, w, b))}");
var q = Random(2, 7, 8); var k = Random(2, 7, 8); var v = Random(2, 7, 8);
Console.WriteLine($"attention {MaxDiff(Layers.Attention(q, k, v, 0.35f), Layers.AttentionFused(q, k, v, 0.35f))}");
Console.WriteLine($"bias {MaxDiff(Layers.AddBias(x, gamma), Layers.AddBiasFused(x, gamma))}");

public static partial class Layers
{
    [Kernel]
    public static Tensor<float> Softmax([Shape("B", "N")] Tensor<float> x) => Ops.Softmax(x, -1);

    [Kernel]
    public static Tensor<float> Norm([Shape("B", "N")] Tensor<float> x, [Shape("N")] Tensor<float> gamma, [Shape("N")] Tensor<float> beta) => LayerNorm(x, gamma, beta);

    [Kernel]
    public static Tensor<float> RowSum([Shape("B", "N")] Tensor<float> x) => Sum(x * x, axis: -1);

    [Kernel]
    public static Tensor<float> AddBias([Shape("B", "N")] Tensor<float> x, [Shape("N")] Tensor<float> b) => x + b;

    [Kernel]
    public static Tensor<float> Dense([Shape("B", "K")] Tensor<float> x, [Shape("K", "N")] Tensor<float> w, [Shape("N")] Tensor<float> b)
        => Relu(MatMul(x, w) + b);

    [Kernel]
    public static Tensor<float> Attention([Shape("H", "T", "D")] Tensor<float> q, [Shape("H", "T", "D")] Tensor<float> k, [Shape("H", "T", "D")] Tensor<float> v, float scale)
        => MatMul(Ops.Softmax(MatMul(q, Transpose(k)) * scale, -1), v);
}
