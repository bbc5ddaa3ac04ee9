using System;
using System.Numerics.Tensors;
using KernelDsl.Runtime;
using Xunit;

namespace KernelDsl.Tests;

/// <summary>The eager Ops: their semantics are the DSL's, so they are tested against known values.</summary>
public sealed class OpsTests
{
    [Theory]
    [InlineData(0.0, 0.0)]
    [InlineData(0.5, 0.5204998778130465)]
    [InlineData(1.0, 0.8427007929497149)]
    [InlineData(2.0, 0.9953222650189527)]
    [InlineData(2.5, 0.9995930479825550)]
    [InlineData(3.0, 0.9999779095030014)]
    [InlineData(-1.5, -0.9661051464753108)]
    [InlineData(6.0, 1.0)]
    public void DoubleErfMatchesTabulatedValues(double x, double expected)
        => Assert.Equal(expected, DoubleMath.Erf(x), 14);

    [Theory]
    [InlineData(0.5, 0.4795001221869535)]
    [InlineData(2.0, 4.677734981047266e-3)]
    [InlineData(3.0, 2.209049699858544e-5)]
    [InlineData(5.0, 1.537459794428035e-12)]
    [InlineData(10.0, 2.088487583762545e-45)]
    [InlineData(-1.0, 1.842700792949715)]
    public void DoubleErfcKeepsRelativeAccuracy(double x, double expected)
        => Assert.Equal(1.0, DoubleMath.Erfc(x) / expected, 12);

    [Fact]
    public void ConcatJoinsAlongAnyAxisAndNamesWhatDoesNotFit()
    {
        Tensor<float> a = Tensor.Create(new float[] { 1, 2, 3, 4 }, [2, 2]);
        Tensor<float> b = Tensor.Create(new float[] { 5, 6 }, [2, 1]);
        Tensor<float> c = Tensor.Create(new float[] { 7, 8 }, [1, 2]);
        Assert.Equal(new float[] { 1, 2, 5, 3, 4, 6 }, Ops.Concat(a, b).ToArray());
        Assert.Equal([2, 3], Ops.Concat(a, b, axis: 1).Lengths.ToArray());
        Assert.Equal(new float[] { 1, 2, 3, 4, 7, 8, 1, 2, 3, 4 }, Ops.Concat(a, c, a, axis: 0).ToArray());
        Assert.Equal(new float[] { 5, 1, 2, 5, 5, 6, 3, 4, 6, 6 }, Ops.Concat(b, a, b, b, axis: -1).ToArray());
        Assert.Equal(new float[] { 7, 8 }, Ops.Concat(c, Tensor.Create(Array.Empty<float>(), [0, 2]), axis: 0).ToArray());

        ArgumentException dimension = Assert.Throws<ArgumentException>(() => Ops.Concat(a, c));
        Assert.Equal("y", dimension.ParamName);
        Assert.Contains("dimension 0 is 2 in x (shape [2, 2]) but 1 in y (shape [1, 2])", dimension.Message);
        ArgumentException rank = Assert.Throws<ArgumentException>(() => Ops.Concat(a, a, Tensor.Create(new float[] { 1, 2 }, [2])));
        Assert.Equal("z", rank.ParamName);
        Assert.Equal("axis", Assert.Throws<ArgumentOutOfRangeException>(() => Ops.Concat(a, a, axis: 2)).ParamName);
        Assert.Equal("x", Assert.Throws<ArgumentNullException>(() => Ops.Concat(null!, a)).ParamName);
    }

    [Fact]
    public void WhereBroadcastsScalarsAndTensors()
    {
        Tensor<float> x = Tensor.Create([-1f, 2f, -3f, 4f], [2, 2]);
        Assert.Equal([0f, 2f, 0f, 4f], Ops.Where(Ops.GreaterThan(x, 0f), x, 0f).ToArray());
        Assert.Equal([1f, 0f, 1f, 0f], Ops.Where(Ops.LessThan(x, 0f), 1f, 0f).ToArray());
        Tensor<float> row = Tensor.Create([10f, 20f], [2]);
        Assert.Equal([10f, 2f, 10f, 4f], Ops.Where(Ops.GreaterThan(x, 0f), x, row).ToArray());
    }

    [Fact]
    public void WhereRejectsIncompatibleShapesNamingTheParameter()
    {
        Tensor<float> x = Tensor.Create(new float[6], [2, 3]);
        Tensor<float> y = Tensor.Create(new float[2], [2]);
        var error = Assert.Throws<ArgumentException>(() => Ops.Where(Ops.GreaterThan(x, 0f), x, y));
        Assert.Equal("whenFalse", error.ParamName);
    }

    [Fact]
    public void ActivationsHaveTheirDefinitions()
    {
        Tensor<float> x = Tensor.Create([-2f, -0.5f, 0f, 1f, float.NaN], [5]);
        float[] relu = Ops.Relu(x).ToArray();
        Assert.Equal([0f, 0f, 0f, 1f], relu[..4]);
        Assert.True(float.IsNaN(relu[4]));
        Assert.Equal([-0.02f, -0.005f, 0f, 1f], Ops.LeakyRelu(x).ToArray()[..4]);
        Assert.Equal(0.8413447f, Ops.Gelu(x).ToArray()[3], 6);
        Assert.Equal(0.7310586f, Ops.Silu(x).ToArray()[3], 6);
        Assert.Equal([-1f, -0.5f, 0f, 1f], Ops.Clamp(x, -1f, 1f).ToArray()[..4]);
        Assert.Equal([true, true, false, true, true], Ops.NotEqual(x, 0f).ToArray());
    }

    [Fact]
    public void NullArgumentsAreReported()
    {
        var error = Assert.Throws<ArgumentNullException>(() => Ops.Exp(null!));
        Assert.Equal("x", error.ParamName);
    }
}

/// <summary>The SIMD primitives agree with MathF at every width, including NaN and signed zeros.</summary>
public sealed class SimdPrimitiveTests
{
    private static readonly float[] Values = [0f, -0f, 1f, -1f, 2.5f, -2.5f, float.NaN, float.PositiveInfinity, float.NegativeInfinity, 1e-40f, 3.5f, 0.5f, -0.5f, 1.5f, 2f, 7f];

    [Fact]
    public void MinMaxRoundAndMasksMatchScalarSemanticsAtEveryWidth()
    {
        Check<Simd512>();
        Check<Simd256>();
        Check<Simd128>();
        Check<SimdScalar>();
    }

    private static void Check<V>() where V : struct, ISimdFloat<V>
    {
        foreach (float a in Values)
        {
            foreach (float b in Values)
            {
                Same(MathF.Min(a, b), Lane(V.Min(V.Create(a), V.Create(b))), $"{typeof(V).Name}.Min({a}, {b})");
                Same(MathF.Max(a, b), Lane(V.Max(V.Create(a), V.Create(b))), $"{typeof(V).Name}.Max({a}, {b})");
                Assert.Equal(a > b ? 1f : 0f, Lane(V.Select(V.GreaterThan(V.Create(a), V.Create(b)), V.Create(1f), V.Create(0f))));
                Assert.Equal(a != b ? 1f : 0f, Lane(V.Select(V.NotEqual(V.Create(a), V.Create(b)), V.Create(1f), V.Create(0f))));
            }

            Same(MathF.Round(a, MidpointRounding.ToEven), Lane(V.Round(V.Create(a))), $"{typeof(V).Name}.Round({a})");
        }

        Assert.Equal(0.25f, Lane(V.PowerOfTwo(V.Create(-2f))));
        Assert.Equal(3f, Lane(V.Exponent(V.Create(12f))));
        Assert.Equal(1.5f, Lane(V.Significand(V.Create(12f))));
    }

    private static float Lane<V>(V value) where V : struct, ISimdFloat<V>
    {
        var lanes = new float[V.Count];
        V.Store(value, ref lanes[0], 0);
        return lanes[V.Count - 1];
    }

    private static void Same(float expected, float actual, string what)
        => Assert.True(BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(actual) || (float.IsNaN(expected) && float.IsNaN(actual)), $"{what}: expected {expected:R}, got {actual:R}");
}
