using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Numerics.Tensors;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace KernelDsl.Generators.Tests.Float64;

/// <summary>
/// A second oracle for the random kernels: each kernel's body, as written, compiled against
/// <see cref="Ops64"/> (the DSL's functions over float64 tensors, written plainly here) instead of
/// <c>KernelDsl.Ops</c>. It shares nothing with the generator (no front end, no graph) nor with the
/// eager body's float32 arithmetic, so where the fused kernel and the eager body disagree it says
/// which of them rounding led astray: a chain that saturates a tanh, normalizes what is left and
/// multiplies it by large sums can leave the float32 eager body wrong in its second digit.
/// </summary>
internal static class Float64Kernels
{
    /// <summary>
    /// Compiles the kernels' bodies (<see cref="RandomKernels.KernelsOf"/>) as methods of a class
    /// <c>Fuzz64</c> over <see cref="D"/>, loaded into <paramref name="context"/>.
    /// </summary>
    public static Type Compile(IEnumerable<string> kernels, AssemblyLoadContext context)
    {
        // Each kernel as RandomKernels.KernelsOf gives it, less the enclosing class's closing brace
        // that follows the last one, with D for every tensor.
        string Method(string kernel) => string.Join("\n", kernel.Split('\n').Where(line => line != "}")).Replace("Tensor<float>", "D") + "\n";
        string source = "using KernelDsl.Generators.Tests.Float64;\nusing static KernelDsl.Generators.Tests.Float64.Ops64;\n\npublic static class Fuzz64\n{\n"
            + string.Concat(kernels.Select(Method)) + "}\n";
        var compilation = CSharpCompilation.Create(
            "Fuzz64",
            [CSharpSyntaxTree.ParseText(source, GeneratorHarness.ParseOptions)],
            [.. GeneratorHarness.References.Value, MetadataReference.CreateFromFile(typeof(D).Assembly.Location)],
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        using var image = new MemoryStream();
        var emitted = compilation.Emit(image);
        if (!emitted.Success)
        {
            throw new Xunit.Sdk.XunitException("the float64 oracle does not compile:\n" + string.Join("\n", emitted.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Take(5)));
        }

        image.Position = 0;
        return context.LoadFromStream(image).GetType("Fuzz64")!;
    }

    /// <summary>
    /// Runs kernel <paramref name="name"/> of <paramref name="fuzz64"/> on the float32 arguments; one
    /// array per result. With <paramref name="noiseSeed"/>, every value an operation produces is
    /// multiplied by 1 + δ, δ uniform in ±<see cref="Ops64.NoiseRelative"/>: how far that moves the
    /// results estimates how far a float32 evaluation's rounding may, including what rounding does
    /// inside the expression (a saturated tanh) that perturbing the inputs does not reach.
    /// </summary>
    public static double[][] Run(Type fuzz64, string name, object[] arguments, int? noiseSeed = null)
    {
        MethodInfo method = fuzz64.GetMethod(name)!;
        Ops64.Noise = noiseSeed is int seed ? new Random(seed) : null;
        try
        {
            object result = method.Invoke(null, arguments.Select(a => (object)D.From((Tensor<float>)a)).ToArray())!;
            return result switch
            {
                D single => [single.Data],
                ITuple tuple => Enumerable.Range(0, tuple.Length).Select(i => ((D)tuple[i]!).Data).ToArray(),
                _ => throw new Xunit.Sdk.XunitException($"unexpected float64 result {result.GetType()}"),
            };
        }
        finally
        {
            Ops64.Noise = null;
        }
    }

    /// <summary>
    /// For each result element, the largest |noisy - exact| over two noisy runs
    /// (<see cref="Run"/>): an estimate of the float32 rounding error at that element.
    /// </summary>
    public static double[][] RoundingEstimate(Type fuzz64, string name, object[] arguments, double[][] exact)
    {
        double[][] first = Run(fuzz64, name, arguments, noiseSeed: 1), second = Run(fuzz64, name, arguments, noiseSeed: 2);
        return exact.Select((values, r) => values.Select((v, i) => Math.Max(Deviation(first[r][i], v), Deviation(second[r][i], v))).ToArray()).ToArray();
    }

    private static double Deviation(double noisy, double exact) => double.IsFinite(noisy) && double.IsFinite(exact) ? Math.Abs(noisy - exact) : 0;
}

/// <summary>Stands in for <c>KernelDsl.ShapeAttribute</c>, so the kernels' parameter lists compile unchanged.</summary>
[AttributeUsage(AttributeTargets.Parameter | AttributeTargets.ReturnValue)]
public sealed class ShapeAttribute(params string[] dimensions) : Attribute
{
    public string[] Dimensions { get; } = dimensions;
}

/// <summary>A float64 tensor, row-major: the oracle's only value type (masks are 0 and 1).</summary>
public sealed class D
{
    public D(int[] shape, double[] data)
    {
        if (data.Length != Count(shape))
        {
            throw new ArgumentException($"{data.Length} values do not fill [{string.Join(", ", shape)}]");
        }

        Shape = shape;
        Data = data;
    }

    public int[] Shape { get; }

    public double[] Data { get; }

    public int Rank => Shape.Length;

    public static D From(Tensor<float> tensor)
    {
        var values = new float[tensor.FlattenedLength];
        tensor.FlattenTo(values);
        return new D(tensor.Lengths.ToArray().Select(l => (int)l).ToArray(), values.Select(v => (double)v).ToArray());
    }

    public static int Count(int[] shape) => shape.Aggregate(1, (p, l) => p * l);

    public D Map(Func<double, double> f) => new(Shape, Data.Select(v => Ops64.Rounded(f(v))).ToArray());

    public static D operator +(D a, D b) => Ops64.Zip(a, b, (x, y) => x + y);
    public static D operator -(D a, D b) => Ops64.Zip(a, b, (x, y) => x - y);
    public static D operator *(D a, D b) => Ops64.Zip(a, b, (x, y) => x * y);
    public static D operator /(D a, D b) => Ops64.Zip(a, b, (x, y) => x / y);
    public static D operator +(D a, double b) => a.Map(x => x + b);
    public static D operator -(D a, double b) => a.Map(x => x - b);
    public static D operator *(D a, double b) => a.Map(x => x * b);
    public static D operator /(D a, double b) => a.Map(x => x / b);
    public static D operator +(double a, D b) => b.Map(y => a + y);
    public static D operator -(double a, D b) => b.Map(y => a - y);
    public static D operator *(double a, D b) => b.Map(y => a * y);
    public static D operator /(double a, D b) => b.Map(y => a / y);
    public static D operator -(D a) => a.Map(x => -x);
}

/// <summary>
/// The functions of <c>KernelDsl.Ops</c> the random kernels use, over <see cref="D"/>, with NumPy
/// broadcasting and the same definitions (population variance, ONNX reshape rules), in float64.
/// </summary>
public static class Ops64
{
    /// <summary>The relative size of the noise <see cref="Rounded"/> adds: 2^-21, four float32 ulps (the vector math is accurate to a few).</summary>
    public const double NoiseRelative = 1.0 / (1 << 21);

    /// <summary>When set, every value an operation produces is perturbed (<see cref="Float64Kernels.Run"/>).</summary>
    [ThreadStatic]
    internal static Random? Noise;

    /// <summary>A value an operation produced: itself, or with noise of the size of float32 rounding.</summary>
    internal static double Rounded(double value) => Noise is null ? value : value * (1 + (Noise.NextDouble() * 2 - 1) * NoiseRelative);

    public static D Tanh(D x) => x.Map(Math.Tanh);
    public static D Sigmoid(D x) => x.Map(v => 1 / (1 + Math.Exp(-v)));
    public static D Relu(D x) => x.Map(v => v > 0 ? v : v < 0 ? 0 : v);
    public static D Abs(D x) => x.Map(Math.Abs);
    public static D Silu(D x) => x.Map(v => v / (1 + Math.Exp(-v)));
    public static D Gelu(D x) => x.Map(v => 0.5 * v * (1 + Erf(v / Math.Sqrt(2))));
    public static D Exp(D x) => x.Map(Math.Exp);
    public static D Log(D x) => x.Map(Math.Log);
    public static D Sqrt(D x) => x.Map(Math.Sqrt);
    public static D Erf(D x) => x.Map(Erf);
    public static D Sin(D x) => x.Map(Math.Sin);
    public static D Cos(D x) => x.Map(Math.Cos);
    public static D Clamp(D x, double min, double max) => x.Map(v => Math.Min(Math.Max(v, min), max));
    public static D LeakyRelu(D x, double alpha = 0.01) => x.Map(v => v < 0 ? alpha * v : v);
    public static D Pow(D x, double y) => x.Map(v => Math.Pow(v, y));
    public static D Pow(D x, D y) => Zip(x, y, Math.Pow);
    public static D Max(D x, D y) => Zip(x, y, Math.Max);
    public static D Min(D x, D y) => Zip(x, y, Math.Min);
    public static D Max(D x, double y) => x.Map(v => Math.Max(v, y));
    public static D Min(D x, double y) => x.Map(v => Math.Min(v, y));
    public static D GreaterThan(D x, D y) => Zip(x, y, (a, b) => a > b ? 1 : 0);
    public static D GreaterThan(D x, double y) => x.Map(v => v > y ? 1 : 0);
    public static D LessThan(D x, D y) => Zip(x, y, (a, b) => a < b ? 1 : 0);
    public static D LessThan(D x, double y) => x.Map(v => v < y ? 1 : 0);
    public static D Where(D condition, D whenTrue, D whenFalse) => Zip([condition, whenTrue, whenFalse], v => v[0] != 0 ? v[1] : v[2]);

    public static D Sum(D x, int axis, bool keepDims = false) => Reduce(x, [axis], keepDims, 0, (a, v) => a + v);
    public static D Prod(D x, int axis, bool keepDims = false) => Reduce(x, [axis], keepDims, 1, (a, v) => a * v);
    public static D Mean(D x, int axis, bool keepDims = false) => Mean(x, [axis], keepDims);
    public static D Mean(D x, int[] axes, bool keepDims = false)
    {
        int count = Normalize(axes, x.Rank).Aggregate(1, (p, a) => p * x.Shape[a]);
        return Reduce(x, axes, keepDims, 0, (a, v) => a + v).Map(s => s / count);
    }

    public static D Max(D x, int axis, bool keepDims) => Reduce(x, [axis], keepDims, double.NegativeInfinity, Math.Max);
    public static D Min(D x, int axis, bool keepDims) => Reduce(x, [axis], keepDims, double.PositiveInfinity, Math.Min);

    public static D Softmax(D x, int axis = -1)
    {
        D e = Exp(x - Max(x, axis, keepDims: true));
        return e / Sum(e, axis, keepDims: true);
    }

    public static D LogSoftmax(D x, int axis = -1)
    {
        D shifted = x - Max(x, axis, keepDims: true);
        return shifted - Log(Sum(Exp(shifted), axis, keepDims: true));
    }

    public static D LayerNorm(D x, D gamma, D beta, double epsilon = 1e-5)
    {
        D centered = x - Mean(x, -1, keepDims: true);
        return centered / Sqrt(Mean(centered * centered, -1, keepDims: true) + epsilon) * gamma + beta;
    }

    public static D RmsNorm(D x, D gamma, double epsilon = 1e-6) => x / Sqrt(Mean(x * x, -1, keepDims: true) + epsilon) * gamma;

    public static D Transpose(D x)
    {
        int[] permutation = Enumerable.Range(0, x.Rank).ToArray();
        (permutation[^1], permutation[^2]) = (permutation[^2], permutation[^1]);
        return Transpose(x, permutation);
    }

    public static D Transpose(D x, params int[] permutation)
    {
        int[] shape = permutation.Select(p => x.Shape[p]).ToArray();
        var data = new double[x.Data.Length];
        int[] index = new int[x.Rank];
        for (int i = 0; i < data.Length; i++)
        {
            Unravel(i, shape, index);
            int[] source = new int[x.Rank];
            for (int d = 0; d < x.Rank; d++)
            {
                source[permutation[d]] = index[d];
            }

            data[i] = x.Data[Ravel(source, x.Shape)];
        }

        return new D(shape, data);
    }

    /// <summary>As ONNX Reshape: 0 keeps the operand's length, -1 takes what is left.</summary>
    public static D Reshape(D x, params int[] lengths)
    {
        int[] shape = lengths.Select((l, d) => l == 0 ? x.Shape[d] : l).ToArray();
        int known = shape.Where(l => l != -1).Aggregate(1, (p, l) => p * l);
        shape = shape.Select(l => l == -1 ? x.Data.Length / known : l).ToArray();
        return new D(shape, x.Data);
    }

    public static D Slice(D x, int axis, int start, int length)
    {
        axis = axis < 0 ? axis + x.Rank : axis;
        int[] shape = x.Shape.ToArray();
        shape[axis] = length;
        var data = new double[D.Count(shape)];
        int[] index = new int[x.Rank];
        for (int i = 0; i < data.Length; i++)
        {
            Unravel(i, shape, index);
            index[axis] += start;
            data[i] = x.Data[Ravel(index, x.Shape)];
        }

        return new D(shape, data);
    }

    public static D Chunk(D x, int chunks, int index, int axis = -1)
    {
        axis = axis < 0 ? axis + x.Rank : axis;
        int part = x.Shape[axis] / chunks;
        return Slice(x, axis, index * part, part);
    }

    public static D Concat(D x, D y, D z, int axis = -1) => Concat(Concat(x, y, axis), z, axis);

    public static D Concat(D w, D x, D y, D z, int axis = -1) => Concat(Concat(Concat(w, x, axis), y, axis), z, axis);

    public static D Concat(D x, D y, int axis = -1)
    {
        axis = axis < 0 ? axis + x.Rank : axis;
        int[] shape = x.Shape.ToArray();
        shape[axis] += y.Shape[axis];
        var data = new double[D.Count(shape)];
        int[] index = new int[x.Rank];
        for (int i = 0; i < data.Length; i++)
        {
            Unravel(i, shape, index);
            bool first = index[axis] < x.Shape[axis];
            index[axis] -= first ? 0 : x.Shape[axis];
            data[i] = first ? x.Data[Ravel(index, x.Shape)] : y.Data[Ravel(index, y.Shape)];
        }

        return new D(shape, data);
    }

    /// <summary>NumPy matmul for operands of rank 2 or more: batches broadcast, [.., M, K]·[.., K, N].</summary>
    public static D MatMul(D a, D b)
    {
        int m = a.Shape[^2], k = a.Shape[^1], n = b.Shape[^1];
        if (b.Shape[^2] != k)
        {
            throw new ArgumentException($"MatMul: K is {k} in a but {b.Shape[^2]} in b");
        }

        int[] batch = BroadcastShape(a.Shape[..^2], b.Shape[..^2]);
        int[] shape = [.. batch, m, n];
        var data = new double[D.Count(shape)];
        int batches = D.Count(batch);
        int[] index = new int[batch.Length];
        for (int p = 0; p < batches; p++)
        {
            Unravel(p, batch, index);
            int aBase = BroadcastOffset(index, a.Shape[..^2]) * m * k, bBase = BroadcastOffset(index, b.Shape[..^2]) * k * n;
            for (int i = 0; i < m; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    double sum = 0;
                    for (int q = 0; q < k; q++)
                    {
                        sum = Rounded(sum + Rounded(a.Data[aBase + i * k + q] * b.Data[bBase + q * n + j]));
                    }

                    data[(p * m + i) * n + j] = sum;
                }
            }
        }

        return new D(shape, data);
    }

    /// <summary>Einsum of two operands with an explicit output ("bts,bsn->btn"): every label not in the output is summed over.</summary>
    public static D Einsum(string spec, D a, D b)
    {
        string[] sides = spec.Replace(" ", "").Split("->");
        string[] inputs = sides[0].Split(',');
        string output = sides[1];
        var sizes = new Dictionary<char, int>();
        for (int d = 0; d < inputs[0].Length; d++)
        {
            sizes[inputs[0][d]] = a.Shape[d];
        }

        for (int d = 0; d < inputs[1].Length; d++)
        {
            sizes[inputs[1][d]] = b.Shape[d];
        }

        char[] summed = sizes.Keys.Where(c => !output.Contains(c)).ToArray();
        int[] shape = output.Select(c => sizes[c]).ToArray();
        int[] summedShape = summed.Select(c => sizes[c]).ToArray();
        int terms = D.Count(summedShape);

        // Each label's stride in each operand (0 where the operand lacks it).
        int[] StridesOf(string subscripts, int[] operandShape, IEnumerable<char> labels)
            => labels.Select(c => Enumerable.Range(0, subscripts.Length).Where(d => subscripts[d] == c)
                .Sum(d => operandShape.Skip(d + 1).Aggregate(1, (p, l) => p * l))).ToArray();
        int[] aOut = StridesOf(inputs[0], a.Shape, output), bOut = StridesOf(inputs[1], b.Shape, output);
        int[] aSum = StridesOf(inputs[0], a.Shape, summed), bSum = StridesOf(inputs[1], b.Shape, summed);

        var data = new double[D.Count(shape)];
        int[] outIndex = new int[shape.Length], sumIndex = new int[summedShape.Length];
        for (int o = 0; o < data.Length; o++)
        {
            Unravel(o, shape, outIndex);
            int aBase = 0, bBase = 0;
            for (int d = 0; d < shape.Length; d++)
            {
                aBase += outIndex[d] * aOut[d];
                bBase += outIndex[d] * bOut[d];
            }

            double sum = 0;
            for (int s = 0; s < terms; s++)
            {
                Unravel(s, summedShape, sumIndex);
                int ai = aBase, bi = bBase;
                for (int d = 0; d < summedShape.Length; d++)
                {
                    ai += sumIndex[d] * aSum[d];
                    bi += sumIndex[d] * bSum[d];
                }

                sum = Rounded(sum + Rounded(a.Data[ai] * b.Data[bi]));
            }

            data[o] = sum;
        }

        return new D(shape, data);
    }

    /// <summary>
    /// erf(x) from its Maclaurin series for |x| &lt; 3 (the largest term about 10³, so about 13 correct
    /// digits), and from the continued fraction of erfc beyond (evaluated from the tail, 60 terms).
    /// </summary>
    public static double Erf(double x)
    {
        if (double.IsNaN(x))
        {
            return x;
        }

        double ax = Math.Abs(x);
        if (ax < 3)
        {
            double term = x, sum = x;
            for (int n = 1; n < 80 && Math.Abs(term) > 1e-17 * Math.Abs(sum); n++)
            {
                term *= -x * x / n;
                sum += term / (2 * n + 1);
            }

            return 2 / Math.Sqrt(Math.PI) * sum;
        }

        if (ax > 6)
        {
            return Math.Sign(x);
        }

        // erfc(x) = exp(-x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + ...))))).
        double fraction = ax;
        for (int k = 60; k >= 1; k--)
        {
            fraction = ax + k / 2.0 / fraction;
        }

        double erfc = Math.Exp(-ax * ax) / Math.Sqrt(Math.PI) / fraction;
        return Math.Sign(x) * (1 - erfc);
    }

    internal static D Zip(D a, D b, Func<double, double, double> f) => Zip([a, b], v => f(v[0], v[1]));

    private static D Zip(D[] operands, Func<double[], double> f)
    {
        int[] shape = operands.Select(o => o.Shape).Aggregate(BroadcastShape);
        var data = new double[D.Count(shape)];
        int[] index = new int[shape.Length];
        var values = new double[operands.Length];
        for (int i = 0; i < data.Length; i++)
        {
            Unravel(i, shape, index);
            for (int k = 0; k < operands.Length; k++)
            {
                values[k] = operands[k].Data[BroadcastOffset(index, operands[k].Shape)];
            }

            data[i] = Rounded(f(values));
        }

        return new D(shape, data);
    }

    private static D Reduce(D x, int[] axes, bool keepDims, double seed, Func<double, double, double> f)
    {
        int[] reduced = Normalize(axes, x.Rank);
        int[] kept = x.Shape.Select((l, d) => reduced.Contains(d) ? 1 : l).ToArray();
        var data = Enumerable.Repeat(seed, D.Count(kept)).ToArray();
        int[] index = new int[x.Rank];
        for (int i = 0; i < x.Data.Length; i++)
        {
            Unravel(i, x.Shape, index);
            foreach (int d in reduced)
            {
                index[d] = 0;
            }

            int o = Ravel(index, kept);
            data[o] = Rounded(f(data[o], x.Data[i]));
        }

        int[] shape = keepDims ? kept : x.Shape.Where((_, d) => !reduced.Contains(d)).ToArray();
        return new D(shape, data);
    }

    private static int[] Normalize(int[] axes, int rank) => axes.Select(a => a < 0 ? a + rank : a).ToArray();

    private static int[] BroadcastShape(int[] a, int[] b)
    {
        int rank = Math.Max(a.Length, b.Length);
        var shape = new int[rank];
        for (int d = 0; d < rank; d++)
        {
            int la = d - (rank - a.Length) >= 0 ? a[d - (rank - a.Length)] : 1;
            int lb = d - (rank - b.Length) >= 0 ? b[d - (rank - b.Length)] : 1;
            if (la != lb && la != 1 && lb != 1)
            {
                throw new ArgumentException($"cannot broadcast [{string.Join(", ", a)}] with [{string.Join(", ", b)}]");
            }

            shape[d] = la == 1 ? lb : la;
        }

        return shape;
    }

    /// <summary>The flat offset in an operand of <paramref name="shape"/> of a (right-aligned) broadcast index.</summary>
    private static int BroadcastOffset(int[] index, int[] shape)
    {
        int offset = 0, skip = index.Length - shape.Length;
        for (int d = 0; d < shape.Length; d++)
        {
            offset = offset * shape[d] + (shape[d] == 1 ? 0 : index[d + skip]);
        }

        return offset;
    }

    private static void Unravel(int flat, int[] shape, int[] index)
    {
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            index[d] = shape[d] == 0 ? 0 : flat % shape[d];
            flat = shape[d] == 0 ? 0 : flat / shape[d];
        }
    }

    private static int Ravel(int[] index, int[] shape)
    {
        int offset = 0;
        for (int d = 0; d < shape.Length; d++)
        {
            offset = offset * shape[d] + index[d];
        }

        return offset;
    }
}
