using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using KernelDsl.Generators.Tests;
using Microsoft.CodeAnalysis.Text;
using Xunit;

namespace KernelDsl.Analyzers.Tests;

/// <summary>
/// Each diagnostic the analyzer reports: the id, the exact span (marked <c>[|...|]</c> in the
/// source) and the message; and near misses that must not report anything. A kernel with an error
/// gets no generated code, and the generator itself reports nothing (no error shows twice).
/// </summary>
public sealed class DiagnosticTests
{
    private const string Prefix = GeneratorHarness.Usings + "public static partial class K\n{\n    public static float Field = 1f;\n    public static int Axis = -1;\n    public static float Helper(float v) => v;\n";

    [Theory]
    [InlineData("[Kernel] static Tensor<float> F(Tensor<float> x) => x * [|Field|];", "Reading 'Field' is not supported in a kernel body; a kernel may read only its parameters and constants; pass the value as a float parameter")]
    [InlineData("[Kernel] static Tensor<float> F(Tensor<float> x) => x * [|Helper(2f)|];", "The call to 'K.Helper' is not supported in a kernel body; call only the functions of KernelDsl.Ops, other [Kernel] methods (whose bodies are inlined) and MathF's Sqrt, Exp, Log, Abs, Tanh, Sin, Cos, Pow, Min and Max, or write the computation out in the kernel body")]
    [InlineData("[Kernel] static Tensor<float> F(Tensor<float> x) => [|F(x)|];", "The recursive call to 'K.F' is not supported in a kernel body; calls between kernels are inlined, so a kernel cannot call itself, directly or through other kernels; write the computation out")]
    [InlineData("[Kernel] static Tensor<float> F(Tensor<float> x, float a) => x * ([|a > 0f ? a : 0f|]);", "The conditional operator ?: is not supported in a kernel body; choose elementwise with KernelDsl.Ops.Where(condition, whenTrue, whenFalse)")]
    [InlineData("[Kernel] static Tensor<float> F(Tensor<float> x, float d) => x * [|System.MathF.Cbrt(d)|];", "The call to 'MathF.Cbrt' is not supported in a kernel body; call only the functions of KernelDsl.Ops, other [Kernel] methods (whose bodies are inlined) and MathF's Sqrt, Exp, Log, Abs, Tanh, Sin, Cos, Pow, Min and Max, or write the computation out in the kernel body")]
    [InlineData("[Kernel] static Tensor<float> F(Tensor<float> x) => [|Tensor.Exp<float>(x)|];", "The call to 'Tensor.Exp' is not supported in a kernel body; call only the functions of KernelDsl.Ops, other [Kernel] methods (whose bodies are inlined) and MathF's Sqrt, Exp, Log, Abs, Tanh, Sin, Cos, Pow, Min and Max, or write the computation out in the kernel body")]
    [InlineData("[Kernel] static Tensor<float> F(Tensor<float> x) { var y = x; [|for (int i = 0; i < 3; i++) { y = y * x; }|] return y; }", "A loop is not supported in a kernel body; a kernel body is a single expression, or 'var' locals followed by 'return'")]
    [InlineData("[Kernel] static Tensor<float> F(Tensor<float> x) { var y = x; [|y = y * x;|] return y; }", "The statement 'y = y * x;' is not supported in a kernel body; a kernel body is a single expression, or 'var' locals followed by 'return'")]
    [InlineData("[Kernel] static Tensor<float> F(Tensor<float> x) { [|if (x.Rank > 1) return x;|] return x * 2f; }", "An if statement is not supported in a kernel body; a kernel body is a single expression, or 'var' locals followed by 'return'")]
    [InlineData("[Kernel] static Tensor<float> F(Tensor<float> x) => x * [|x.Rank|];", "Reading 'x.Rank' is not supported in a kernel body; a kernel may read only its parameters and constants; pass the value as a float parameter")]
    public void UnsupportedConstructIsKD0005OnTheConstruct(string kernel, string message)
        => AssertSingle("KD0005", kernel, message);

    [Theory]
    [InlineData("[Kernel] static Tensor<float> F([Shape(\"B\", \"K\")] Tensor<float> x, [Shape(\"N\")] Tensor<float> b) => Relu([|x + b|]);", "KD0001",
        "Shape error: cannot broadcast [B, K] with [N]: K and N differ")]
    [InlineData("[Kernel] static Tensor<float> F([Shape(\"B\", \"N\")] Tensor<float> x) => [|x - Mean(x, axis: -1)|];", "KD0001",
        "Shape error: cannot broadcast [B, N] with [B]: N and B differ")]
    [InlineData("[Kernel] static Tensor<float> F([Shape(\"B\", \"4\")] Tensor<float> x, [Shape(\"3\")] Tensor<float> b) => [|x * b|];", "KD0001",
        "Shape error: cannot broadcast [B, 4] with [3]: 4 and 3 differ")]
    [InlineData("[Kernel] static Tensor<float> F([Shape(\"B\", \"K\")] Tensor<float> x, [Shape(\"N\", \"M\")] Tensor<float> w) => [|MatMul(x, w)|] * 2f;", "KD0002",
        "Shape error: MatMul of [B, K] and [N, M]: the inner dimensions K and N differ (the last dimension of the left operand must equal the second-to-last of the right)")]
    [InlineData("[Kernel] static Tensor<float> F([Shape(\"N\")] Tensor<float> x, [Shape(\"N\", \"M\")] Tensor<float> w) => [|MatMul(x, w)|];", "KD0002",
        "Shape error: MatMul needs operands of rank 2 or more, not [N] and [N, M]")]
    [InlineData("[Kernel] static Tensor<float> F([Shape(\"B\", \"N\")] Tensor<float> x) => [|Sum(x, axis: 2)|];", "KD0003",
        "Shape error: axis 2 is out of range (or repeated) for [B, N], which has rank 2 (valid axes: -2 to 1)")]
    [InlineData("[Kernel] static Tensor<float> F([Shape(\"B\", \"4\")] Tensor<float> x) => [|Slice(x, axis: 1, start: 2, length: 3)|] * 2f;", "KD0003",
        "Shape error: elements 2 to 5 do not lie within dimension 1 of [B, 4]")]
    [InlineData("[Kernel] static Tensor<float> F([Shape(\"B\", \"12\")] Tensor<float> x) => [|Reshape(x, 0, 5, -1)|] * 2f;", "KD0008",
        "Shape error: cannot reshape [B, 12] to (0, 5, -1): the other lengths do not divide the operand's size")]
    [InlineData("[Kernel] static Tensor<float> F([Shape(\"B\", \"H\", \"D\")] Tensor<float> x) => [|Reshape(x, 0, 12)|];", "KD0008",
        "Shape error: cannot reshape [B, H, D] to (0, 12): H and D are not accounted for (a size given as a number cannot stand for a symbol; use 0 to copy a dimension or -1 to infer one)")]
    [InlineData("[Kernel] static Tensor<float> F([Shape(\"B\", \"H\", \"D\")] Tensor<float> x, [Shape(\"D\", \"H\", \"C\")] Tensor<float> w) => [|MatMul(Reshape(x, 0, -1), w)|];", "KD0002",
        "Shape error: MatMul of [B, H*D] and [D, H, C]: the inner dimensions H*D and H differ (the last dimension of the left operand must equal the second-to-last of the right)")]
    [InlineData("[Kernel] static Tensor<float> F([Shape(\"B\", \"H\", \"D\")] Tensor<float> x, [Shape(\"H*B\")] Tensor<float> g) => [|Reshape(x, 0, -1) * g|];", "KD0001",
        "Shape error: cannot broadcast [B, H*D] with [H*B]: H*D and H*B differ")]
    [InlineData("[Kernel] static Tensor<float> [|F|]([Shape(\"B\", \"H*D\")] Tensor<float> x, [Shape(\"H\")] Tensor<float> g) => x * 2f + Sum(g, axis: 0);", "KD0006",
        "Kernel method 'F' has parameter 'x' with the dimension 'H*D' in [Shape], but D is no parameter's dimension on its own; each symbol of a product must be, so its size is known")]
    [InlineData("[Kernel] static Tensor<float> F([Shape(\"B\", \"N\")] Tensor<float> x) => [|Transpose(x, 0, 0)|];", "KD0003",
        "Shape error: [0, 0] is not a permutation of the 2 dimensions of [B, N]")]
    [InlineData("[Kernel] static Tensor<float> F([Shape(\"B\", \"N\")] Tensor<float> x) => Sum(x, axis: [|Axis|]);", "KD0005",
        "The non-constant axis 'Axis' is not supported in a kernel body; the axis decides the kernel's loop structure, so it must be a compile-time constant")]
    [InlineData("[Kernel] static Tensor<float> F(Tensor<float> x) => x / [|Sum(x, axis: 1, keepDims: true)|];", "KD0003",
        "Shape error: axis 1 is out of range (or repeated) for [N], which has rank 1 (valid axes: -1 to 0)")]
    [InlineData("[Kernel] static Tensor<float> F([Shape(\"I\", \"K\")] Tensor<float> a, [Shape(\"K\", \"J\")] Tensor<float> b) => [|Einsum(\"ik,kj\", a, b)|];", "KD0007",
        "Einsum \"ik,kj\": expected two operands' subscripts and an output, as in \"bik,bkj->bij\"")]
    [InlineData("[Kernel] static Tensor<float> F([Shape(\"I\", \"K\")] Tensor<float> a, [Shape(\"K\", \"J\")] Tensor<float> b) => [|Einsum(\"bik,kj->bij\", a, b)|];", "KD0007",
        "Einsum \"bik,kj->bij\": \"bik\" names 3 dimensions, but the first operand has shape [I, K] (rank 2)")]
    [InlineData("[Kernel] static Tensor<float> F([Shape(\"I\", \"K\")] Tensor<float> a, [Shape(\"I\", \"K\")] Tensor<float> b) => [|Einsum(\"ik,ik->i\", a, b)|];", "KD0007",
        "Einsum \"ik,ik->i\": this spec is not compiled yet: a compiled Einsum is one matrix product per batch element, with at least one letter only in each operand (here none and none) and exactly one summed letter (here k)")]
    [InlineData("[Kernel] static Tensor<float> F([Shape(\"I\", \"K\", \"L\")] Tensor<float> a, [Shape(\"K\", \"L\", \"J\")] Tensor<float> b) => [|Einsum(\"ikl,klj->ij\", a, b)|];", "KD0007",
        "Einsum \"ikl,klj->ij\": this spec is not compiled yet: a compiled Einsum is one matrix product per batch element, with at least one letter only in each operand (here i and j) and exactly one summed letter (here k, l)")]
    [InlineData("[Kernel] static Tensor<float> F([Shape(\"A\", \"B\", \"C\", \"D\", \"I\", \"K\")] Tensor<float> x, [Shape(\"E\", \"F\", \"G\", \"H\", \"K\", \"J\")] Tensor<float> y) => [|Einsum(\"abcdik,efghkj->abcdefghij\", x, y)|];", "KD0007",
        "Einsum \"abcdik,efghkj->abcdefghij\": this spec is not compiled yet: its product would have 8 batch dimensions (a, b, c, d, e, f, g, h), and a compiled matrix product has at most 7")]
    [InlineData("[Kernel] static Tensor<float> F([Shape(\"I\", \"K\")] Tensor<float> a, [Shape(\"K\", \"J\")] Tensor<float> b) => [|Einsum(\"ik,kj->iz\", a, b)|];", "KD0007",
        "Einsum \"ik,kj->iz\": the output letter z appears in no operand")]
    [InlineData("[Kernel] static (Tensor<float>, Tensor<float>) F(Tensor<float> x, Tensor<float> w) => (x * 2f, [|MatMul(x, w)|]);", "KD0002",
        "Shape error: MatMul needs operands of rank 2 or more, not [N] and [N]")]
    [InlineData("[Kernel] static Tensor<float> [|F|]([Shape(\"N\")] Tensor<float> x, Tensor<float> y) => x + y;", "KD0006",
        "Kernel method 'F' declares the shape of 'x' but not of 'y'; when one tensor parameter has [Shape(...)], every one needs it")]
    [InlineData("[Kernel] static Tensor<float> [|F|]([Shape(\"B\", \"n-1\")] Tensor<float> x) => x;", "KD0006",
        "Kernel method 'F' has parameter 'x' with the dimension 'n-1' in [Shape]; a dimension is a symbol (an identifier such as B or seqLen), a size (digits), a product of them (H*D) or a sum of those (T+1, D+E)")]
    [InlineData("[Kernel] static Tensor<float> [|F|]([Shape(\"B\", \"4294967296*4294967296\")] Tensor<float> x) => x;", "KD0006",
        "Kernel method 'F' has parameter 'x' with the dimension '4294967296*4294967296' in [Shape], whose size does not fit in 64 bits")]
    [InlineData("[Kernel] static Tensor<float> [|F|]([Shape(\"B\", \"T+\")] Tensor<float> x) => x;", "KD0006",
        "Kernel method 'F' has parameter 'x' with the dimension 'T+' in [Shape]; a dimension is a symbol (an identifier such as B or seqLen), a size (digits), a product of them (H*D) or a sum of those (T+1, D+E)")]
    [InlineData("[Kernel] static Tensor<float> [|F|]([Shape(\"B\", \"T+1\")] Tensor<float> x) => x;", "KD0006",
        "Kernel method 'F' has parameter 'x' with the dimension 'T+1' in [Shape], but T is no parameter's dimension on its own; each symbol of a sum must be, so its size is known")]
    [InlineData("[Kernel] static Tensor<float> [|F|]([Shape(\"B\", \"9223372036854775807 + 1\")] Tensor<float> x) => x;", "KD0006",
        "Kernel method 'F' has parameter 'x' with the dimension '9223372036854775807 + 1' in [Shape], whose size does not fit in 64 bits")]
    [InlineData("[Kernel] static Tensor<float> [|F|]([Shape(\"B\", \"H**D\")] Tensor<float> x) => x;", "KD0006",
        "Kernel method 'F' has parameter 'x' with the dimension 'H**D' in [Shape]; a dimension is a symbol (an identifier such as B or seqLen), a size (digits), a product of them (H*D) or a sum of those (T+1, D+E)")]
    [InlineData("[Kernel] static Tensor<float> F([Shape(\"T\", \"D\")] Tensor<float> x, [Shape(\"S\", \"D\")] Tensor<float> y) => [|Concat(x, y, axis: -1)|];", "KD0013",
        "Shape error: cannot concatenate [T, D] with [S, D] along axis -1: dimension 0 is T in operand 1 but S in operand 2")]
    [InlineData("[Kernel] static Tensor<float> F([Shape(\"T\", \"D\")] Tensor<float> x, [Shape(\"D\")] Tensor<float> b) => [|Concat(x, b)|] * 2f;", "KD0013",
        "Shape error: cannot concatenate [T, D] with [D]: operand 2 has rank 1, operand 1 rank 2")]
    [InlineData("[Kernel] static Tensor<float> F([Shape(\"T\", \"D\")] Tensor<float> x, [Shape(\"T\", \"E\")] Tensor<float> y) => [|Chunk(Concat(x, y), 2, 0)|];", "KD0013",
        "Shape error: cannot split dimension 1 of [T, D+E], D+E, into 2 equal chunks: a chunk's size must have a name, so each term of the sum must be a multiple of 2")]
    [InlineData("[Kernel] static Tensor<float> F([Shape(\"T\", \"D\")] Tensor<float> x, [Shape(\"D+1\")] Tensor<float> b) => [|Concat(x, x, axis: 0) + b|];", "KD0001",
        "Shape error: cannot broadcast [2*T, D] with [D+1]: D and D+1 differ")]
    [InlineData("[Kernel] static Tensor<float> F([Shape(\"T\", \"H\")] Tensor<float> x) => [|Chunk(x, 2, 1)|] * 2f;", "KD0013",
        "Shape error: cannot split dimension 1 of [T, H], H, into 2 equal chunks: a chunk's size must have a name, so the dimension must be a multiple of 2 such as 2*H")]
    [InlineData("[Kernel] static Tensor<float> F([Shape(\"T\", \"10\")] Tensor<float> x) => [|Chunk(x, 4, 0)|];", "KD0013",
        "Shape error: cannot split dimension 1 of [T, 10], 10, into 4 equal chunks: 10 is not a multiple of 4")]
    [InlineData("[Kernel] static Tensor<float> F([Shape(\"T\", \"3*D\")] Tensor<float> x) => [|Chunk(x, 3, 3)|];", "KD0013",
        "Shape error: chunk 3 of 3 does not exist (chunks are numbered 0 to 2)")]
    [InlineData("[Kernel] static Tensor<float> F([Shape(\"T\", \"3*D\")] Tensor<float> x) => [|Chunk(x, 3, 0, axis: -3)|];", "KD0013",
        "Shape error: axis -3 is out of range for [T, 3*D], which has rank 2 (valid axes: -2 to 1)")]
    [InlineData("[Kernel] static Tensor<float> F([Shape(\"T\", \"D\")] Tensor<float> x) => [|Concat(x, x, axis: 2)|];", "KD0003",
        "Shape error: axis 2 is out of range for [T, D], which has rank 2 (valid axes: -2 to 1)")]
    public void ShapeErrorsAreReportedOnTheSubexpression(string kernel, string id, string message)
        => AssertSingle(id, kernel, message);

    [Theory]
    [InlineData("[Kernel] static Tensor<float> F([Shape(\"B\", \"N\")] Tensor<float> x, [Shape(\"N\")] Tensor<float> b) => Softmax(x + b);")]
    [InlineData("[Kernel] static Tensor<float> F([Shape(\"B\", \"N\")] Tensor<float> x) => Sum(x * x, axis: -1);")]
    [InlineData("[Kernel] static Tensor<float> F([Shape(\"B\", \"N\")] Tensor<float> x) => x - Sum(x, axis: 0, keepDims: true);")]
    [InlineData("[Kernel] static (Tensor<float> Max, Tensor<float> Sum) F([Shape(\"B\", \"N\")] Tensor<float> x) => (Max(x, -1, true), Sum(Exp(x), axis: -1));")]
    [InlineData("[Kernel] static Tensor<float> F([Shape(\"I\", \"K\")] Tensor<float> a, [Shape(\"J\", \"K\")] Tensor<float> b) => Relu(Einsum(\"ik,jk->ij\", a, b));")]
    [InlineData("[Kernel] static Tensor<float> F([Shape(\"B\", \"T\", \"K\")] Tensor<float> x, [Shape(\"K\", \"N\")] Tensor<float> w) => Einsum(\"btk,kn->btn\", x, w);")]
    [InlineData("[Kernel] static Tensor<float> F([Shape(\"A\", \"I\", \"K\")] Tensor<float> x, [Shape(\"B\", \"K\", \"J\")] Tensor<float> y) => Einsum(\"aik,bkj->abij\", x, y);")]
    [InlineData("[Kernel] static Tensor<float> F([Shape(\"A\", \"B\", \"C\", \"I\", \"K\")] Tensor<float> x, [Shape(\"D\", \"E\", \"F\", \"G\", \"K\", \"J\")] Tensor<float> y) => Einsum(\"abcik,defgkj->abcdefgij\", x, y);")]
    [InlineData("[Kernel] static Tensor<float> F([Shape(\"B\", \"N\")] Tensor<float> x) => Max(x, axis: -1, keepDims: false) * 2f;")]
    [InlineData("[Kernel] static Tensor<float> F([Shape(\"N\", \"N\")] Tensor<float> x) => x - Mean(x, axis: -1);")]
    [InlineData("[Kernel] static Tensor<float> F([Shape(\"B\", \"N\")] Tensor<float> x, [Shape(\"B\")] Tensor<float> b) => Sum(x, axis: -1) + b;")]
    [InlineData("[Kernel] static Tensor<float> F([Shape(\"A\", \"B\", \"N\")] Tensor<float> x) => Sum(Sum(x, axis: -1) * 2f, axis: -1);")]
    [InlineData("[Kernel] static Tensor<float> F([Shape(\"B\", \"N\")] Tensor<float> x, [Shape(\"B\", \"1\")] Tensor<float> s) => x * s + Mean(x, [1], true);")]
    [InlineData("[Kernel] static Tensor<float> F([Shape(\"H\", \"T\", \"D\")] Tensor<float> q, [Shape(\"H\", \"T\", \"D\")] Tensor<float> k) => Softmax(MatMul(q, Transpose(k)) * 0.125f);")]
    [InlineData("[Kernel] static Tensor<float> F([Shape(\"B\", \"D\")] Tensor<float> x, [Shape(\"D\")] Tensor<float> g, [Shape(\"D\")] Tensor<float> b) => LayerNorm(x, g, b, 1e-6f) + RmsNorm(x, g);")]
    [InlineData("[Kernel] static Tensor<float> F([Shape(\"B\", \"H\", \"D\")] Tensor<float> x, [Shape(\"D*H\", \"C\")] Tensor<float> w) => MatMul(Reshape(x, 0, -1), w);")]
    [InlineData("[Kernel] static Tensor<float> F([Shape(\"B\", \"2\", \"N\")] Tensor<float> x, [Shape(\"N*2\")] Tensor<float> b) => Reshape(x, 0, -1) + b;")]
    [InlineData("[Kernel] static Tensor<float> F([Shape(\"B\", \"T\", \"H\", \"D\")] Tensor<float> x) => Softmax(Reshape(Reshape(x, 0, 0, -1), -1, 0));")]
    [InlineData("[Kernel] static Tensor<float> F(Tensor<float> x) => x / Sum(x, axis: 0, keepDims: true);")]
    [InlineData("[Kernel] static (Tensor<float>, Tensor<float>) F(Tensor<float> x, Tensor<float> w) => (x * 2f, Sum(x * w, axis: -1));")]
    [InlineData("[Kernel] static Tensor<float> F([Shape(\"B\", \"N\")] Tensor<float> x, float d) => Softmax(x / System.MathF.Sqrt(d)) * System.MathF.Exp(-d) + System.MathF.Max(System.MathF.Abs(d), System.MathF.Min(System.MathF.Log(d), System.MathF.Tanh(d)));")]
    [InlineData("[Kernel] static Tensor<float> F([Shape(\"B\", \"N\")] Tensor<float> x, float angle) => x * System.MathF.Cos(angle) + Sin(x) * System.MathF.Sin(angle) - System.MathF.Pow(angle, -0.5f);")]
    [InlineData("[Kernel] static Tensor<float> F([Shape(\"B\", \"T\", \"N\")] Tensor<float> x) => Softmax(x, axis: 0) + LogSoftmax(x, axis: -2);")]
    [InlineData("[Kernel] static Tensor<float> F([Shape(\"T\", \"D\")] Tensor<float> x, [Shape(\"3\", \"D\")] Tensor<float> z) => Softmax(Concat(Concat(x, x, axis: 0), x, axis: 0) * 2f, axis: 0) + Sum(Concat(z, z, axis: 0), axis: 0, keepDims: true);")]
    [InlineData("[Kernel] static Tensor<float> F([Shape(\"T\", \"D\")] Tensor<float> x, [Shape(\"T\", \"3\")] Tensor<float> y) => Sum(Concat(y, y, axis: 1), axis: -1, keepDims: true) * MatMul(Concat(x, x, axis: -1), Transpose(Concat(x, x)));")]
    [InlineData("[Kernel] static Tensor<float> F([Shape(\"T\", \"2*D\")] Tensor<float> x, [Shape(\"T\", \"D\")] Tensor<float> y) => Concat(x, y, y, y, axis: 1) / Concat(y, x, y, y);")]
    [InlineData("[Kernel] static Tensor<float> F([Shape(\"T\", \"2*H\")] Tensor<float> x, [Shape(\"2*T\", \"6\")] Tensor<float> y) => Silu(Chunk(x, 2, 0)) * Chunk(x, 2, 1) + Sum(Chunk(Chunk(y, 3, 2), 2, 1, axis: 0), axis: -1, keepDims: true) + Sum(Chunk(x, 1, 0), axis: -1, keepDims: true);")]
    [InlineData("[Kernel] static Tensor<float> F([Shape(\"T\", \"D\")] Tensor<float> x, [Shape(\"T\", \"E\")] Tensor<float> y, [Shape(\"E + 2*D\")] Tensor<float> b) => Concat(x, y, x * 2f) + b;")]
    [InlineData("[Kernel] static Tensor<float> F([Shape(\"B\", \"T\", \"D\")] Tensor<float> k, [Shape(\"B\", \"1\", \"D\")] Tensor<float> t, [Shape(\"T+1\")] Tensor<float> mask) => Softmax(MatMul(t, Transpose(Concat(k, t, axis: 1))) + mask);")]
    [InlineData("[Kernel] static Tensor<float> F([Shape(\"T\", \"D\")] Tensor<float> x, [Shape(\"T\", \"E\")] Tensor<float> y) => Chunk(Concat(x, y, x, y), 2, 1) + Sum(Reshape(Concat(x, y), -1), axis: 0, keepDims: true);")]
    public void ShapedNearMissesReportNothingAndCompile(string kernel)
    {
        AnalysisRun run = AnalyzerHarness.Run(Prefix + "    " + kernel + "\n}\n");
        Assert.Empty(run.Diagnostics);
        Assert.Empty(run.Generator.Diagnostics);
        Assert.Empty(GeneratorHarness.Errors(run.Output));
        Assert.Single(run.Generator.Results[0].GeneratedSources);
    }

    [Theory]
    [InlineData("[Kernel] Tensor<float> [|F|](Tensor<float> x) => x;", "Kernel method 'F' must be static")]
    [InlineData("[Kernel] static Tensor<float> [|F|]<T>(Tensor<float> x) => x;", "Kernel method 'F' must not be generic: kernels are compiled for float tensors")]
    [InlineData("[Kernel] static Tensor<float> [|F|](Tensor<double> x) => Tensor.Create(new float[1]);", "Kernel method 'F' has parameter 'x' of type 'System.Numerics.Tensors.Tensor<double>'; kernel parameters are Tensor<float> or float")]
    [InlineData("[Kernel] static Tensor<float> [|F|](Tensor<float> x, int n) => x;", "Kernel method 'F' has parameter 'n' of type 'int'; kernel parameters are Tensor<float> or float")]
    [InlineData("[Kernel] static Tensor<float> [|F|](ref Tensor<float> x) => x;", "Kernel method 'F' has parameter 'x' passed by reference or as params; kernel parameters are plain Tensor<float> or float")]
    [InlineData("[Kernel] static float [|F|](Tensor<float> x) => 1f;", "Kernel method 'F' must return Tensor<float> or a tuple of 2 to 4 of them, not 'float'")]
    [InlineData("[Kernel] static Tensor<float> [|F|](float a) => Tensor.Create(new float[1]);", "Kernel method 'F' has no Tensor<float> parameter; a kernel needs at least one tensor input to take its shape from")]
    [InlineData("[Kernel] static Tensor<float> [|F|](Tensor<float> a, Tensor<float> b, Tensor<float> c, Tensor<float> d, Tensor<float> e, Tensor<float> f, Tensor<float> g, Tensor<float> h, Tensor<float> i) => a;", "Kernel method 'F' has 9 tensor parameters; a fused kernel reads at most 8")]
    public void InvalidKernelMethodIsKD0006OnTheName(string kernel, string message)
        => AssertSingle("KD0006", kernel, message);

    [Theory]
    [InlineData("[Kernel] [return: Shape(\"B\", \"M\")] static Tensor<float> F([Shape(\"B\", \"K\")] Tensor<float> x, [Shape(\"K\", \"N\")] Tensor<float> w) => [|MatMul(x, w)|];",
        "Shape error: the result has shape [B, N], but [return: Shape] declares [B, M]: N and M differ (dimension 1)")]
    [InlineData("[Kernel] [return: Shape(\"B\")] static Tensor<float> F([Shape(\"B\", \"N\")] Tensor<float> x) => [|x * 2f|];",
        "Shape error: the result has shape [B, N], but [return: Shape] declares [B]: rank 2 is not rank 1")]
    [InlineData("[Kernel] [return: Shape(\"B\", \"10\")] static Tensor<float> F([Shape(\"B\", \"N\")] Tensor<float> x) => [|Softmax(x)|];",
        "Shape error: the result has shape [B, N], but [return: Shape] declares [B, 10]: N and 10 are not known to be equal (dimension 1); use the same symbol or size in both")]
    [InlineData("[Kernel] [return: Shape(\"B\", \"N\")] static Tensor<float> F([Shape(\"B\", \"N\")] Tensor<float> x) { var m = Sum(x, axis: -1, keepDims: true); return [|m|]; }",
        "Shape error: the result has shape [B, 1], but [return: Shape] declares [B, N]: 1 and N are not known to be equal (dimension 1); use the same symbol or size in both")]
    [InlineData("[Kernel] [return: Shape(\"B\", \"T\")] static Tensor<float> F([Shape(\"B\", \"T\")] Tensor<float> x, [Shape(\"B\", \"1\")] Tensor<float> y) => [|Concat(x, y)|];",
        "Shape error: the result has shape [B, T+1], but [return: Shape] declares [B, T]: T+1 and T differ (dimension 1)")]
    public void ResultContradictingTheDeclaredShapeIsKD0004OnTheReturnedExpression(string kernel, string message)
        => AssertSingle("KD0004", kernel, message);

    [Theory]
    [InlineData("[Kernel] static Tensor<float> F(Tensor<float> x, Tensor<float> [|y|]) => x * 2f;", "Parameter 'y' is not used by kernel 'F'; the fused overloads still take (and check) it. Remove it, or use it in the body.")]
    [InlineData("[Kernel] static Tensor<float> F(Tensor<float> x, float [|alpha|]) => x * 2f;", "Parameter 'alpha' is not used by kernel 'F'; the fused overloads still take (and check) it. Remove it, or use it in the body.")]
    [InlineData("[Kernel] static Tensor<float> F(Tensor<float> x, Tensor<float> [|y|]) { var unused = y * 2f; return x + 1f; }", "Parameter 'y' is not used by kernel 'F'; the fused overloads still take (and check) it. Remove it, or use it in the body.")]
    [InlineData("[Kernel] static Tensor<float> F([Shape(\"B\", \"N\")] Tensor<float> x, [Shape(\"N\")] Tensor<float> [|b|]) => Softmax(x);", "Parameter 'b' is not used by kernel 'F'; the fused overloads still take (and check) it. Remove it, or use it in the body.")]
    public void UnusedParameterIsAKD0009WarningOnTheParameter(string kernel, string message)
        => AssertSingle("KD0009", kernel, message, DiagnosticSeverity.Warning);

    [Fact]
    public void SymbolsDifferingOnlyInCaseAreAKD0010WarningOnTheLaterSpelling()
        => AssertSingle("KD0010",
            "[Kernel] static Tensor<float> F([Shape(\"B\", \"N\")] Tensor<float> x, [Shape([|\"n\"|])] Tensor<float> y) => x * Sum(y, axis: 0, keepDims: true);",
            "Dimension symbol 'n' in 'y' differs from 'N' in 'x' only in case; symbols are case-sensitive, so these are two different dimensions. Spell them alike if they are one dimension.",
            DiagnosticSeverity.Warning);

    [Fact]
    public void ACaseTypoInTheDeclaredResultGivesTheHintAndTheMismatch()
    {
        ImmutableArray<Diagnostic> diagnostics = AnalyzerHarness.Diagnostics(
            "    [Kernel] [return: Shape(\"b\", \"n\")] static Tensor<float> F([Shape(\"b\", \"N\")] Tensor<float> x) => Softmax(x);");
        Assert.Equal(["KD0004", "KD0010"], diagnostics.Select(d => d.Id).Order());
        Assert.Equal("Dimension symbol 'n' in 'the result' differs from 'N' in 'x' only in case; symbols are case-sensitive, so these are two different dimensions. Spell them alike if they are one dimension.",
            diagnostics.Single(d => d.Id == "KD0010").GetMessage());
    }

    [Fact]
    public void ACaseTypoInAProductGivesTheHintAndTheUnboundSymbol()
    {
        ImmutableArray<Diagnostic> diagnostics = AnalyzerHarness.Diagnostics(
            "    [Kernel] static Tensor<float> F([Shape(\"B\", \"H\", \"D\")] Tensor<float> x, [Shape(\"h*D\")] Tensor<float> g) => Reshape(x, 0, -1) * g;");
        Assert.Equal(["KD0006", "KD0010"], diagnostics.Select(d => d.Id).Order());
        Diagnostic hint = diagnostics.Single(d => d.Id == "KD0010");
        Assert.Equal("Dimension symbol 'h' in 'g' differs from 'H' in 'x' only in case; symbols are case-sensitive, so these are two different dimensions. Spell them alike if they are one dimension.", hint.GetMessage());
        Assert.Equal("\"h*D\"", hint.Location.SourceTree!.ToString().Substring(hint.Location.SourceSpan.Start, hint.Location.SourceSpan.Length));
    }

    [Fact]
    public void ACaseTypoInAContractionGivesTheHintAndTheError()
    {
        ImmutableArray<Diagnostic> diagnostics = AnalyzerHarness.Diagnostics(
            "    [Kernel] static Tensor<float> F([Shape(\"B\", \"K\")] Tensor<float> x, [Shape(\"k\", \"N\")] Tensor<float> w) => MatMul(x, w);");
        Assert.Equal(["KD0002", "KD0010"], diagnostics.Select(d => d.Id).Order());
        Assert.Contains("K and k differ", diagnostics.Single(d => d.Id == "KD0002").GetMessage());
    }

    [Theory]
    [InlineData("[Kernel] [return: Shape(\"N\")] static (Tensor<float>, Tensor<float>) [|F|]([Shape(\"N\")] Tensor<float> x) => (x * 2f, x + 1f);",
        "Kernel method 'F' declares [return: Shape] but returns a tuple; the shape of each result is inferred from the body")]
    [InlineData("[Kernel] [return: Shape(\"N\")] static Tensor<float> [|F|](Tensor<float> x) => x * 2f;",
        "Kernel method 'F' declares [return: Shape] but none of its parameters has [Shape(...)]; declare the parameters' shapes, whose symbols the result's shape uses")]
    [InlineData("[Kernel] [return: Shape(\"N\", \"2x\")] static Tensor<float> [|F|]([Shape(\"N\")] Tensor<float> x) => x * 2f;",
        "Kernel method 'F' has its result with the dimension '2x' in [Shape]; a dimension is a symbol (an identifier such as B or seqLen), a size (digits), a product of them (H*D) or a sum of those (T+1, D+E)")]
    public void InvalidReturnShapeIsKD0006(string kernel, string message)
        => AssertSingle("KD0006", kernel, message);

    [Theory]
    [InlineData("[Kernel] [return: Shape(\"B\", \"N\")] static Tensor<float> F([Shape(\"B\", \"K\")] Tensor<float> x, [Shape(\"K\", \"N\")] Tensor<float> w, [Shape(\"N\")] Tensor<float> b) => Relu(MatMul(x, w) + b);")]
    [InlineData("[Kernel] [return: Shape(\"B\", \"1\")] static Tensor<float> F([Shape(\"B\", \"N\")] Tensor<float> x) => Max(x, axis: -1, keepDims: true);")]
    [InlineData("[Kernel] static Tensor<float> F([Shape(\"B\", \"N\")] Tensor<float> x, [Shape(\"M\")] Tensor<float> y) => x * Sum(y, axis: 0, keepDims: true);")]
    [InlineData("[Kernel] static Tensor<float> F([Shape(\"seqLen\", \"N\")] Tensor<float> x, [Shape(\"seqLen\")] Tensor<float> y) => x * Sum(y, axis: 0, keepDims: true);")]
    [InlineData("[Kernel] [return: Shape(\"B\", \"H*D\")] static Tensor<float> F([Shape(\"B\", \"H\", \"D\")] Tensor<float> x) => Reshape(x, 0, -1);")]
    [InlineData("[Kernel] [return: Shape(\"B\", \"1 + T\")] static Tensor<float> F([Shape(\"B\", \"T\")] Tensor<float> x, [Shape(\"B\", \"1\")] Tensor<float> y) => Concat(x, y);")]
    [InlineData("[Kernel] [return: Shape(\"B\", \"2*T+2\")] static Tensor<float> F([Shape(\"B\", \"T\")] Tensor<float> x, [Shape(\"B\", \"1\")] Tensor<float> y) => Concat(x, y, Concat(y, x));")]
    public void DeclaredShapesThatHoldReportNothing(string kernel)
    {
        AnalysisRun run = AnalyzerHarness.Run(Prefix + "    " + kernel + "\n}\n");
        Assert.Empty(run.Diagnostics);
        Assert.Empty(GeneratorHarness.Errors(run.Output));
        Assert.Single(run.Generator.Results[0].GeneratedSources);
    }

    [Fact]
    public void NonPartialContainingTypeIsKD0006()
    {
        string source = GeneratorHarness.Usings + "public static class Plain\n{\n    [Kernel] public static Tensor<float> Square(Tensor<float> x) => x * x;\n}\n";
        ImmutableArray<Diagnostic> diagnostics = AnalyzerHarness.Run(source).Diagnostics;
        Diagnostic diagnostic = Assert.Single(diagnostics);
        Assert.Equal("KD0006", diagnostic.Id);
        Assert.Equal("Kernel method 'Square' is in type 'Plain', which must be declared partial so the fused kernels can be added to it", diagnostic.GetMessage());
        Assert.Equal("Square", source.Substring(diagnostic.Location.SourceSpan.Start, diagnostic.Location.SourceSpan.Length));
        Assert.Equal("https://github.com/kerneldsl/kerneldsl/blob/main/docs/diagnostics/KD0006.md", diagnostic.Descriptor.HelpLinkUri);
    }

    [Fact]
    public void OverloadedKernelNamesAreKD0006OnEach()
    {
        string source = GeneratorHarness.Usings + "public static partial class K\n{\n    [Kernel] public static Tensor<float> F(Tensor<float> x) => x * x;\n    [Kernel] public static Tensor<float> F(Tensor<float> x, float a) => x * a;\n}\n";
        AnalysisRun run = AnalyzerHarness.Run(source);
        Assert.Equal(2, run.Diagnostics.Length);
        Assert.All(run.Diagnostics, d =>
        {
            Assert.Equal("KD0006", d.Id);
            Assert.Equal("Kernel method 'F' is overloaded; kernels in one type need distinct names, since each name gets its own fused overloads and loop", d.GetMessage());
        });
        Assert.Empty(run.Generator.Results[0].GeneratedSources);
    }

    [Fact]
    public void ExistingMemberWithTheFusedNameIsKD0006()
    {
        string source = GeneratorHarness.Usings + "public static partial class K\n{\n    [Kernel] public static Tensor<float> F(Tensor<float> x) => x * x;\n    public static int FFused => 1;\n}\n";
        Diagnostic diagnostic = Assert.Single(AnalyzerHarness.Run(source).Diagnostics);
        Assert.Equal("KD0006", diagnostic.Id);
        Assert.Equal("Kernel method 'F' needs the name 'FFused' for its allocating fused overload, but 'K' already has a member of that name", diagnostic.GetMessage());
    }

    [Fact]
    public void EveryProblemInABodyIsReported()
    {
        ImmutableArray<Diagnostic> diagnostics = AnalyzerHarness.Diagnostics("    public static float Field = 1f;\n    [Kernel] static Tensor<float> F(Tensor<float> x) => x * Field + x * Field;");
        Assert.Equal(2, diagnostics.Count(d => d.Id == "KD0005"));
    }

    [Theory]
    [InlineData("[Kernel] static Tensor<float> F(Tensor<float> x) => x * Const;")]
    [InlineData("[Kernel] static Tensor<float> F(Tensor<float> x) => x * 2 + 1.5f;")]
    [InlineData("[Kernel] static Tensor<float> F(Tensor<float> x) => x * (float)0.5;")]
    [InlineData("[Kernel] static Tensor<float> F(Tensor<float> x, float a) => Where(GreaterThan(x, a), x, a * a);")]
    [InlineData("[Kernel] static Tensor<float> F(Tensor<float> x) { Tensor<float> y = x * x; var z = y + 1f; return z * y; }")]
    [InlineData("[Kernel] public static Tensor<float> F(Tensor<float> @in, float @float) => @in * @float;")]
    [InlineData("[Kernel] static Tensor<float> F(Tensor<float> x) => LeakyRelu(alpha: 0.2f, x: x);")]
    public void NearMissesReportNothingAndCompile(string kernel)
    {
        AnalysisRun run = AnalyzerHarness.Run(Prefix + "    public const float Const = 3f;\n    " + kernel + "\n}\n");
        Assert.Empty(run.Diagnostics);
        Assert.Empty(GeneratorHarness.Errors(run.Output));
        Assert.Single(run.Generator.Results[0].GeneratedSources);
    }

    [Fact]
    public void CodeThatDoesNotBindIsLeftToTheCompiler()
    {
        // Mid-edit code: the C# compiler reports the error; the generator adds nothing and does not throw.
        AnalysisRun run = AnalyzerHarness.Run(Prefix + "    [Kernel] static Tensor<float> F(Tensor<float> x) => x * Undefined(x);\n}\n");
        Assert.Empty(run.Diagnostics);
        Assert.Empty(run.Generator.Diagnostics);
        Assert.Empty(run.Generator.Results[0].GeneratedSources);
    }

    private static void AssertSingle(string id, string kernel, string message, DiagnosticSeverity severity = DiagnosticSeverity.Error)
    {
        int start = kernel.IndexOf("[|", System.StringComparison.Ordinal);
        int end = kernel.IndexOf("|]", System.StringComparison.Ordinal) - 2;
        string clean = kernel.Replace("[|", "").Replace("|]", "");
        string source = Prefix + "    " + clean + "\n}\n";
        int offset = Prefix.Length + 4;

        AnalysisRun run = AnalyzerHarness.Run(source);
        Diagnostic diagnostic = Assert.Single(run.Diagnostics);
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(message, diagnostic.GetMessage());
        Assert.Equal(severity, diagnostic.Severity);
        Assert.Equal(new TextSpan(offset + start, end - start), diagnostic.Location.SourceSpan);
        Assert.Equal("https://github.com/kerneldsl/kerneldsl/blob/main/docs/diagnostics/" + id + ".md", diagnostic.Descriptor.HelpLinkUri);
        Assert.Empty(run.Generator.Diagnostics);
        Assert.Equal(severity == DiagnosticSeverity.Error ? 0 : 1, run.Generator.Results[0].GeneratedSources.Length);
        if (severity != DiagnosticSeverity.Error)
        {
            Assert.Empty(GeneratorHarness.Errors(run.Output)); // a warning's kernel is generated and compiles
        }
    }
}
