using System;
using System.Diagnostics;
using System.Numerics.Tensors;
using KernelDsl;
using static KernelDsl.Ops;

// N-d kernels: each layer runs eagerly (its body, op by op on System.Numerics.Tensors) and fused
// (the generated kernel), and the two results and times are compared. The fused kernel is timed
// twice: returning a new tensor (NameFused), and writing into a destination allocated once (the
// span overload). For results of 85 KB and more the difference is mostly the allocation: the
// runtime puts them on the large object heap, in memory the operating system maps afresh on first
// touch, which costs more than the kernel here. Reuse destinations in a loop, or raise the
// threshold (System.GC.LOHThreshold in runtimeconfig.json) so that results come from the
// recycled young generation.
var random = new Random(3);
Tensor<float> Random(params nint[] shape)
{
    nint count = 1;
    foreach (nint d in shape)
    {
        count *= d;
    }

    var values = new float[count];
    for (int i = 0; i < values.Length; i++)
    {
        values[i] = (float)(random.NextDouble() * 2 - 1);
    }

    return Tensor.Create(values, shape);
}

void Compare(string name, Func<Tensor<float>> eager, Func<Tensor<float>> fused, Action<Tensor<float>> fusedInto)
{
    Tensor<float> expected = eager(), actual = fused();
    Tensor<float> destination = Tensor.CreateFromShapeUninitialized<float>(actual.Lengths);
    var a = new float[expected.FlattenedLength];
    var b = new float[actual.FlattenedLength];
    expected.FlattenTo(a);
    actual.FlattenTo(b);
    float difference = 0;
    for (int i = 0; i < a.Length; i++)
    {
        difference = MathF.Max(difference, MathF.Abs(a[i] - b[i]));
    }

    double Time(Action run)
    {
        var watch = Stopwatch.StartNew();
        int runs = 0;
        while (watch.ElapsedMilliseconds < 300)
        {
            run();
            runs++;
        }

        return watch.Elapsed.TotalMilliseconds / runs;
    }

    Console.WriteLine($"{name,-10} shape [{string.Join(", ", actual.Lengths.ToArray())}]  max |eager - fused| = {difference:E1}  eager {Time(() => eager()),8:F3} ms"
        + $"  fused {Time(() => fused()),7:F3} ms  into a destination {Time(() => fusedInto(destination)),7:F3} ms");
}

Tensor<float> x = Random(512, 1024), gamma = Random(1024), beta = Random(1024);
Tensor<float> w = Random(1024, 256), b = Random(256);
Tensor<float> q = Random(8, 128, 64), k = Random(8, 128, 64), v = Random(8, 128, 64);

Compare("softmax", () => Layers.Softmax(x), () => Layers.SoftmaxFused(x), d => Layers.Softmax(x, d));
Compare("layernorm", () => Layers.Norm(x, gamma, beta), () => Layers.NormFused(x, gamma, beta), d => Layers.Norm(x, gamma, beta, d));
Compare("dense", () => Layers.Dense(x, w, b), () => Layers.DenseFused(x, w, b), d => Layers.Dense(x, w, b, d));
Compare("attention", () => Layers.Attention(q, k, v, 0.125f), () => Layers.AttentionFused(q, k, v, 0.125f), d => Layers.Attention(q, k, v, 0.125f, d));
Compare("norm+dense", () => Layers.NormThenDense(x, gamma, beta, w, b), () => Layers.NormThenDenseFused(x, gamma, beta, w, b), d => Layers.NormThenDense(x, gamma, beta, w, b, d));
Compare("attn, d=64", () => Layers.AttentionOfDepth(q, k, v, 64f), () => Layers.AttentionOfDepthFused(q, k, v, 64f), d => Layers.AttentionOfDepth(q, k, v, 64f, d));

Tensor<float> query = Random(8, 1, 64), newKey = Random(8, 1, 64), newValue = Random(8, 1, 64);
Compare("decode", () => Layers.DecodeStep(query, k, newKey, v, newValue), () => Layers.DecodeStepFused(query, k, newKey, v, newValue),
    d => Layers.DecodeStep(query, k, newKey, v, newValue, d));

public static partial class Layers
{
    [Kernel]
    public static Tensor<float> Softmax([Shape("B", "N")] Tensor<float> x) => Ops.Softmax(x, axis: -1);

    [Kernel]
    public static Tensor<float> Norm([Shape("B", "N")] Tensor<float> x, [Shape("N")] Tensor<float> gamma, [Shape("N")] Tensor<float> beta)
        => LayerNorm(x, gamma, beta);

    [Kernel]
    public static Tensor<float> Dense([Shape("B", "K")] Tensor<float> x, [Shape("K", "N")] Tensor<float> w, [Shape("N")] Tensor<float> b)
        => Relu(MatMul(x, w) + b);

    [Kernel]
    public static Tensor<float> Attention([Shape("H", "T", "D")] Tensor<float> q, [Shape("H", "T", "D")] Tensor<float> k,
        [Shape("H", "T", "D")] Tensor<float> v, float scale)
        => MatMul(Ops.Softmax(MatMul(q, Transpose(k)) * scale, axis: -1), v);

    // Kernels calling kernels: each callee is inlined (its B, N, K standing for this kernel's T, D,
    // F), so the layer norm and the dense layer fuse as if written out in one body.
    [Kernel]
    public static Tensor<float> NormThenDense([Shape("T", "D")] Tensor<float> x, [Shape("D")] Tensor<float> gamma, [Shape("D")] Tensor<float> beta,
        [Shape("D", "F")] Tensor<float> w, [Shape("F")] Tensor<float> b)
        => Dense(Norm(x, gamma, beta), w, b);

    // The scale computed from a float parameter with MathF.
    [Kernel]
    public static Tensor<float> AttentionOfDepth([Shape("H", "T", "D")] Tensor<float> q, [Shape("H", "T", "D")] Tensor<float> k,
        [Shape("H", "T", "D")] Tensor<float> v, float depth)
        => Attention(q, k, v, 1f / MathF.Sqrt(depth));

    // One decoding step: the new token's key and value join the caches (T positions become T+1, a
    // size Concat adds up and the declared result's shape may use), and its query attends to all.
    [Kernel]
    [return: Shape("H", "1", "D")]
    public static Tensor<float> DecodeStep([Shape("H", "1", "D")] Tensor<float> query, [Shape("H", "T", "D")] Tensor<float> keys, [Shape("H", "1", "D")] Tensor<float> newKey,
        [Shape("H", "T", "D")] Tensor<float> values, [Shape("H", "1", "D")] Tensor<float> newValue)
    {
        Tensor<float> allKeys = Concat(keys, newKey, axis: 1), allValues = Concat(values, newValue, axis: 1); // [H, T+1, D]
        return MatMul(Ops.Softmax(MatMul(query, Transpose(allKeys)) * 0.125f, axis: -1), allValues);
    }
}
