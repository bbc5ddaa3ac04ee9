using System;
using System.IO;
using System.Linq;
using System.Numerics.Tensors;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Emit;
using Xunit;

namespace KernelDsl.Generators.Tests;

/// <summary>
/// Random kernels (<see cref="RandomKernels"/>) run end to end: generated, compiled with their
/// generated code, loaded, and each fused kernel compared with its own eager body (the kernel
/// method as written, evaluated by System.Numerics.Tensors) on random inputs of awkward sizes, on
/// one core and split across cores. The eager body is the oracle, so any program the generator
/// accepts is a test case; this finds wrong fusion, indexing and broadcasting in combinations the
/// hand-written differential tables do not list.
/// </summary>
/// <remarks>
/// <c>KERNELDSL_RANDOM_KERNELS=n</c> runs n kernels per seed instead of the default, and
/// <c>KERNELDSL_RANDOM_KERNEL_SEED=s</c> adds seed s, <c>KERNELDSL_RANDOM_KERNEL_SIZES=large</c> draws
/// sizes in the hundreds. A failure names the seed, the kernel and its
/// source. These tests change <see cref="KernelOptions.ParallelThreshold"/>, which no other test of
/// this project reads.
/// </remarks>
public sealed class RandomKernelTests
{
    private const int DefaultKernelsPerSeed = 24;

    public static TheoryData<int> Seeds()
    {
        var seeds = new TheoryData<int> { 1, 2, 3, 4 };
        if (int.TryParse(Environment.GetEnvironmentVariable("KERNELDSL_RANDOM_KERNEL_SEED"), out int extra))
        {
            seeds.Add(extra);
        }

        return seeds;
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void EveryFusedKernelAgreesWithItsEagerBody(int seed)
    {
        int count = int.TryParse(Environment.GetEnvironmentVariable("KERNELDSL_RANDOM_KERNELS"), out int n) ? n : DefaultKernelsPerSeed;
        var kernels = new RandomKernels(seed);
        AssertFusedAgreesWithEager(kernels.File(count), $"seed {seed}", seed, kernels.Sizes);
    }

    /// <summary>
    /// Kernels these tests found wrong, and neighbours of them: each once with M above N and once below.
    /// </summary>
    [Theory]
    // A reduction over rows of another length fused into a row group: rows of M read as rows of N
    // (wrong values when M < N, an out-of-range error when M > N).
    [InlineData("Max(z, axis: 1, keepDims: true) + x")]
    [InlineData("Sum(z, axis: -1, keepDims: true) + x")]
    [InlineData("MatMul(Max(-z, axis: 1, keepDims: true) + Min(Silu(x), y), w)")]
    [InlineData("Max(z, axis: 1, keepDims: true) + Mean(x, axis: -1, keepDims: true)")]
    [InlineData("Sum(x * Max(z, axis: 1, keepDims: true), axis: -1, keepDims: true)")]
    // A reduction written to memory by its own group, read back as one value per row (was KD9999).
    [InlineData("((v + Mean((v - 1.43f), axis: 0)) + Min(y, Softmax(Max(x, y))))")]
    [InlineData("Sum(Mean(x, axis: -1, keepDims: true), axis: -1, keepDims: true) + x")]
    // Two products meeting in one elementwise op: both took it as their epilogue (was KD9999).
    [InlineData("Max(MatMul(MatMul(Sqrt(1f + x * x), w), Transpose(w)), MatMul(MatMul(Softmax(x), w), Transpose(w)))")]
    [InlineData("MatMul(MatMul(x, w) + MatMul(y, w), Transpose(w))")]
    [InlineData("MatMul(Silu(MatMul(x, w)) * MatMul(y, w), Transpose(w))")]
    [InlineData("MatMul(x, w) - Relu(MatMul(y, w) + u)")]
    // A row group writing over the scratch buffer it reads (ScratchReuse): the attention pattern; a
    // buffer read again transposed, or by a later group, which must keep its own.
    [InlineData("MatMul(Softmax(MatMul(a, Transpose(a, 0, 2, 1)) * 0.5f), a)")]
    [InlineData("MatMul(Softmax(MatMul(a, Transpose(a, 0, 2, 1))) + Transpose(Softmax(MatMul(a, Transpose(a, 0, 2, 1))), 0, 2, 1), a)")]
    [InlineData("MatMul(Exp(Softmax(MatMul(a, Transpose(a, 0, 2, 1)))), a) + MatMul(Softmax(MatMul(a, Transpose(a, 0, 2, 1))), a)")]
    [InlineData("MatMul(Softmax(Softmax(MatMul(a, Transpose(a, 0, 2, 1))) * 3f), a)")]
    public void FoundCases(string body)
        => AssertOneKernelAgrees("Tensor<float>", "=> " + body + ";", body);

    /// <summary>
    /// Values whose size is a sum, from joins of pieces of different sizes: rows of N+1+M reduced,
    /// B+1 rows reduced over the first axis, a softmax over rows of M+N, and a decoding step's keys
    /// and values grown to T+1 positions.
    /// </summary>
    [Theory]
    [InlineData("Sum(Concat(x, Mean(x, axis: -1, keepDims: true), z), axis: -1, keepDims: true) + x")]
    [InlineData("Max(Concat(y, Min(x, axis: 0, keepDims: true), axis: 0), axis: 0, keepDims: false) + x")]
    [InlineData("Mean(Softmax(Concat(z, Tanh(x))), axis: 1, keepDims: false) + Sum(y, axis: 1)")]
    [InlineData("MatMul(Softmax(MatMul(a, Transpose(Concat(a, Mean(a, axis: 1, keepDims: true), axis: 1), 0, 2, 1)) * 0.5f), Concat(Tanh(a), Max(a, axis: 1, keepDims: true), axis: 1))")]
    public void ValuesOfJoinedSizes(string body)
        => AssertOneKernelAgrees("Tensor<float>", "=> " + body + ";", body);

    /// <summary>
    /// Values the same for every row of their reader, computed once by a group of their own: a
    /// function of a vector in rows of [B, N], a computed gamma, a product's epilogue operand, a
    /// reduction of a vector, and rows of [B, T, N] reading a vector.
    /// </summary>
    [Theory]
    [InlineData("x * Exp(Tanh(v)) + Softmax(y + Log(1f + Sigmoid(g)))")]
    [InlineData("LayerNorm(x, Exp(Tanh(g)), v, 0.01f) - Sum(Sin(v), axis: 0, keepDims: true)")]
    [InlineData("MatMul(x, w) * Sigmoid(u) + Mean(Erf(u), axis: -1, keepDims: true)")]
    [InlineData("Sum(a * Exp(Tanh(v)), axis: -1, keepDims: true) + Cos(g * 2f) * a")]
    public void ValuesTheSameForEveryRow(string body)
        => AssertOneKernelAgrees("Tensor<float>", "=> " + body + ";", body);

    /// <summary>
    /// Costly values several passes over a row need, kept in the destination row by the first
    /// (capped logits under a softmax and a log-softmax, an activation under a layer norm with
    /// gamma and beta read after the store), and near misses computed again in each pass (an input
    /// of the rows' shape read after them, a cheap value).
    /// </summary>
    [Theory]
    [InlineData("Softmax(Tanh(x * 0.3f) * 3f) + LogSoftmax(Sin(y) * 2f)")]
    [InlineData("LayerNorm(Sigmoid(x) * Erf(y), g, v, 0.01f) + RmsNorm(Exp(Tanh(y)), g, 0.01f)")]
    [InlineData("Softmax(Log(1f + x * x)) * y + LayerNorm(x * 2f, g, v, 0.01f)")]
    public void CostlyValuesStoredForLaterPasses(string body)
        => AssertOneKernelAgrees("Tensor<float>", "=> " + body + ";", body);

    /// <summary>A value returned more than once (was KD0005): each destination gets it.</summary>
    [Theory]
    [InlineData(3, "var m = Mean(x, axis: -1, keepDims: true); return (m, x - m, m);")]
    [InlineData(2, "var p = Relu(MatMul(x, w) + u); return (p, p);")]
    [InlineData(2, "return (Softmax(x), Softmax(x));")]
    [InlineData(3, "var s = Sum(a, axis: 1); return (s * 2f, s * 2f, Tanh(s * 2f));")]
    public void AValueReturnedMoreThanOnce(int results, string body)
        => AssertBlockKernelAgrees(results, body);

    /// <summary>
    /// Values over the same rows written by one row group (SharedRows): a tuple's results, per-row
    /// ones among them, one read inline by another, pieces of a Concat; and values whose rows differ
    /// (z's M against x's N), which keep their own groups.
    /// </summary>
    [Theory]
    [InlineData(3, "return (Softmax(x), LogSoftmax(x), Mean(x, axis: -1, keepDims: true));")]
    [InlineData(3, "var m = Mean(x, axis: -1, keepDims: true); return (x - m, Sum(z, axis: -1, keepDims: true) + m, Softmax(y));")]
    [InlineData(2, "var m = Max(x, axis: -1, keepDims: true); return (Exp(x - m) * y, m);")]
    [InlineData(2, "return (Concat(x * 2f, Sin(y) + x), Softmax(Concat(Cos(x), y)));")]
    [InlineData(2, "return (Max(z, axis: -1, keepDims: true) + x, Softmax(z));")]
    [InlineData(2, "return (Chunk(Concat(Silu(x), y * x), 2, 1), Tanh(a));")]
    [InlineData(3, "return (x * 2f, y - Sum(y, axis: 0, keepDims: true), Exp(x));")]
    [InlineData(3, "return (Mean(x, axis: -1, keepDims: true), Max(x * y, axis: -1, keepDims: true) * 2f, Sum(z, axis: -1, keepDims: true));")]
    public void ValuesSharingARowGroup(int results, string body)
        => AssertBlockKernelAgrees(results, body);

    /// <summary>
    /// A scratch value a later group reads through a chain of views, after a row group that reads it
    /// last in place could have taken its buffer over (ScratchReuse): found with seed 123, whose
    /// second result, <c>Transpose(Transpose(s))</c>, was copied from the buffer after <c>s - g</c>
    /// had been written over it (the copy's group listed only the outer transpose).
    /// </summary>
    [Theory]
    [InlineData(2, "var s = Transpose(Transpose(x)) / (1f + (Sum(Concat(x, y), axis: -1, keepDims: true)) * (Sum(Concat(x, y), axis: -1, keepDims: true))); return (Max(Concat((s - g), Max(a, axis: 1, keepDims: false)), axis: -1, keepDims: true), Transpose(Transpose(s)));")]
    [InlineData(2, "var s = x / (1f + Sum(x, axis: -1, keepDims: true)); return (Max(Concat(s - g, y), axis: -1, keepDims: true), Transpose(Transpose(s)));")]
    [InlineData(1, "var s = x / (1f + Sum(x, axis: -1, keepDims: true)); return MatMul(Concat(s - g, y), Transpose(Concat(Transpose(Transpose(s)), y)));")]
    [InlineData(2, "var s = Softmax(x); return (Sum(Concat(s * y, z), axis: -1, keepDims: true), Transpose(Transpose(Transpose(Transpose(s)))) + 1f);")]
    public void AValueReadThroughViewsAfterAGroupReadItInPlace(int results, string body)
        => AssertBlockKernelAgrees(results, body);

    /// <summary>
    /// One value per row from rows that read a vector of the row's length, at sizes where B = N, so
    /// the in-place runs pass that vector as the destination: found with seed 130, where row r read
    /// beta after earlier rows had written their maxima over it (a vector every row reads is now
    /// refused as the destination; a value per row may still be).
    /// </summary>
    [Theory]
    [InlineData("Max(LayerNorm(x, g, v, 0.01f), axis: 1, keepDims: false)")]
    [InlineData("Sum(x * v, axis: -1, keepDims: false) + Mean(y - g, axis: 1)")]
    [InlineData("Softmax(Sum(x * Exp(v), axis: -1, keepDims: false)) * 3f")]
    public void AVectorEveryRowReadsAsTheDestination(string body)
        => AssertOneKernelAgrees("Tensor<float>", "=> " + body + ";", body, [(5, 2, 5, 3), (17, 5, 17, 40)]);

    /// <summary>
    /// A chunk of a join (read through views of the join's memory) beside the join's row max, which a
    /// group of its own writes: the max's use of the join made the chunk's group read the whole join
    /// as a leaf, rows of 2*N in a group over rows of N (KD9999; found with seed 177).
    /// </summary>
    [Theory]
    [InlineData(1, "return Chunk(Concat(x, x, axis: -1), 2, 1, axis: -1) + Max(Concat(x, x), axis: -1, keepDims: true);")]
    [InlineData(1, "return Chunk(Concat(x, y, axis: -1), 2, 0, axis: -1) * Sum(Concat(x, y), axis: -1, keepDims: true);")]
    [InlineData(3, "var s = Where(GreaterThan(Sum(a, axis: 1), -0.67f), Chunk(Concat(x, x, axis: -1), 2, 1, axis: -1), Max(Concat(x, x), axis: -1, keepDims: true)); return (Sqrt(1f + g * g), -(Pow(Sigmoid(z), 0.5f)), Transpose(Transpose(s)));")]
    public void AChunkOfAJoinBesideItsRowReduction(int results, string body)
        => AssertBlockKernelAgrees(results, body);

    /// <summary>
    /// Tuples whose results are inputs, views of inputs or of computed values, or values of other
    /// shapes computed from one shared value (a join and its chunk, a product and its transpose,
    /// scores and a column max): each result into its own destination.
    /// </summary>
    [Theory]
    [InlineData(2, "return (x, x);")]
    [InlineData(2, "return (Transpose(x), x);")]
    [InlineData(2, "return (Transpose(Transpose(x)), Slice(x, 1, 0, 1));")]
    [InlineData(2, "return (Sum(x, axis: 0), Sum(x, axis: 1));")]
    [InlineData(2, "return (MatMul(x, w), Transpose(MatMul(x, w)));")]
    [InlineData(2, "return (Concat(x, y), Chunk(Concat(x, y), 2, 1));")]
    [InlineData(3, "return (v, g * 2f, Transpose(w));")]
    [InlineData(2, "var s = Softmax(x); return (Transpose(s), Slice(s, 1, 0, 1) * 2f);")]
    [InlineData(2, "var s = MatMul(x, w); return (Softmax(s), Max(s, axis: 0, keepDims: false));")]
    [InlineData(3, "var s = Concat(x, y, axis: 0); return (s, Chunk(s, 2, 0, axis: 0), Sum(s, axis: 0));")]
    [InlineData(2, "var s = Reshape(a, 0, -1); return (s, Mean(s, axis: -1, keepDims: true));")]
    [InlineData(2, "var s = Transpose(a, 0, 2, 1); return (Softmax(s), MatMul(s, a));")]
    public void ResultsThatAreInputsViewsOrShareAValue(int results, string body)
        => AssertBlockKernelAgrees(results, body);

    /// <summary>A kernel returning <paramref name="results"/> tensors (a tuple of them, or one), its block body <paramref name="body"/>.</summary>
    private static void AssertBlockKernelAgrees(int results, string body)
        => AssertOneKernelAgrees(results == 1 ? "Tensor<float>" : "(" + string.Join(", ", Enumerable.Repeat("Tensor<float>", results)) + ")", "{ " + body + " }", body);


    /// <summary>
    /// A kernel whose float32 results rounding leads astray at these sizes, more than a perturbation
    /// of its inputs shows (found with seed 202 and large sizes: an element 0.0748 eager, 0.07262
    /// fused, 0.07257 in float64): its tanh saturates within a few ulps of -1, the layer norm
    /// magnifies what is left of each row, and a product with sums of a few hundred terms magnifies
    /// it again. The fused kernel passes on the float64 oracle where the eager body misleads.
    /// </summary>
    [Fact]
    public void AnIllConditionedKernelIsJudgedByTheFloat64Oracle()
    {
        const string body = "Tanh(Einsum(\"bts,bsn->btn\", MatMul(a, Transpose(a, 0, 2, 1)), LayerNorm(Tanh(Einsum(\"bts,bsn->btn\", Pow(Sigmoid(MatMul(a, Transpose(a, 0, 2, 1))), 3f), LogSoftmax(a))), g, v, 0.01f)))";
        AssertOneKernelAgrees("Tensor<float>", "=> " + body + ";", body, [(130, 3, 513, 1), (65, 3, 300, 1)]);
    }

    /// <summary>
    /// The float64 oracle itself, against the eager bodies of random kernels: every element within
    /// the bound <see cref="AssertNear"/> uses, so what it says when the two float32 results disagree
    /// comes from the kernel's own definitions (Ops64 is written here, apart from the library).
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void TheFloat64OracleAgreesWithTheEagerBodies(int seed)
    {
        var kernels = new RandomKernels(seed);
        string file = kernels.File(DefaultKernelsPerSeed);
        string[] sources = RandomKernels.KernelsOf(file).ToArray();
        using var image = new MemoryStream();
        EmitResult emitted = GeneratorHarness.Compile(file).Emit(image);
        Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics.Take(5)));
        image.Position = 0;
        var context = new AssemblyLoadContext($"float64-oracle-{seed}", isCollectible: true);
        try
        {
            Type fuzz = context.LoadFromStream(image).GetType("Fuzz")!;
            Type fuzz64 = Float64.Float64Kernels.Compile(sources, context);
            Type[] tensors = Enumerable.Repeat(typeof(Tensor<float>), RandomKernels.Parameters.Length).ToArray();
            for (int i = 0; i < sources.Length; i++)
            {
                (int b, int t, int n, int m) = kernels.Sizes();
                object[] arguments = Arguments(seed * 1000 + i * 10, b, t, n, m);
                string where = $"seed {seed}, K{i} with B = {b}, T = {t}, N = {n}, M = {m}";
                MethodInfo eager = fuzz.GetMethod("K" + i, tensors)!;
                object expected = Invoke(eager, arguments, where + ", eager");
                float[][] sensitivity = Sensitivity(expected, Invoke(eager, Perturbed(arguments, seed + i), where + ", eager, perturbed"));
                Float64Results float64 = Float64Results.Of(fuzz64, "K" + i, arguments);
                double[][] oracle = float64.Exact;
                Tensor<float>[] want = Results(expected);
                Assert.Equal(want.Length, oracle.Length);
                for (int r = 0; r < want.Length; r++)
                {
                    float[] e = Flatten(want[r]);
                    Assert.True(e.Length == oracle[r].Length, $"{where}: the float64 oracle has {oracle[r].Length} elements, the eager body {e.Length}\n{sources[i]}");
                    double scale = e.Select(v => Math.Abs((double)v)).DefaultIfEmpty(0).Max();
                    for (int j = 0; j < e.Length; j++)
                    {
                        double f = oracle[r][j];
                        bool near = float.IsNaN(e[j]) ? double.IsNaN(f) : float64.Near(r, j, e[j], scale, sensitivity[r][j]);
                        Assert.True(near, $"{where}: element {j} is {f:R} in float64, eager {e[j]:R} (sensitivity {sensitivity[r][j]:R})\n{sources[i]}");
                    }
                }
            }
        }
        finally
        {
            context.Unload();
        }
    }

    /// <summary>Kernel K0 with the given return type and body, at B, T, N, M = 3, 2, 5, 7 and then 16, 5, 64, 3 (or the sizes given).</summary>
    private static void AssertOneKernelAgrees(string returnType, string body, string label, (int, int, int, int)[]? sizes = null)
    {
        string file = GeneratorHarness.Usings + "public static partial class Fuzz\n{\n    [Kernel]\n    public static " + returnType + " K0("
            + RandomKernels.ParameterList + ")\n        " + body + "\n}\n";
        var draws = new System.Collections.Generic.Queue<(int, int, int, int)>(sizes ?? [(3, 2, 5, 7), (16, 5, 64, 3)]);
        AssertFusedAgreesWithEager(file, label, 7, draws.Dequeue);
    }

    /// <summary>
    /// Generates, compiles and loads <paramref name="file"/> (kernels K0, K1, ... of class <c>Fuzz</c>
    /// taking <see cref="RandomKernels.Parameters"/>), then compares each fused kernel with its eager
    /// body twice, at sizes drawn from <paramref name="sizes"/>: on one core and across cores,
    /// through padded views, and (the first time) in place on each input of the result's shape.
    /// </summary>
    internal static void AssertFusedAgreesWithEager(string file, string label, int seed, Func<(int B, int T, int N, int M)> sizes)
    {
        string[] sources = RandomKernels.KernelsOf(file).ToArray();
        (GeneratorDriverRunResult result, Compilation output) = GeneratorHarness.Run(file, PaddedCallers(sources));
        Assert.Null(result.Results[0].Exception);
        Assert.True(result.Diagnostics.IsEmpty, $"{label}: {string.Join("\n", result.Diagnostics.Select(d => d + "\n" + SourceNamedIn(d.GetMessage(), sources)))}");
        Diagnostic[] errors = GeneratorHarness.Errors(output).ToArray();
        Assert.True(errors.Length == 0, $"{label}: the generated code does not compile:\n{string.Join("\n", errors.Take(5))}");

        using var image = new MemoryStream();
        EmitResult emitted = output.Emit(image);
        Assert.True(emitted.Success, $"{label}: {string.Join("\n", emitted.Diagnostics.Take(5))}");
        image.Position = 0;

        var context = new AssemblyLoadContext($"random-kernels-{seed}", isCollectible: true);
        long threshold = KernelOptions.ParallelThreshold;
        try
        {
            Type fuzz = context.LoadFromStream(image).GetType("Fuzz")!;
            // The float64 oracle is compiled and run only if an element disagrees with the eager body.
            var fuzz64 = new Lazy<Type>(() => Float64.Float64Kernels.Compile(sources, context));
            Type[] tensors = Enumerable.Repeat(typeof(Tensor<float>), RandomKernels.Parameters.Length).ToArray();
            for (int i = 0; i < sources.Length; i++)
            {
                string name = "K" + i;
                MethodInfo eager = fuzz.GetMethod(name, tensors)!;
                MethodInfo? fused = fuzz.GetMethod(name + "Fused", tensors);
                Assert.True(fused is not null, $"{label}: no kernel was generated for {name}: {FrontEndDiagnostics(output, name)}\n{sources[i]}");
                for (int draw = 0; draw < 2; draw++)
                {
                    (int b, int t, int nn, int m) = sizes();
                    object[] arguments = Arguments(seed * 1000 + i * 10 + draw, b, t, nn, m);
                    string where = $"{label}, {name} with B = {b}, T = {t}, N = {nn}, M = {m}";
                    object expected = Invoke(eager, arguments, where + ", eager");
                    float[][] sensitivity = Sensitivity(expected, Invoke(eager, Perturbed(arguments, seed + i), where + ", eager, perturbed"));
                    var oracles = new Oracles(expected, sensitivity, new Lazy<Float64Results>(() => Float64Results.Of(fuzz64.Value, name, arguments)));
                    KernelOptions.ParallelThreshold = long.MaxValue;
                    AssertNear(oracles, Invoke(fused, arguments, where), where + " (one core)", sources[i]);
                    KernelOptions.ParallelThreshold = 1;
                    AssertNear(oracles, Invoke(fused, arguments, where), where + " (split across cores)", sources[i]);
                    if (fuzz.GetMethod(name + "Padded") is { } padded)
                    {
                        KernelOptions.ParallelThreshold = draw == 0 ? long.MaxValue : 1;
                        string layout = draw % 2 == 0 ? " (padded rows)" : " (padded columns, column-major)";
                        object viaViews = Invoke(padded, [.. arguments, expected, draw % 2 == 1], where + layout, sources[i]);
                        AssertNear(oracles, viaViews, where + layout, sources[i]);
                    }

                    // In place: each input of the result's shape passed as the destination too (a
                    // kernel may refuse one it cannot run in place on, never compute it wrongly).
                    if (draw == 0 && fuzz.GetMethod(name + "InPlace") is { } inPlace)
                    {
                        for (int which = 0; which < RandomKernels.Parameters.Length; which++)
                        {
                            // One core for even parameters, split across cores for odd ones.
                            KernelOptions.ParallelThreshold = which % 2 == 0 ? long.MaxValue : 1;
                            string over = $" (in place on {RandomKernels.Parameters[which].Name}, {(which % 2 == 0 ? "one core" : "split across cores")})";
                            if (Invoke(inPlace, [.. arguments, expected, which], where + over, sources[i]) is { } inPlaceResult)
                            {
                                AssertNear(oracles, inPlaceResult, where + over, sources[i]);
                            }
                        }
                    }
                }
            }
        }
        finally
        {
            KernelOptions.ParallelThreshold = threshold;
            context.Unload();
        }
    }

    /// <summary>
    /// A second source file: for each kernel with one result, <c>KnPadded</c>, which passes every
    /// input of rank 2 or more to the span entry point as a view whose rows are 3 elements apart, or
    /// a column-major one whose columns are (the gaps hold NaN, so reading one shows; rows that are
    /// not contiguous are copied by the entry point), into a destination laid out the same way (a
    /// vector's every other element), shaped like the eager result it is given: its elements and
    /// gaps start as a NaN, so an element left unwritten shows, and a gap written fails the call.
    /// </summary>
    private static string PaddedCallers(string[] sources)
    {
        var file = new System.Text.StringBuilder("""
            using System;
            using System.Numerics.Tensors;

            public static partial class Fuzz
            {
                private static ReadOnlyTensorSpan<float> Padded(Tensor<float> tensor, bool columnMajor)
                {
                    if (tensor.Rank < 2 || tensor.FlattenedLength == 0)
                    {
                        return tensor.AsReadOnlyTensorSpan();
                    }

                    nint[] lengths = tensor.Lengths.ToArray();
                    (nint[] strides, float[] memory) = PaddedLayout(lengths, columnMajor, gapsOnRank1: false);
                    var dense = new float[tensor.FlattenedLength];
                    tensor.FlattenTo(dense);
                    ForEachOffset(lengths, strides, (flat, offset) => memory[offset] = dense[flat]);
                    return new ReadOnlyTensorSpan<float>(memory, lengths, strides);
                }

                /// <summary>Gap elements hold this NaN, so a write outside a destination view shows, bit for bit.</summary>
                private const int GapBits = 0x7FC0DEAD;

                /// <summary>
                /// Row-major with gaps of 3 after each row, or column-major (the first dimension
                /// contiguous) with gaps of 3 after each column; a vector (with gapsOnRank1) every
                /// other element. Every element of the memory starts as the gap value.
                /// </summary>
                private static (nint[] Strides, float[] Memory) PaddedLayout(nint[] lengths, bool columnMajor, bool gapsOnRank1)
                {
                    int rank = lengths.Length;
                    if (Array.IndexOf(lengths, (nint)0) >= 0)
                    {
                        // Empty: the default (dense) strides, and gaps the kernel must leave alone.
                        var gaps = new float[4];
                        Array.Fill(gaps, BitConverter.Int32BitsToSingle(GapBits));
                        return ([], gaps);
                    }

                    var strides = new nint[rank];
                    if (rank == 1)
                    {
                        strides[0] = gapsOnRank1 ? 2 : 1;
                    }
                    else if (rank > 1)
                    {
                        int inner = columnMajor ? 0 : rank - 1, step = columnMajor ? 1 : -1;
                        strides[inner] = 1;
                        strides[inner + step] = lengths[inner] + 3;
                        for (int d = inner + 2 * step; d >= 0 && d < rank; d += step)
                        {
                            strides[d] = strides[d - step] * lengths[d - step];
                        }
                    }

                    // System.Numerics.Tensors takes a dimension of length 1 only with stride 0.
                    nint size = 4; // the last element and a gap of 3 after it
                    for (int d = 0; d < rank; d++)
                    {
                        strides[d] = lengths[d] == 1 ? 0 : strides[d];
                        size += (lengths[d] - 1) * strides[d];
                    }

                    var memory = new float[Math.Max(size, 4)];
                    Array.Fill(memory, BitConverter.Int32BitsToSingle(GapBits));
                    return (strides, memory);
                }

                /// <summary>Calls visit(flat index, memory offset) for every element, in row-major order.</summary>
                private static void ForEachOffset(nint[] lengths, nint[] strides, Action<int, nint> visit)
                {
                    int rank = lengths.Length;
                    nint count = 1;
                    foreach (nint length in lengths)
                    {
                        count *= length;
                    }

                    var index = new nint[rank];
                    for (int flat = 0; flat < count; flat++)
                    {
                        nint offset = 0;
                        for (int d = 0; d < rank; d++)
                        {
                            offset += index[d] * strides[d];
                        }

                        visit(flat, offset);
                        for (int d = rank - 1; d >= 0 && ++index[d] == lengths[d]; d--)
                        {
                            index[d] = 0;
                        }
                    }
                }

                /// <summary>
                /// The destination view's elements as a dense tensor; throws if the kernel wrote a gap.
                /// Elements it did not write keep the gap NaN, which the comparison reports.
                /// </summary>
                private static Tensor<float> Gathered(float[] memory, nint[] lengths, nint[] strides)
                {
                    nint count = 1;
                    foreach (nint length in lengths)
                    {
                        count *= length;
                    }

                    var dense = new float[count];
                    var inView = new bool[memory.Length];
                    ForEachOffset(lengths, strides, (flat, offset) => { dense[flat] = memory[offset]; inView[offset] = true; });
                    for (int offset = 0; offset < memory.Length; offset++)
                    {
                        if (!inView[offset] && BitConverter.SingleToInt32Bits(memory[offset]) != GapBits)
                        {
                            throw new InvalidOperationException($"The kernel wrote {memory[offset]} at offset {offset}, outside its destination view (strides [{string.Join(", ", strides)}]).");
                        }
                    }

                    return Tensor.Create(dense, lengths);
                }

            """);
        string parameters = string.Join(", ", RandomKernels.Parameters.Select(p => "Tensor<float> " + p.Name));
        string padded = string.Join(", ", RandomKernels.Parameters.Select(p => $"Padded({p.Name}, columnMajor)"));
        string names = string.Join(", ", RandomKernels.Parameters.Select(p => p.Name));
        string inPlace = string.Join(", ", RandomKernels.Parameters.Select((p, k) => $"which == {k} ? new ReadOnlyTensorSpan<float>(memory, lengths, []) : {p.Name}.AsReadOnlyTensorSpan()"));
        for (int i = 0; i < sources.Length; i++)
        {
            if (!sources[i].Contains($"public static Tensor<float> K{i}(", StringComparison.Ordinal))
            {
                continue; // several results
            }

            file.Append($$"""
                    public static Tensor<float> K{{i}}Padded({{parameters}}, Tensor<float> like, bool columnMajor)
                    {
                        // The destination is a padded view as well: the kernel computes into scratch memory and copies into it.
                        nint[] lengths = like.Lengths.ToArray();
                        (nint[] strides, float[] memory) = PaddedLayout(lengths, columnMajor, gapsOnRank1: true);
                        K{{i}}({{padded}}, new TensorSpan<float>(memory, lengths, strides));
                        return Gathered(memory, lengths, strides);
                    }

                    public static Tensor<float>? K{{i}}InPlace({{parameters}}, Tensor<float> like, int which)
                    {
                        // Parameter `which`, if it has the result's shape, is copied and passed as the destination too.
                        Tensor<float>[] all = [{{names}}];
                        nint[] lengths = like.Lengths.ToArray();
                        if (!all[which].Lengths.SequenceEqual(lengths))
                        {
                            return null;
                        }

                        var memory = new float[all[which].FlattenedLength];
                        all[which].FlattenTo(memory);
                        try
                        {
                            K{{i}}({{inPlace}}, new TensorSpan<float>(memory, lengths, []));
                        }
                        catch (ArgumentException e) when (e.Message.Contains("overlaps") || e.Message.Contains("share memory"))
                        {
                            return null; // refused, as documented: the kernel cannot run in place on it
                        }

                        return Tensor.Create(memory, lengths);
                    }

                """);
        }

        return file.Append("}\n").ToString();
    }

    /// <summary>What the front end (the analyzer's, shared with the generator) reports on kernel <paramref name="name"/>.</summary>
    private static string FrontEndDiagnostics(Compilation compilation, string name)
    {
        SyntaxTree tree = compilation.SyntaxTrees.First();
        SemanticModel model = compilation.GetSemanticModel(tree);
        Microsoft.CodeAnalysis.CSharp.Syntax.MethodDeclarationSyntax syntax = tree.GetRoot().DescendantNodes()
            .OfType<Microsoft.CodeAnalysis.CSharp.Syntax.MethodDeclarationSyntax>().First(m => m.Identifier.Text == name);
        var method = (IMethodSymbol)model.GetDeclaredSymbol(syntax)!;
        var parsed = Parsing.KernelParser.ParseSafely(method, syntax, model, default);
        return string.Join("; ", parsed.Diagnostics.Select(d => d.ToDiagnostic(tree).ToString()));
    }

    /// <summary>The source of the kernel a message names (<c>Fuzz.K7</c>), for a failure message.</summary>
    private static string SourceNamedIn(string message, string[] sources)
    {
        System.Text.RegularExpressions.Match match = System.Text.RegularExpressions.Regex.Match(message, @"Fuzz\.K(\d+)");
        return match.Success ? sources[int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)] : "";
    }

    private static object[] Arguments(int seed, int b, int t, int n, int m)
    {
        var random = new Random(seed);
        return RandomKernels.Parameters
            .Select(p => (object)RandomTensor(random, p.Shape.Select(s => (nint)(s switch { "B" => b, "T" => t, "N" => n, _ => m })).ToArray()))
            .ToArray();
    }

    private static Tensor<float> RandomTensor(Random random, nint[] shape)
    {
        var values = new float[shape.Aggregate((nint)1, (p, q) => p * q)];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (float)(random.NextDouble() * 2 - 1);
        }

        return Tensor.Create(values, shape);
    }

    /// <summary>The call's result; a failure names the case (<paramref name="where"/>) and, when given, the kernel's <paramref name="source"/>.</summary>
    private static object Invoke(MethodInfo method, object[] arguments, string where, string? source = null)
    {
        try
        {
            return method.Invoke(null, arguments)!;
        }
        catch (TargetInvocationException e)
        {
            throw new Xunit.Sdk.XunitException($"{where}: {e.InnerException}\n{source}");
        }
    }

    /// <summary>The arguments with every element moved by up to 2^-22 of itself (a few ulps), at random.</summary>
    private static object[] Perturbed(object[] arguments, int seed)
    {
        var random = new Random(seed);
        return arguments.Select(argument =>
        {
            var tensor = (Tensor<float>)argument;
            float[] values = Flatten(tensor);
            for (int i = 0; i < values.Length; i++)
            {
                values[i] *= 1f + (float)((random.NextDouble() * 2 - 1) * Math.Pow(2, -22));
            }

            return (object)Tensor.Create(values, tensor.Lengths);
        }).ToArray();
    }

    /// <summary>
    /// |eager(x) - eager(x')| element by element, for inputs x' a few ulps from x: how much this
    /// expression at these inputs magnifies errors of the size rounding makes. A product of
    /// products that nearly cancel magnifies them a thousandfold, an elementwise chain hardly at all.
    /// </summary>
    private static float[][] Sensitivity(object expected, object perturbed)
        => Results(expected).Zip(Results(perturbed), (e, p) =>
        {
            float[] a = Flatten(e), b = Flatten(p);
            return a.Select((v, i) => float.IsFinite(v) && float.IsFinite(b[i]) ? Math.Abs(v - b[i]) : 0f).ToArray();
        }).ToArray();

    /// <summary>What a fused kernel's results are checked against: the eager body's, how sensitive they are, and the float64 oracle's.</summary>
    private sealed record Oracles(object Eager, float[][] Sensitivity, Lazy<Float64Results> Float64);

    /// <summary>The float64 oracle's results, and how far float32 rounding might move each element (<see cref="Float64.Float64Kernels.RoundingEstimate"/>).</summary>
    private sealed record Float64Results(double[][] Exact, double[][] Rounding)
    {
        public static Float64Results Of(Type fuzz64, string name, object[] arguments)
        {
            double[][] exact = Float64.Float64Kernels.Run(fuzz64, name, arguments);
            return new Float64Results(exact, Float64.Float64Kernels.RoundingEstimate(fuzz64, name, arguments, exact));
        }

        /// <summary>
        /// Whether <paramref name="value"/> is within AssertNear's bound of the float64 element, the
        /// bound widened by 32 times the rounding estimate: a sum of hundreds of terms can round in
        /// one direction, where the noise's errors cancel.
        /// </summary>
        public bool Near(int result, int i, double value, double scale, float sensitivity)
        {
            double exact = Exact[result][i];
            return Math.Abs(value - exact) <= Bound(exact, scale, sensitivity) + 32 * Rounding[result][i];
        }
    }

    /// <summary>
    /// Each result's shape equal and each element within 1e-4·(1 + |e|) + 1e-5·max|e| + 1024·s of
    /// the eager one, where s is the element's <see cref="Sensitivity"/>. Rounding errors grow with
    /// the square root of the terms each sum adds, which a perturbation of the inputs does not show,
    /// hence the large factor: a sum of products of sums over 100 and 17 terms that cancels to 0.08
    /// differed from the eager one by 110·s, all of it rounding. A wrong element is off by about
    /// its own size, far outside the bound unless the expression cancels every digit away.
    /// </summary>
    /// <remarks>
    /// An element outside that bound still passes when it is near the float64 oracle
    /// (<see cref="Float64.Float64Kernels"/>; the same bound, widened by the oracle's estimate of
    /// float32 rounding at that element, <see cref="Float64Results.Near"/>), or at least as near to
    /// it as the eager element is: then rounding is larger than a perturbation of the inputs shows (a
    /// tanh saturated to within a few ulps of -1, whose row a normalization then magnifies: 0.0748
    /// eager, 0.07262 fused, 0.07257 in float64), and the fused kernel is no less accurate than the
    /// library's own evaluation. Both oracles run the kernel's body as written, so a kernel the
    /// compiler gets wrong is far from both (a relative error of 5e-4 in the normalizations'
    /// reciprocals fails these tests, against both).
    /// </remarks>
    private static void AssertNear(Oracles oracles, object actual, string where, string source)
    {
        Tensor<float>[] want = Results(oracles.Eager), got = Results(actual);
        Assert.Equal(want.Length, got.Length);
        for (int r = 0; r < want.Length; r++)
        {
            string result = want.Length > 1 ? $" result {r}" : "";
            Assert.True(want[r].Lengths.SequenceEqual(got[r].Lengths),
                $"{where}{result}: shape [{string.Join(", ", got[r].Lengths.ToArray())}], eager [{string.Join(", ", want[r].Lengths.ToArray())}]\n{source}");
            float[] e = Flatten(want[r]), a = Flatten(got[r]), s = oracles.Sensitivity[r];
            // The scale of the finite values: an infinity among them (a Max over an empty axis) would
            // make every bound infinite.
            double scale = e.Where(float.IsFinite).Select(v => Math.Abs((double)v)).DefaultIfEmpty(0).Max();
            bool Near(double value, double expected, int i) => Math.Abs(value - expected) <= Bound(expected, scale, s[i]);
            for (int i = 0; i < e.Length; i++)
            {
                if (a[i] == e[i] || (float.IsNaN(e[i]) ? float.IsNaN(a[i]) : Near(a[i], e[i], i)))
                {
                    continue;
                }

                Float64Results float64 = oracles.Float64.Value;
                double[] f = float64.Exact[r];
                Assert.True(f.Length == e.Length, $"{where}{result}: the float64 oracle has {f.Length} elements, the eager body {e.Length}\n{source}");
                bool asGoodAsEager = float64.Near(r, i, a[i], scale, s[i]) || Math.Abs(a[i] - f[i]) <= Math.Abs(e[i] - f[i]);
                Assert.True(!float.IsNaN(e[i]) && asGoodAsEager,
                    $"{where}{result}: element {i} is {a[i]:R}, eager {e[i]:R}, float64 {f[i]:R} (sensitivity {s[i]:R}, float64 rounding estimate {float64.Rounding[r][i]:R})\n{source}");
            }
        }
    }

    /// <summary>AssertNear's bound on an element's distance from <paramref name="expected"/>: 1e-4·(1 + |e|) + 1e-5·max|e| + 1024·s.</summary>
    private static double Bound(double expected, double scale, float sensitivity) => 1e-4 * (1 + Math.Abs(expected)) + 1e-5 * scale + 1024.0 * sensitivity;

    private static Tensor<float>[] Results(object value) => value switch
    {
        Tensor<float> tensor => [tensor],
        ITuple tuple => Enumerable.Range(0, tuple.Length).Select(i => (Tensor<float>)tuple[i]!).ToArray(),
        _ => throw new Xunit.Sdk.XunitException($"unexpected result {value.GetType()}"),
    };

    private static float[] Flatten(Tensor<float> tensor)
    {
        var values = new float[tensor.FlattenedLength];
        tensor.FlattenTo(values);
        return values;
    }
}
