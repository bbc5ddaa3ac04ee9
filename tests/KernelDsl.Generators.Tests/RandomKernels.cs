using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace KernelDsl.Generators.Tests;

/// <summary>
/// Writes random, valid kernels: expression trees over named shapes that mix what the compiler
/// fuses differently (elementwise chains, broadcasts of vectors and of kept reductions, reductions
/// along the last axis and along the first, softmax and normalizations, matrix products with their
/// epilogues, transposed operands, several results). Every value stays bounded (inputs in [-1, 1],
/// exponentials of tanh, divisions by 1 + t²), so the eager body and the fused kernel can be compared
/// with a tolerance that only a wrong element breaks.
/// </summary>
/// <remarks>
/// The shapes a value may have: <c>BN</c> [B, N], <c>NB</c> [N, B] (transposed views), <c>BM</c> [B, M],
/// <c>B1</c> [B, 1], <c>N</c> [N], <c>B</c> [B], and of rank 3: <c>TN</c> [B, T, N], <c>TM</c> [B, T, M],
/// <c>TT</c> [B, T, T] (attention scores), <c>T1</c> [B, T, 1]. The kernel's parameters (eight, the
/// most a kernel takes) are x, y: [B, N]; z: [B, M]; v, g: [N]; u: [M]; w: [N, M]; a: [B, T, N].
/// </remarks>
internal sealed class RandomKernels(int seed)
{
    /// <summary>The parameters of every kernel, with their declared shapes.</summary>
    public static readonly (string Name, string[] Shape)[] Parameters =
    [
        ("x", ["B", "N"]), ("y", ["B", "N"]), ("z", ["B", "M"]), ("v", ["N"]), ("g", ["N"]), ("u", ["M"]), ("w", ["N", "M"]),
        ("a", ["B", "T", "N"]),
    ];

    /// <summary>The parameters as a C# parameter list.</summary>
    public static string ParameterList
        => string.Join(", ", Parameters.Select(p => $"[Shape({string.Join(", ", p.Shape.Select(s => "\"" + s + "\""))})] Tensor<float> {p.Name}"));

    private readonly Random _random = new(seed);
    private string[] _rows = ["x", "y"]; // the [B, N] values a leaf may be

    /// <summary>A kernel method named <paramref name="name"/>: one result, or two that may share work.</summary>
    public string Kernel(string name)
    {
        string parameters = ParameterList;
        if (_random.Next(5) == 0)
        {
            string shared = Value("BN", 2);
            _rows = ["s", "x", "s"];
            string first = Value(Pick("BN", "B1", "N"), 2);
            string second = _random.Next(8) == 0 ? first : Value(Pick("BN", "BM", "B1"), 2);
            // One tuple in three has a third result: the shared value itself, or a view of it, or another.
            string? third = _random.Next(3) != 0 ? null : Pick("s", "Transpose(Transpose(s))", Value(Pick("BN", "N", "TN"), 2));

            _rows = ["x", "y"];
            string types = third is null ? "Tensor<float>, Tensor<float>" : "Tensor<float>, Tensor<float>, Tensor<float>";
            string results = third is null ? $"{first}, {second}" : $"{first}, {second}, {third}";
            return $"    [Kernel]\n    public static ({types}) {name}({parameters})\n    {{\n"
                + $"        var s = {shared};\n        return ({results});\n    }}\n";
        }

        string result = Value(Pick("BN", "BN", "BN", "BM", "B1", "N", "B", "TN", "TN", "TM", "TT"), 4);
        return $"    [Kernel]\n    public static Tensor<float> {name}({parameters})\n        => {result};\n";
    }

    /// <summary>
    /// Sizes for B, T, N and M: ones, primes, one past a vector width, and a few larger. One draw in
    /// four makes N equal to B and one in eight M equal to N, so that a vector of one symbol has the
    /// length of a result of another, and the in-place runs pass it as the destination (a layer
    /// norm's beta of [N] under a row max of [B] was read after rows wrote over it, seen only when
    /// B and N happened to be drawn alike). One draw in eight has an empty B, N or M.
    /// </summary>
    public (int B, int T, int N, int M) Sizes()
    {
        (int b, int t, int n, int m) = Large
            ? (Pick(1, 65, 130), Pick(3, 33), Pick(63, 300, 513), Pick(1, 257, 600))
            : (Pick(1, 2, 3, 7, 16, 17, 33), Pick(1, 2, 5, 17), Pick(1, 2, 5, 15, 16, 17, 31, 64, 100), Pick(1, 3, 16, 17, 40));
        int alike = _random.Next(8);
        n = alike < 2 ? b : n;
        m = alike == 2 ? n : m;
        switch (_random.Next(24)) // T stays: kernels slice its first position
        {
            case 0: b = 0; break;
            case 1: n = 0; break;
            case 2: m = 0; break;
        }

        return (b, t, n, m);
    }

    /// <summary>
    /// Whether <c>KERNELDSL_RANDOM_KERNEL_SIZES=large</c> asks for sizes past the GEMM's blocks and
    /// the row kernels' prefetch distance (slow: the eager bodies dominate), for a local sweep.
    /// </summary>
    private static bool Large => Environment.GetEnvironmentVariable("KERNELDSL_RANDOM_KERNEL_SIZES") == "large";

    private string Value(string shape, int depth)
    {
        if (depth <= 0 || _random.Next(4) == 0)
        {
            return Leaf(shape);
        }

        int d = depth - 1;
        return shape switch
        {
            "BN" => _random.Next(16) switch
            {
                0 or 1 => Unary(Value("BN", d)),
                15 => ChunkOfJoin(Value("BN", d), Value("BN", d), Pick("0", "-1")),
                9 => $"Transpose({Value("NB", d)})",
                10 => $"Einsum(\"bm,nm->bn\", {Value("BM", d)}, w)",
                11 => $"Where({Pick("GreaterThan", "LessThan")}({Value("BN", d)}, {Literal()}), {Value("BN", d)}, {Value(Pick("BN", "N", "B1"), d)})",
                12 => $"{Pick("Sum", "Mean")}({Value("TN", d)}, axis: 1)",
                13 => $"Max({Value("TN", d)}, axis: 1, keepDims: false)",
                14 => $"Reshape(Slice({Value("TN", d)}, 1, 0, 1), 0, -1)",
                2 => Binary(Value("BN", d), Value(Pick("BN", "N", "B1"), d)),
                3 => $"({Value(Pick("N", "B1"), d)} {Pick("+", "-", "*")} {Value("BN", d)})",
                4 => Pick("Softmax", "LogSoftmax") + "(" + Value("BN", d) + ")",
                // An epsilon of 0.01 bounds how much a normalization magnifies the eager body's own
                // rounding in a row that is constant in exact arithmetic (LogSoftmax over N = 1 is 0).
                5 => _random.Next(2) == 0 ? $"LayerNorm({Value("BN", d)}, g, v, 0.01f)" : $"RmsNorm({Value("BN", d)}, g, 0.01f)",
                6 => $"MatMul({Value("BM", d)}, Transpose(w))",
                7 => $"{Pick("Max", "Min")}({Value("BN", d)}, {Value("BN", d)})",
                _ => $"{Value("BN", d)} / (1f + {Square(Value(Pick("BN", "N", "B1"), d))})",
            },
            "TN" => _random.Next(9) switch
            {
                // A decoding step: keys and values grown by one position ([B, T+1, N]) and attended over.
                8 => $"MatMul(Softmax(MatMul({Value("TN", d)}, Transpose(Concat({Value("TN", d)}, {GrowingToken(d)}, axis: 1), 0, 2, 1)) * {Literal()}), Concat({Value("TN", d)}, {GrowingToken(d)}, axis: 1))",
                0 or 1 => Unary(Value("TN", d)),
                2 => Binary(Value("TN", d), Value(Pick("TN", "N", "T1"), d)),
                3 => Pick("Softmax", "LogSoftmax") + "(" + Value("TN", d) + ")",
                4 => $"LayerNorm({Value("TN", d)}, g, v, 0.01f)",
                5 => $"MatMul({Value("TM", d)}, Transpose(w))",
                // Products of products grow with every level and cancel: bounded by tanh, so the
                // tolerance measures the kernel rather than the conditioning of a deep chain.
                6 => $"Tanh(MatMul({Value("TT", d)}, {Value("TN", d)}))",
                _ => $"Tanh(Einsum(\"bts,bsn->btn\", {Value("TT", d)}, {Value("TN", d)}))",
            },
            "TM" => _random.Next(3) switch
            {
                0 => $"MatMul({Value("TN", d)}, w)",
                1 => $"Einsum(\"btn,nm->btm\", {Value("TN", d)}, w)",
                _ => $"Relu(MatMul({Value("TN", d)}, w) + u)",
            },
            "TT" => _random.Next(4) switch
            {
                0 => $"Softmax(MatMul({Value("TN", d)}, Transpose({Value("TN", d)}, 0, 2, 1)) * {Literal()})",
                1 => $"Softmax({Value("TT", d)})",
                2 => $"Tanh(Einsum(\"btn,bsn->bts\", {Value("TN", d)}, {Value("TN", d)}))",
                _ => Unary(Value("TT", d)),
            },
            "T1" => $"{Pick("Sum", "Mean", "Max")}({Value("TN", d)}, axis: -1, keepDims: true)",
            "B1" when _random.Next(4) == 0 => $"{Pick("Sum", "Mean", "Min")}(Reshape({Value("TN", d)}, 0, -1), axis: -1, keepDims: true)",
            "NB" => _random.Next(3) switch
            {
                0 => $"Transpose({Value("BN", d)})",
                1 => Binary(Value("NB", d), $"Transpose({Value("BN", d)})"),
                _ => Unary(Value("NB", d)),
            },
            "BM" => _random.Next(5) switch
            {
                0 => $"MatMul({Value("BN", d)}, w)",
                4 => $"Einsum(\"bn,nm->bm\", {Value("BN", d)}, w)",
                1 => $"{Pick("Relu", "Tanh")}(MatMul({Value("BN", d)}, w) + u)",
                2 => Binary(Value("BM", d), Value(Pick("BM", "B1"), d)),
                _ => Unary(Value("BM", d)),
            },
            "B1" => _random.Next(5) switch
            {
                4 => $"{Pick("Sum", "Max", "Min")}(Concat({Value("BN", d)}, {Value("B1", d)}, {Value("BM", d)}), axis: -1, keepDims: true)", // rows of N+1+M
                0 => $"{Pick("Sum", "Mean", "Max", "Min", "Prod")}({Value("BN", d)}, axis: -1, keepDims: true)",
                3 => $"{Pick("Sum", "Max")}(Concat({Value("BN", d)}, {Value("BN", d)}), axis: -1, keepDims: true)",
                1 => $"{Pick("Mean", "Max")}({Value("BM", d)}, axis: 1, keepDims: true)",
                _ => Unary(Value("B1", d)),
            },
            "N" => _random.Next(7) switch
            {
                6 => Unary(Value("N", d)), // the same for every row of a [B, N] reader: computed once where costly
                5 => $"{Pick("Sum", "Max")}(Concat({Value("BN", d)}, {Pick("Mean", "Min")}({Value("BN", d)}, axis: 0, keepDims: true), axis: 0), axis: 0, keepDims: false)", // B+1 rows
                0 => $"{Pick("Sum", "Mean", "Prod")}({Value("BN", d)}, axis: 0)",
                4 => $"Max(Concat({Value("BN", d)}, {Value("BN", d)}, axis: 0), axis: 0, keepDims: false)",
                3 => $"{Pick("Sum", "Max")}({Value("NB", d)}, axis: -1, keepDims: false)",
                1 => $"{Pick("Max", "Min")}({Value("BN", d)}, axis: 0, keepDims: false)",
                _ => Binary(Value("N", d), Value("N", d)),
            },
            _ => _random.Next(3) switch // B
            {
                2 => $"{Pick("Max", "Mean")}(Softmax(Concat({Value("BM", d)}, {Value("BN", d)})), axis: 1, keepDims: false)", // rows of M+N
                0 => $"{Pick("Sum", "Mean")}({Value("BN", d)}, axis: -1)",
                _ => $"{Pick("Max", "Min")}({Value(Pick("BN", "BM"), d)}, axis: 1, keepDims: false)",
            },
        };
    }

    private string Leaf(string shape) => shape switch
    {
        "BN" => Pick(_rows),
        "BM" => "z",
        "NB" => Pick("Transpose(x)", "Transpose(y)"),
        "TN" => "a",
        "TM" => "MatMul(a, w)",
        "TT" => "MatMul(a, Transpose(a, 0, 2, 1))",
        "T1" => "Mean(a, axis: -1, keepDims: true)",
        "N" => Pick("v", "g"),
        "B1" => "Mean(x, axis: -1, keepDims: true)",
        _ => "Sum(y, axis: 1)",
    };

    private string Unary(string operand) => _random.Next(17) switch
    {
        15 => $"Sin({operand})",
        16 => $"Cos({Parenthesize(operand)} * {Literal()})",
        11 => $"LeakyRelu({operand}, 0.1f)",
        12 => $"Log(1f + Sigmoid({operand}))",
        13 => $"Erf({operand})",
        14 => $"Pow(Sigmoid({operand}), {Pick("2f", "0.5f", "3f")})",
        0 => $"Tanh({operand})",
        1 => $"Sigmoid({operand})",
        2 => $"Relu({operand})",
        3 => $"Abs({operand})",
        4 => $"Silu({operand})",
        5 => $"Gelu({operand})",
        6 => $"Exp(Tanh({operand}))",
        7 => $"Sqrt(1f + {Square(operand)})",
        8 => $"Clamp({operand}, -0.5f, 0.75f)",
        9 => $"-{Parenthesize(operand)}",
        _ => $"{Parenthesize(operand)} * {Literal()}",
    };

    /// <summary>A [B, 1, N] value: one more position for a [B, T, N] cache.</summary>
    private string GrowingToken(int depth) => $"{Pick("Mean", "Max")}({Value("TN", depth)}, axis: 1, keepDims: true)";

    /// <summary>One half of two values joined along <paramref name="axis"/>: one of them again, through a Concat and a Chunk.</summary>
    private string ChunkOfJoin(string first, string second, string axis) => $"Chunk(Concat({first}, {second}, axis: {axis}), 2, {Pick("0", "1")}, axis: {axis})";

    private string Binary(string left, string right)
    {
        string op = Pick("+", "-", "*");
        return _random.Next(4) == 0
            ? $"({left} {op} {Literal()})"
            : $"({left} {op} {right})";
    }

    private static string Square(string operand) => $"{Parenthesize(operand)} * {Parenthesize(operand)}";

    private static string Parenthesize(string operand) => operand.All(char.IsLetterOrDigit) ? operand : "(" + operand + ")";

    private string Literal() => (Math.Round(_random.NextDouble() * 3 - 1.5, 2)).ToString("0.0#", CultureInfo.InvariantCulture) + "f";

    private T Pick<T>(params T[] choices) => choices[_random.Next(choices.Length)];

    /// <summary>A source file of <paramref name="count"/> kernels named K0, K1, ... in class <c>Fuzz</c>.</summary>
    public string File(int count)
    {
        var source = new StringBuilder(GeneratorHarness.Usings).Append("public static partial class Fuzz\n{\n");
        for (int i = 0; i < count; i++)
        {
            source.Append(Kernel("K" + i));
        }

        return source.Append("}\n").ToString();
    }

    /// <summary>The kernels of <see cref="File"/>, one by one, for a failure message.</summary>
    public static IEnumerable<string> KernelsOf(string file)
        => file.Split("    [Kernel]\n", StringSplitOptions.None).Skip(1);
}
