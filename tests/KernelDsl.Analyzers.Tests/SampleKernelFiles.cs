using KernelDsl.Generators.Tests;

namespace KernelDsl.Analyzers.Tests;

/// <summary>A kernel file for the robustness test of the generator and the analyzer: every construct the front end reads.</summary>
internal static class SampleKernelFiles
{
    /// <summary>Rank-1 kernels with locals and scalars (one without [Shape] that reduces and returns a tuple, so its tensors are vectors), an N-d block with Einsum, Softmax, Slice, Reshape, Transpose, LayerNorm and a tuple result, merged heads with product dimensions, a cache grown by a token with sum dimensions, and kernels calling others (inlined; a tuple's results deconstructed and read by position).</summary>
    public const string Mixed = GeneratorHarness.Usings + """
        namespace Samples;
        public static partial class Layers
        {
            [Kernel]
            public static Tensor<float> Mixed(Tensor<float> x, Tensor<float> y, float alpha)
            {
                var gate = Where(GreaterThan(x, 0f), x, alpha * x);
                return Clamp(gate, -1f, 1f) * Sigmoid(y) + Pow(x, 2f) / (1f + Exp(-y));
            }

            [Kernel] public static Tensor<float> Gelu(Tensor<float> x) => 0.5f * x * (1f + Tanh(0.79788456f * (x + 0.044715f * x * x * x)));

            [Kernel] public static (Tensor<float>, Tensor<float>) Scores(Tensor<float> q, Tensor<float> k) => (Softmax(q * k), Sum(q * k, axis: 0));

            [Kernel]
            public static (Tensor<float>, Tensor<float>) Block([Shape("B", "T", "D")] Tensor<float> x, [Shape("D", "D")] Tensor<float> w, [Shape("D")] Tensor<float> g)
            {
                var scores = Einsum("btd,bsd->bts", x, x) * 0.125f;
                var mixed = MatMul(Softmax(scores, axis: -1), Slice(Reshape(x, 0, 0, -1), axis: 2, start: 0, length: 4));
                return (LayerNorm(x + Relu(MatMul(x, Transpose(w))), g, g, 1e-5f), Sum(mixed, axis: -1, keepDims: true));
            }

            [Kernel]
            [return: Shape("B", "T", "C")]
            public static Tensor<float> Heads([Shape("B", "H", "T", "D")] Tensor<float> q, [Shape("H*D", "C")] Tensor<float> wo, [Shape("B", "T", "2*C")] Tensor<float> r)
                => MatMul(Reshape(Transpose(q, 0, 2, 1, 3), 0, 0, -1), wo) + Sum(Reshape(r, 0, 0, 2, -1), axis: 2);

            [Kernel]
            public static Tensor<float> Unpacked(Tensor<float> q, Tensor<float> k)
            {
                var (probabilities, _) = Scores(q, k);
                return probabilities + Scores(k, q).Item1;
            }

            [Kernel] public static Tensor<float> Stacked([Shape("B", "T", "D")] Tensor<float> x) => Gelu(Layers.Gelu(x) * 2f) - Sum(Gelu(x), axis: -1, keepDims: true);

            [Kernel]
            public static Tensor<float> Rotated([Shape("T", "D")] Tensor<float> x1, [Shape("T", "D")] Tensor<float> x2, [Shape("D")] Tensor<float> angle)
                => Softmax(Concat(x1 * Cos(angle) - x2 * Sin(angle), x2 * Cos(angle) + x1 * Sin(angle), axis: -1) * System.MathF.Pow(2f, -0.5f));

            [Kernel]
            [return: Shape("H", "T + 1", "D+E")]
            public static Tensor<float> Grown([Shape("H", "T", "D")] Tensor<float> cache, [Shape("H", "1", "D")] Tensor<float> token, [Shape("H", "T+1", "E")] Tensor<float> extra)
                => Concat(Concat(cache, token, axis: 1), Chunk(Concat(extra, extra), 2, 1), axis: -1);
        }
        """;
}
