using System.Numerics.Tensors;
using KernelDsl;
using static KernelDsl.Ops;

namespace QuickStart;

/// <summary>A few activation functions written as kernels: ordinary tensor code, fused at build time.</summary>
public static partial class Activations
{
    /// <summary>GELU, tanh approximation.</summary>
    [Kernel]
    public static Tensor<float> GeluTanh(Tensor<float> x)
        => 0.5f * x * (1f + Tanh(0.7978845608f * (x + 0.044715f * x * x * x)));

    /// <summary>SiLU (swish), written out.</summary>
    [Kernel]
    public static Tensor<float> Swish(Tensor<float> x)
        => x * Sigmoid(x);

    /// <summary>A residual step with a scalar parameter and locals.</summary>
    [Kernel]
    public static Tensor<float> ScaledResidual(Tensor<float> x, Tensor<float> residual, float alpha)
    {
        var activated = Where(GreaterThan(x, 0f), x, alpha * x);
        return residual + Clamp(activated, -6f, 6f);
    }
}
