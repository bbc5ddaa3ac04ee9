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

    /// <summary>A copy through the kernel runtime: the memory-bandwidth baseline, on the same cores.</summary>
    [Kernel]
    public static Tensor<float> Copy(Tensor<float> x) => x;
}
