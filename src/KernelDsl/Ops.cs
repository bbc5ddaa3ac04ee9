using System;
using System.Numerics.Tensors;
using KernelDsl.Runtime;

namespace KernelDsl;

/// <summary>
/// The functions of the kernel DSL that <see cref="Tensor"/> lacks or spells awkwardly. Each one runs
/// eagerly, so a <see cref="KernelAttribute">[Kernel]</see> body is real C# whose result is the
/// kernel's reference semantics; the generator compiles calls to these functions into fused code.
/// Import them with <c>using static KernelDsl.Ops;</c>.
/// </summary>
/// <remarks>
/// Tensor arguments combine with NumPy broadcasting, as the <see cref="Tensor{T}"/> operators do;
/// a <see cref="float"/> argument stands for a tensor of that value.
/// </remarks>
public static partial class Ops
{
    /// <summary>e^x, elementwise.</summary>
    public static Tensor<float> Exp(Tensor<float> x) => Tensor.Exp<float>(Checked(x));

    /// <summary>The natural logarithm, elementwise: NaN below 0, -∞ at 0.</summary>
    public static Tensor<float> Log(Tensor<float> x) => Tensor.Log<float>(Checked(x));

    /// <summary>The square root, elementwise: NaN below 0.</summary>
    public static Tensor<float> Sqrt(Tensor<float> x) => Tensor.Sqrt<float>(Checked(x));

    /// <summary>|x|, elementwise.</summary>
    public static Tensor<float> Abs(Tensor<float> x) => Tensor.Abs<float>(Checked(x));

    /// <summary>The hyperbolic tangent, elementwise.</summary>
    public static Tensor<float> Tanh(Tensor<float> x) => Tensor.Tanh<float>(Checked(x));

    /// <summary>The logistic sigmoid 1 / (1 + e^-x), elementwise.</summary>
    public static Tensor<float> Sigmoid(Tensor<float> x) => Tensor.Sigmoid<float>(Checked(x));

    /// <summary>The error function, elementwise.</summary>
    public static Tensor<float> Erf(Tensor<float> x) => Map(x, static v => (float)DoubleMath.Erf(v));

    /// <summary>The complementary error function 1 - erf(x), elementwise (accurate where it is tiny).</summary>
    public static Tensor<float> Erfc(Tensor<float> x) => Map(x, static v => (float)DoubleMath.Erfc(v));

    /// <summary>The sine (of radians), elementwise: NaN at ±∞.</summary>
    public static Tensor<float> Sin(Tensor<float> x) => Tensor.Sin<float>(Checked(x));

    /// <summary>The cosine (of radians), elementwise: NaN at ±∞.</summary>
    public static Tensor<float> Cos(Tensor<float> x) => Tensor.Cos<float>(Checked(x));

    /// <summary>max(x, 0), elementwise (NaN stays NaN).</summary>
    public static Tensor<float> Relu(Tensor<float> x) => Tensor.Max<float>(Checked(x), 0f);

    /// <summary>x where x &gt; 0, else <paramref name="alpha"/>·x, elementwise.</summary>
    public static Tensor<float> LeakyRelu(Tensor<float> x, float alpha = 0.01f) => Where(GreaterThan(x, 0f), x, Tensor.Multiply<float>(Checked(x), alpha));

    /// <summary>
    /// The Gaussian error linear unit x·Φ(x) = 0.5·x·erfc(-x/√2), elementwise: the exact form
    /// (ONNX Gelu with approximate="none", PyTorch's default). Write the tanh approximation out in
    /// the kernel body if that is the one wanted.
    /// </summary>
    public static Tensor<float> Gelu(Tensor<float> x) => Map(x, static v => (float)(0.5 * v * DoubleMath.Erfc(-v * 0.70710678118654752)));

    /// <summary>The sigmoid linear unit (swish) x·sigmoid(x), elementwise.</summary>
    public static Tensor<float> Silu(Tensor<float> x) => Tensor.Multiply<float>(Checked(x), Sigmoid(x));

    /// <summary>The elementwise minimum (IEEE 754:2019: NaN propagates, -0 &lt; +0).</summary>
    public static Tensor<float> Min(Tensor<float> x, Tensor<float> y) => Tensor.Min<float>(Checked(x), Checked(y, nameof(y)));

    /// <summary>The elementwise minimum of a tensor and a scalar.</summary>
    public static Tensor<float> Min(Tensor<float> x, float y) => Tensor.Min<float>(Checked(x), y);

    /// <summary>The elementwise minimum of a scalar and a tensor.</summary>
    public static Tensor<float> Min(float x, Tensor<float> y) => Tensor.Min<float>(Checked(y, nameof(y)), x);

    /// <summary>The elementwise maximum (IEEE 754:2019: NaN propagates, +0 &gt; -0).</summary>
    public static Tensor<float> Max(Tensor<float> x, Tensor<float> y) => Tensor.Max<float>(Checked(x), Checked(y, nameof(y)));

    /// <summary>The elementwise maximum of a tensor and a scalar.</summary>
    public static Tensor<float> Max(Tensor<float> x, float y) => Tensor.Max<float>(Checked(x), y);

    /// <summary>The elementwise maximum of a scalar and a tensor.</summary>
    public static Tensor<float> Max(float x, Tensor<float> y) => Tensor.Max<float>(Checked(y, nameof(y)), x);

    /// <summary>x^y, elementwise, with the special cases of <see cref="MathF.Pow"/>.</summary>
    public static Tensor<float> Pow(Tensor<float> x, Tensor<float> y) => Tensor.Pow<float>(Checked(x), Checked(y, nameof(y)));

    /// <summary>x^y for a scalar exponent, elementwise.</summary>
    public static Tensor<float> Pow(Tensor<float> x, float y) => Tensor.Pow<float>(Checked(x), y);

    /// <summary>
    /// min(max(x, <paramref name="min"/>), <paramref name="max"/>), elementwise. When
    /// <paramref name="min"/> exceeds <paramref name="max"/> every element becomes <paramref name="max"/>.
    /// </summary>
    public static Tensor<float> Clamp(Tensor<float> x, float min, float max) => Tensor.Min<float>(Tensor.Max<float>(Checked(x), min), max);

    /// <summary>x &lt; y, elementwise.</summary>
    public static Tensor<bool> LessThan(Tensor<float> x, Tensor<float> y) => Tensor.LessThan<float>(Checked(x), Checked(y, nameof(y)));

    /// <summary>x &lt; y, elementwise.</summary>
    public static Tensor<bool> LessThan(Tensor<float> x, float y) => Tensor.LessThan<float>(Checked(x), y);

    /// <summary>x ≤ y, elementwise.</summary>
    public static Tensor<bool> LessThanOrEqual(Tensor<float> x, Tensor<float> y) => Tensor.LessThanOrEqual<float>(Checked(x), Checked(y, nameof(y)));

    /// <summary>x ≤ y, elementwise.</summary>
    public static Tensor<bool> LessThanOrEqual(Tensor<float> x, float y) => Tensor.LessThanOrEqual<float>(Checked(x), y);

    /// <summary>x &gt; y, elementwise.</summary>
    public static Tensor<bool> GreaterThan(Tensor<float> x, Tensor<float> y) => Tensor.GreaterThan<float>(Checked(x), Checked(y, nameof(y)));

    /// <summary>x &gt; y, elementwise.</summary>
    public static Tensor<bool> GreaterThan(Tensor<float> x, float y) => Tensor.GreaterThan<float>(Checked(x), y);

    /// <summary>x ≥ y, elementwise.</summary>
    public static Tensor<bool> GreaterThanOrEqual(Tensor<float> x, Tensor<float> y) => Tensor.GreaterThanOrEqual<float>(Checked(x), Checked(y, nameof(y)));

    /// <summary>x ≥ y, elementwise.</summary>
    public static Tensor<bool> GreaterThanOrEqual(Tensor<float> x, float y) => Tensor.GreaterThanOrEqual<float>(Checked(x), y);

    /// <summary>x == y, elementwise (false where either is NaN).</summary>
    public static Tensor<bool> Equal(Tensor<float> x, Tensor<float> y) => Tensor.Equals<float>(Checked(x), Checked(y, nameof(y)));

    /// <summary>x == y, elementwise (false where x is NaN).</summary>
    public static Tensor<bool> Equal(Tensor<float> x, float y) => Tensor.Equals<float>(Checked(x), y);

    /// <summary>x != y, elementwise (true where either is NaN).</summary>
    public static Tensor<bool> NotEqual(Tensor<float> x, Tensor<float> y) => Not(Equal(x, y));

    /// <summary>x != y, elementwise (true where x is NaN).</summary>
    public static Tensor<bool> NotEqual(Tensor<float> x, float y) => Not(Equal(x, y));

    /// <summary>Elementwise choice: <paramref name="whenTrue"/> where <paramref name="condition"/> holds, else <paramref name="whenFalse"/>.</summary>
    public static Tensor<float> Where(Tensor<bool> condition, Tensor<float> whenTrue, Tensor<float> whenFalse)
        => Select(condition, Checked(whenTrue, nameof(whenTrue)), Checked(whenFalse, nameof(whenFalse)));

    /// <summary>Elementwise choice between a tensor and a scalar.</summary>
    public static Tensor<float> Where(Tensor<bool> condition, Tensor<float> whenTrue, float whenFalse)
        => Select(condition, Checked(whenTrue, nameof(whenTrue)), Filled(whenFalse));

    /// <summary>Elementwise choice between a scalar and a tensor.</summary>
    public static Tensor<float> Where(Tensor<bool> condition, float whenTrue, Tensor<float> whenFalse)
        => Select(condition, Filled(whenTrue), Checked(whenFalse, nameof(whenFalse)));

    /// <summary>Elementwise choice between two scalars.</summary>
    public static Tensor<float> Where(Tensor<bool> condition, float whenTrue, float whenFalse)
        => Select(condition, Filled(whenTrue), Filled(whenFalse));

    private static Tensor<float> Select(Tensor<bool> condition, Tensor<float> whenTrue, Tensor<float> whenFalse)
    {
        ArgumentNullException.ThrowIfNull(condition);
        nint[] shape = Broadcasting.Shape(Broadcasting.Shape(condition.Lengths, whenTrue.Lengths, nameof(whenTrue)), whenFalse.Lengths, nameof(whenFalse));
        bool[] c = Broadcasting.Flatten(condition, shape);
        float[] t = Broadcasting.Flatten(whenTrue, shape);
        float[] f = Broadcasting.Flatten(whenFalse, shape);
        var result = new float[c.Length];
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = c[i] ? t[i] : f[i];
        }

        return Tensor.Create(result, shape);
    }

    private static Tensor<bool> Not(Tensor<bool> mask)
    {
        bool[] values = Broadcasting.Flatten(mask, mask.Lengths.ToArray());
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = !values[i];
        }

        return Tensor.Create(values, mask.Lengths);
    }

    private static Tensor<float> Map(Tensor<float> x, Func<float, float> function)
    {
        float[] values = Broadcasting.Flatten(Checked(x), x.Lengths.ToArray());
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = function(values[i]);
        }

        return Tensor.Create(values, x.Lengths);
    }

    private static Tensor<float> Filled(float value) => Tensor.Create([value], [1]);

    private static Tensor<float> Checked(Tensor<float> tensor, string name = "x")
    {
        ArgumentNullException.ThrowIfNull(tensor, name);
        return tensor;
    }
}
