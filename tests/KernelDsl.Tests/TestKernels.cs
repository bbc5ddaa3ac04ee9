using System.Numerics.Tensors;
using KernelDsl;
using static KernelDsl.Ops;

namespace KernelDsl.Tests;

/// <summary>The kernels the differential suite runs: every DSL construct, alone and combined.</summary>
public static partial class TestKernels
{
    [Kernel] public static Tensor<float> Add(Tensor<float> x, Tensor<float> y) => x + y;
    [Kernel] public static Tensor<float> Subtract(Tensor<float> x, Tensor<float> y) => x - y;
    [Kernel] public static Tensor<float> Multiply(Tensor<float> x, Tensor<float> y) => x * y;
    [Kernel] public static Tensor<float> Divide(Tensor<float> x, Tensor<float> y) => x / y;
    [Kernel] public static Tensor<float> ScalarsBothSides(Tensor<float> x) => 2f * x - x / 3f + 1f - (4f - x) * 0.25f;
    [Kernel] public static Tensor<float> Negate(Tensor<float> x, Tensor<float> y) => -x + -(x * y);
    [Kernel] public static Tensor<float> ScalarParameters(Tensor<float> x, float alpha, float beta) => alpha * x + beta / alpha;
    [Kernel] public static Tensor<float> ExpKernel(Tensor<float> x) => Exp(x);
    [Kernel] public static Tensor<float> LogKernel(Tensor<float> x) => Log(x);
    [Kernel] public static Tensor<float> SqrtKernel(Tensor<float> x) => Sqrt(x);
    [Kernel] public static Tensor<float> AbsKernel(Tensor<float> x) => Abs(x);
    [Kernel] public static Tensor<float> TanhKernel(Tensor<float> x) => Tanh(x);
    [Kernel] public static Tensor<float> SigmoidKernel(Tensor<float> x) => Sigmoid(x);
    [Kernel] public static Tensor<float> ErfKernel(Tensor<float> x) => Erf(x);
    [Kernel] public static Tensor<float> ErfcKernel(Tensor<float> x) => Erfc(x);
    [Kernel] public static Tensor<float> SinKernel(Tensor<float> x) => Sin(x);
    [Kernel] public static Tensor<float> CosKernel(Tensor<float> x) => Cos(x);
    [Kernel] public static Tensor<float> Rotation(Tensor<float> x, Tensor<float> angle) => x * Cos(angle) - x * x * Sin(angle);
    [Kernel] public static Tensor<float> MathFPowScale(Tensor<float> x, float s) => x * System.MathF.Pow(s, 1.5f) + Pow(x, System.MathF.Pow(s, -2f));
    [Kernel] public static Tensor<float> GeluKernel(Tensor<float> x) => Gelu(x);
    [Kernel] public static Tensor<float> SiluKernel(Tensor<float> x) => Silu(x);
    [Kernel] public static Tensor<float> ReluKernel(Tensor<float> x) => Relu(x);
    [Kernel] public static Tensor<float> LeakyReluDefault(Tensor<float> x) => LeakyRelu(x);
    [Kernel] public static Tensor<float> LeakyReluAlpha(Tensor<float> x, float alpha) => LeakyRelu(x, alpha);

    [Kernel]
    public static Tensor<float> GeluTanh(Tensor<float> x)
        => 0.5f * x * (1f + Tanh(0.7978845608f * (x + 0.044715f * x * x * x)));

    [Kernel] public static Tensor<float> MinMaxTensors(Tensor<float> x, Tensor<float> y) => Min(x, y) + Max(x, y) * 2f;
    [Kernel] public static Tensor<float> MinMaxScalars(Tensor<float> x) => Min(x, 0.5f) + Max(-0.5f, x) + Max(x, 0.25f) + Min(-0.25f, x);
    [Kernel] public static Tensor<float> PowTensors(Tensor<float> x, Tensor<float> y) => Pow(x, y);
    [Kernel] public static Tensor<float> PowSmallIntegers(Tensor<float> x) => Pow(x, 2f) + Pow(x, 3f) - Pow(x, 1f) + Pow(x, 0f);
    [Kernel] public static Tensor<float> PowReciprocal(Tensor<float> x) => Pow(x, -1f);
    [Kernel] public static Tensor<float> PowFraction(Tensor<float> x) => Pow(x, 1.5f);
    [Kernel] public static Tensor<float> ClampConstants(Tensor<float> x) => Clamp(x, -1f, 1f);
    [Kernel] public static Tensor<float> ClampParameters(Tensor<float> x, float low, float high) => Clamp(x, low, high);
    [Kernel] public static Tensor<float> WhereGreater(Tensor<float> x, Tensor<float> y) => Where(GreaterThan(x, y), x * 2f, y);
    [Kernel] public static Tensor<float> WhereScalars(Tensor<float> x) => Where(LessThan(x, 0f), 0f, 1f) + Where(GreaterThanOrEqual(x, 0.5f), x, 0.5f);
    [Kernel] public static Tensor<float> WhereComparisons(Tensor<float> x, Tensor<float> y)
        => Where(LessThanOrEqual(x, y), 1f, x) + Where(Equal(x, y), 10f, 0f) + Where(NotEqual(x, 0.25f), y, 100f);

    [Kernel]
    public static Tensor<float> BlockBody(Tensor<float> x, Tensor<float> y, float scale)
    {
        var square = x * x;
        var mixed = square * scale + y;
        Tensor<float> gated = Where(GreaterThan(mixed, 0f), mixed, 0f);
        return gated + square;
    }

    /// <summary>Rank-1 kernels calling kernels (inlined), with a scale from MathF on the float parameter.</summary>
    [Kernel]
    public static Tensor<float> CalledKernels(Tensor<float> x, Tensor<float> y, float scale)
        => BlockBody(LeakyReluAlpha(x, scale * 0.5f), y, scale) * System.MathF.Sqrt(scale);

    [Kernel] public static Tensor<float> CommonSubexpressions(Tensor<float> x) => x * x + x * x * (x * x);

    [Kernel] public static Tensor<float> ThreeInputs(Tensor<float> a, Tensor<float> b, Tensor<float> c) => a * b + c;

    [Kernel]
    public static Tensor<float> FiveInputs(Tensor<float> a, Tensor<float> b, Tensor<float> c, Tensor<float> d, Tensor<float> e)
        => a + b * c - d / e;

    [Kernel]
    public static Tensor<float> EightInputs(Tensor<float> a, Tensor<float> b, Tensor<float> c, Tensor<float> d,
                                            Tensor<float> e, Tensor<float> f, Tensor<float> g, Tensor<float> h)
        => (a + b) * (c - d) + e * f - g * h;

    [Kernel] public static Tensor<float> Swish(Tensor<float> x) => x * Sigmoid(x);
}
