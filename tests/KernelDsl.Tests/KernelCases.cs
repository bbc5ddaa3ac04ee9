using System;
using System.Collections.Generic;
using KernelDsl.Runtime;

namespace KernelDsl.Tests;

/// <summary>
/// The table of kernels the differential suite runs, with their float64 references and tolerances.
/// Tolerances are relative (in float32 ulps, <see cref="KernelCase.Ulp"/>) where the result is
/// well-conditioned, plus an absolute term where the expression cancels (GELU for negative inputs,
/// sums of rounded terms near zero). The tanh form of GELU, 1 + tanh(...), cancels for x &lt; -2 in
/// float32 (eager and fused alike); Ops.Gelu is computed as 0.5·x·erfc(-x/√2) and keeps its relative
/// accuracy there. Pow, computed as
/// e^(y·log x), is held to its documented model: (1 + |y·ln x|) ulp, scaled per element.
/// </summary>
public static class KernelCases
{
    private static readonly Domain Wide = new(-100, 100);
    private static readonly Domain Unit = new(-4, 4);
    private static readonly Domain Positive = new(0.1, 10);
    private static readonly float[] Signs = [0f, -0f, 1f, -1f, float.NaN];
    private static readonly float[] Infinities = [float.PositiveInfinity, float.NegativeInfinity];

    public static IReadOnlyList<KernelCase> All { get; } =
    [
        new("Add", static (x, _) => x[0] + x[1], [Wide], 0.5 * KernelCase.Ulp, 0, Specials: Signs),
        new("Subtract", static (x, _) => x[0] - x[1], [Wide], 0.5 * KernelCase.Ulp, 0, Specials: Signs),
        new("Multiply", static (x, _) => x[0] * x[1], [Wide], 0.5 * KernelCase.Ulp, 0, Specials: [.. Signs, .. Infinities]),
        new("Divide", static (x, _) => x[0] / x[1], [Wide, new Domain(0.01, 100, LogScale: true, RandomSign: true)], 0.5 * KernelCase.Ulp, 0),
        new("ScalarsBothSides", static (x, _) => 2 * x[0] - x[0] / 3 + 1 - (4 - x[0]) * 0.25, [Unit], 4 * KernelCase.Ulp, 4e-6),
        new("Negate", static (x, _) => -x[0] - x[0] * x[1], [Wide], 2 * KernelCase.Ulp, 1e-3),
        new("ScalarParameters", static (x, s) => s[0] * x[0] + s[1] / s[0], [Wide], 2 * KernelCase.Ulp, 1e-4, Scalars: [1.5f, -3f]),
        new("ExpKernel", static (x, _) => Math.Exp(x[0]), [new Domain(-104, 89)], 1 * KernelCase.Ulp, 1e-45,
            Specials: [0f, -0f, 88.72f, 88.73f, -87.33f, -103.9f, -104f, 1000f, -1000f, float.NaN, .. Infinities],
            EagerTolerance: (2 * KernelCase.Ulp, 1e-45)),
        new("LogKernel", static (x, _) => Math.Log(x[0]), [new Domain(1e-38, 1e38, LogScale: true)], 1 * KernelCase.Ulp, 1e-7,
            Specials: [1f, 0f, -0f, -1f, float.Epsilon, 1e-40f, float.MaxValue, float.NaN, .. Infinities]),
        new("SqrtKernel", static (x, _) => Math.Sqrt(x[0]), [new Domain(1e-30, 1e30, LogScale: true)], 0.5 * KernelCase.Ulp, 0,
            Specials: [0f, -0f, -1f, 1f, float.NaN, .. Infinities]),
        new("AbsKernel", static (x, _) => Math.Abs(x[0]), [Wide], 0, 0, Specials: [.. Signs, .. Infinities]),
        new("TanhKernel", static (x, _) => Math.Tanh(x[0]), [new Domain(-10, 10)], 3 * KernelCase.Ulp, 1e-9,
            Specials: [0f, -0f, 1e-5f, -1e-5f, 0.0004f, 9f, -9f, 20f, float.NaN, .. Infinities],
            EagerTolerance: (3 * KernelCase.Ulp, 1e-7)),
        new("SigmoidKernel", static (x, _) => 1 / (1 + Math.Exp(-x[0])), [new Domain(-30, 30)], 3 * KernelCase.Ulp, 1e-30,
            Specials: [0f, 100f, -100f, float.NaN, .. Infinities]),
        new("ErfKernel", static (x, _) => DoubleMath.Erf(x[0]), [new Domain(-5, 5)], 4 * KernelCase.Ulp, 1e-8,
            Specials: [0f, -0f, 4f, -4f, 10f, float.NaN, .. Infinities]),
        new("ErfcKernel", static (x, _) => DoubleMath.Erfc(x[0]), [new Domain(-10, 10)], 8 * KernelCase.Ulp, 3e-45,
            Specials: [0f, -0f, 9.2f, 10f, 12f, -12f, float.NaN, .. Infinities]),
        // Sin and Cos hold their relative accuracy near their zeros (the reduction keeps the argument's
        // bits), up to the vector limit (65,536) and past it (MathF); the eager Tensor.Sin is held to
        // an absolute bound there.
        new("SinKernel", static (x, _) => Math.Sin(x[0]), [new Domain(-100, 100)], 2 * KernelCase.Ulp, 1e-45,
            Specials: [0f, -0f, 1e-20f, -1e-30f, 3.14159274f, 6.28318548f, 1.57079637f, 355f, 65535.98f, 65536f, 65536.01f, -70000f, 1e6f, 1e30f, -3e38f, float.NaN, .. Infinities],
            EagerTolerance: (4 * KernelCase.Ulp, 1e-7)),
        new("CosKernel", static (x, _) => Math.Cos(x[0]), [new Domain(-100, 100)], 2 * KernelCase.Ulp, 1e-45,
            Specials: [0f, -0f, 1e-20f, 1.57079637f, -4.71238899f, 3.14159274f, 65535.98f, 65536.01f, -70000f, 1e6f, 1e30f, float.NaN, .. Infinities],
            EagerTolerance: (4 * KernelCase.Ulp, 1e-7)),
        new("Rotation", static (x, _) => x[0] * Math.Cos(x[1]) - x[0] * x[0] * Math.Sin(x[1]), [Unit, new Domain(-1000, 1000)], 8 * KernelCase.Ulp, 1e-5),
        new("MathFPowScale", static (x, s) => x[0] * Math.Pow(s[0], 1.5) + Math.Pow(x[0], Math.Pow(s[0], -2)), [Positive], 4 * KernelCase.Ulp, 1e-6, Scalars: [2.5f],
            Specials: [0f, 1f, float.PositiveInfinity]),
        new("GeluKernel", static (x, _) => Gelu(x[0]), [new Domain(-14, 6)], 8 * KernelCase.Ulp, 1e-43, Specials: [0f, -10f, 10f, -13.5f, float.NaN]),
        new("GeluTanh", static (x, _) => 0.5 * x[0] * (1 + Math.Tanh(0.7978845608 * (x[0] + 0.044715 * x[0] * x[0] * x[0]))),
            [new Domain(-6, 6)], 4 * KernelCase.Ulp, 1e-6, Specials: [0f, -10f, 10f]),
        new("SiluKernel", static (x, _) => x[0] / (1 + Math.Exp(-x[0])), [new Domain(-20, 20)], 4 * KernelCase.Ulp, 1e-30, Specials: [0f, -100f, 100f]),
        new("Swish", static (x, _) => x[0] / (1 + Math.Exp(-x[0])), [new Domain(-20, 20)], 4 * KernelCase.Ulp, 1e-30),
        new("ReluKernel", static (x, _) => x[0] > 0 ? x[0] : double.IsNaN(x[0]) ? double.NaN : 0, [Unit], 0, 0, Specials: [.. Signs, .. Infinities]),
        new("LeakyReluDefault", static (x, _) => x[0] > 0 ? x[0] : 0.01f * x[0], [Unit], 0.5 * KernelCase.Ulp, 0, Specials: Signs),
        new("LeakyReluAlpha", static (x, s) => x[0] > 0 ? x[0] : s[0] * x[0], [Unit], 0.5 * KernelCase.Ulp, 0, Scalars: [0.2f], Specials: Signs),
        new("MinMaxTensors", static (x, _) => Math.Min(x[0], x[1]) + 2 * Math.Max(x[0], x[1]), [Unit], 2 * KernelCase.Ulp, 1e-6, Specials: Signs),
        new("MinMaxScalars", static (x, _) => Math.Min(x[0], 0.5) + Math.Max(-0.5, x[0]) + Math.Max(x[0], 0.25) + Math.Min(-0.25, x[0]),
            [Unit], 3 * KernelCase.Ulp, 1e-6, Specials: Signs),
        new("PowTensors", static (x, _) => Math.Pow(x[0], x[1]), [Positive, new Domain(-3, 3)], 1 * KernelCase.Ulp, 0,
            Specials: [1f, 0f, 2f, 0.5f, float.NaN], PowExponent: double.NaN),
        new("PowSmallIntegers", static (x, _) => x[0] * x[0] + x[0] * x[0] * x[0] - x[0] + 1, [new Domain(-10, 10)], 4 * KernelCase.Ulp, 1e-4),
        new("PowReciprocal", static (x, _) => 1 / x[0], [new Domain(0.01, 100, LogScale: true, RandomSign: true)], 0.5 * KernelCase.Ulp, 0),
        new("PowFraction", static (x, _) => Math.Pow(x[0], 1.5), [new Domain(1e-6, 100, LogScale: true)], 1 * KernelCase.Ulp, 1e-30, Specials: [0f, 1f, -1f],
            PowExponent: 1.5),
        new("ClampConstants", static (x, _) => Math.Min(Math.Max(x[0], -1), 1), [Unit], 0, 0, Specials: Signs),
        new("ClampParameters", static (x, s) => Math.Min(Math.Max(x[0], s[0]), s[1]), [Unit], 0, 0, Scalars: [-0.5f, 2f], Specials: Signs),
        new("WhereGreater", static (x, _) => x[0] > x[1] ? 2 * x[0] : x[1], [Unit], 0, 0),
        new("WhereScalars", static (x, _) => (x[0] < 0 ? 0 : 1) + (x[0] >= 0.5 ? x[0] : 0.5), [Unit], 0.5 * KernelCase.Ulp, 0, Specials: Signs),
        new("WhereComparisons", static (x, _) => (x[0] <= x[1] ? 1 : x[0]) + (x[0] == x[1] ? 10 : 0) + (x[0] != 0.25 ? x[1] : 100),
            [new Domain(0, 1)], 2 * KernelCase.Ulp, 1e-6, Specials: [0.25f, 0f, 1f]),
        new("BlockBody", static (x, s) => Math.Max(x[0] * x[0] * s[0] + x[1], 0) + x[0] * x[0], [Unit], 4 * KernelCase.Ulp, 1e-6, Scalars: [0.75f]),
        new("CalledKernels", static (x, s) =>
        {
            double leaky = x[0] > 0 ? x[0] : s[0] * 0.5 * x[0];
            return (Math.Max(leaky * leaky * s[0] + x[1], 0) + leaky * leaky) * Math.Sqrt(s[0]);
        }, [Unit], 8 * KernelCase.Ulp, 1e-6, Scalars: [0.75f]),
        new("CommonSubexpressions", static (x, _) => x[0] * x[0] + x[0] * x[0] * x[0] * x[0], [Unit], 2 * KernelCase.Ulp, 0),
        new("ThreeInputs", static (x, _) => x[0] * x[1] + x[2], [Unit], 2 * KernelCase.Ulp, 1e-6),
        new("FiveInputs", static (x, _) => x[0] + x[1] * x[2] - x[3] / x[4], [Unit, Unit, Unit, Unit, new Domain(0.5, 4)], 4 * KernelCase.Ulp, 1e-5),
        new("EightInputs", static (x, _) => (x[0] + x[1]) * (x[2] - x[3]) + x[4] * x[5] - x[6] * x[7], [Unit], 4 * KernelCase.Ulp, 1e-5),
    ];

    private static double Gelu(double x) => 0.5 * x * DoubleMath.Erfc(-x / Math.Sqrt(2));
}
