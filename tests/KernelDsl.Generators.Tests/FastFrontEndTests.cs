using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using KernelDsl.Compiler;
using KernelDsl.Generators.Parsing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Xunit;

namespace KernelDsl.Generators.Tests;

/// <summary>
/// The generator's syntax-only front end (<see cref="SyntaxLowering"/>) against the bound one: where
/// it reads a kernel at all, it must read exactly the spec the bound front end reads; where the
/// syntax does not settle the meaning, it must decline.
/// </summary>
public sealed class FastFrontEndTests
{
    /// <summary>Source files of the repository that declare kernels (they compile here with the kernels' own references).</summary>
    private static readonly string[] KernelFiles =
    [
        "tests/KernelDsl.Tests/TestKernels.cs",
        "tests/KernelDsl.Tests/NdTestKernels.cs",
        "tests/KernelDsl.Tests/TupleKernelTests.cs",
        "tests/KernelDsl.Benchmarks/BenchmarkKernels.cs",
        "samples/QuickStart/Activations.cs",
        "samples/Layers/Program.cs",
    ];

    [Fact]
    public void EveryKernelOfTheRepositoryReadsAsTheBoundFrontEndReadsIt()
    {
        string root = RepositoryRoot();
        int kernels = 0, read = 0;
        foreach (string file in KernelFiles)
        {
            (int k, int r) = AssertAgreement(File.ReadAllText(Path.Combine(root, file)), file);
            kernels += k;
            read += r;
        }

        // Not vacuous: the syntax settles nearly every kernel (130 of 131 when written; the other
        // multiplies two literals, which C# folds).
        Assert.True(kernels > 100, $"{kernels} kernels found");
        Assert.True(read >= kernels * 9 / 10, $"the syntax read {read} of {kernels} kernels");
    }

    [Theory]
    [InlineData(11)]
    [InlineData(12)]
    [InlineData(13)]
    public void RandomKernelsReadAsTheBoundFrontEndReadsThem(int seed)
    {
        (int kernels, int read) = AssertAgreement(new RandomKernels(seed).File(150), $"random kernels, seed {seed}");

        Assert.True(read >= kernels * 9 / 10, $"the syntax read {read} of {kernels} kernels"); // all 150 when written
    }

    /// <summary>Calls where C# chooses among overloads or fills in defaults: the syntax must choose the same.</summary>
    [Theory]
    [InlineData("Max(x, 0)")] // Max(Tensor, float): the only overload that applies (the reduction has no default keepDims)
    [InlineData("Max(0, x)")]
    [InlineData("Max(x, y)")]
    [InlineData("Max(x, 1, false)")]
    [InlineData("Max(x, [0, 1], keepDims: true) + x")]
    [InlineData("Sum(x, 1, true) * x")]
    [InlineData("Mean(x, axis: -1, keepDims: true) - x")]
    [InlineData("Mean(x, keepDims: true, axis: 0) - x")]
    [InlineData("Prod(x, new[] { 0, 1 }) * x")]
    [InlineData("Transpose(Transpose(x))")]
    [InlineData("Transpose(x, [1, 0]) + Transpose(y)")]
    [InlineData("LeakyRelu(x) + LeakyRelu(y, 0.2f) + LeakyRelu(x, alpha: 2)")]
    [InlineData("LayerNorm(x, g, g) + RmsNorm(x, g) + LayerNorm(x, g, g, 1e-3f) + RmsNorm(x, g, epsilon: 2)")]
    [InlineData("Softmax(x) + Softmax(x, 1) + LogSoftmax(x, axis: -1)")]
    [InlineData("Where(LessThan(x, 0f), -x, x) + Where(GreaterThanOrEqual(x, y), 1f, a)")]
    [InlineData("Clamp(x, max: 1f, min: -1f)")]
    [InlineData("Ops.Tanh(x) * Ops.Exp(-x)")]
    [InlineData("MatMul(x, Transpose(y)) + Einsum(\"bn,cn->bc\", x, y)")]
    [InlineData("Slice(x, 1, 0, 1) * Pow(x, 2) * Pow(x, y)")]
    [InlineData("-(2f) * x + -x * 3 + x / 2 - +x + a * x * -a")]
    [InlineData("(a * 2 + a / 3) * x")]
    [InlineData("1f - x + 2f / x + 3 * x + 4 + x - 5")]
    [InlineData("Reshape(x, [-1]) * 2f")]
    [InlineData("Reshape(Reshape(x, 0, 1, -1), 0, -1) + Reshape(x, [0, -1])")]
    [InlineData("Transpose(x, 1, 0) + Transpose(y, (1), -(-0))")]
    [InlineData("Sigmoid(x) + Silu(x) + Gelu(x) + Erf(x) + Erfc(x) + Abs(x) + Sqrt(Abs(x)) + Log(Abs(x) + 1f) + Relu(x)")]
    [InlineData("Sin(x) * Cos(x * 2f) - Sin(Cos(x))")]
    public void OverloadsAndDefaultsAreChosenAsCSharpChoosesThem(string body)
    {
        string source = Kernel($"public static Tensor<float> K([Shape(\"B\", \"N\")] Tensor<float> x, [Shape(\"B\", \"N\")] Tensor<float> y, [Shape(\"N\")] Tensor<float> g, float a) => {body};");
        (int kernels, int read) = AssertAgreement(source, body);
        Assert.Equal(1, kernels);
        Assert.Equal(1, read);
    }

    [Fact]
    public void LocalsAndSeveralResultsReadAsBound()
    {
        string source = Kernel("""
            public static (Tensor<float>, Tensor<float>) K([Shape("B", "N")] Tensor<float> x, float a)
            {
                var scaled = x * a;
                var half = a / 2f;
                var positive = GreaterThan(scaled, 0f);
                return (Where(positive, scaled, half), Softmax(scaled));
            }
            """);
        Assert.Equal((1, 1), AssertAgreement(source, "locals"));
    }

    [Fact]
    public void AnUnshapedKernelThatReducesIsReadWithImpliedVectorShapes()
    {
        // No [Shape]: the first reading finds a reduction, and both front ends read the body again
        // with every tensor a vector of one length N.
        string source = Kernel("public static Tensor<float> K(Tensor<float> x, Tensor<float> y) => Softmax(x) * y - Sum(y, 0, true);");
        Assert.Equal((1, 1), AssertAgreement(source, "unshaped"));
        Compilation compilation = GeneratorHarness.Compile(source);
        SyntaxTree tree = compilation.SyntaxTrees.Single();
        MethodDeclarationSyntax syntax = tree.GetRoot().DescendantNodes().OfType<MethodDeclarationSyntax>().Single();
        var method = (IMethodSymbol)compilation.GetSemanticModel(tree).GetDeclaredSymbol(syntax)!;
        KernelSpec spec = KernelParser.ParseFromSyntaxOnly(method, syntax, compilation.GetSemanticModel(tree))!.Spec!;
        Assert.All(spec.Graph.Parameters, p => Assert.Equal("[N]", p.Shape?.ToString()));
    }

    /// <summary>Bodies whose meaning needs the compiler's judgement (or that do not compile): the syntax declines, and the bound front end decides.</summary>
    [Theory]
    [InlineData("2f * 3f * x")] // folded by C# in its own precision
    [InlineData("x * (1f / 3f)")]
    [InlineData("1.5 * x")] // a double: no such operator
    [InlineData("(float)a * x")]
    [InlineData("Reshape(x, 2, y)")] // a params list of ints takes no tensor
    [InlineData("Transpose(x, a)")]
    [InlineData("Relu(x) + Scale * x")] // a constant field
    [InlineData("Helper(x)")] // the kernel's own method
    [InlineData("Tanh(x, 2)")] // no overload applies
    [InlineData("LessThan(x, y) + x")] // arithmetic on Tensor<bool>
    [InlineData("Max(x, axis: 1, false)")] // a positional argument after a named one
    [InlineData("x.Length > 0 ? x : y")]
    [InlineData("Ops.Tanh(x) + KernelDsl.Ops.Exp(x)")]
    public void TheSyntaxDeclinesWhatItCannotSettle(string body)
    {
        string source = Kernel($"""
            public const float Scale = 2f;
            private static Tensor<float> Helper(Tensor<float> t) => t;
            public static Tensor<float> K([Shape("B", "N")] Tensor<float> x, [Shape("B", "N")] Tensor<float> y, float a) => {body};
            """);
        Assert.Equal((1, 0), AssertAgreement(source, body));
    }

    [Fact]
    public void AMemberOfTheKernelsTypeNamedLikeAnOpIsNotTakenForTheOp()
    {
        // The class's own Relu wins over 'using static KernelDsl.Ops' in C#: the bound front end
        // reports the call as unsupported, and the syntax must not read it as Ops.Relu.
        string source = Kernel("""
            private static Tensor<float> Relu(Tensor<float> t) => t;
            private static readonly int Ops = 0;
            public static Tensor<float> K1(Tensor<float> x) => Relu(x);
            public static Tensor<float> K2(Tensor<float> x) => Ops.Exp(x);
            """);
        Assert.Equal((2, 0), AssertAgreement(source, "shadowing"));
    }

    [Fact]
    public void AProjectDeclaringItsOwnTensorOperatorsIsLeftToTheBoundFrontEnd()
    {
        // A C# 14 extension operator on Tensor<float> in the project may be what x * y means in a
        // kernel; the bound front end sees which operator binds (and rejects a user-defined one).
        string kernels = Kernel("public static Tensor<float> K([Shape(\"B\", \"N\")] Tensor<float> x, [Shape(\"B\", \"N\")] Tensor<float> y) => x * y + x;");
        Assert.Equal((1, 1), AssertAgreement(kernels, "without the operator"));
        string withOperator = kernels + """
            public static class MyTensorOperators
            {
                extension(Tensor<float>)
                {
                    public static Tensor<float> operator *(Tensor<float> left, Tensor<float> right) => left;
                }
            }
            """;
        Assert.Equal((1, 0), AssertAgreement(withOperator, "with the operator"));
    }

    [Fact]
    public void ShapeErrorsAreLocatedByTheBoundFrontEndAndUnusedParametersReportedEitherWay()
    {
        // The syntax reads both bodies; the one with a broadcast error is bound after all, so that
        // KD0001 lands on the '+', and the unused parameter's warning comes from either front end.
        string source = Kernel("""
            public static Tensor<float> Unused([Shape("B", "N")] Tensor<float> x, [Shape("N")] Tensor<float> g) => x * 2f;
            public static Tensor<float> Mismatch([Shape("B", "K")] Tensor<float> x, [Shape("N")] Tensor<float> b) => x + b;
            """);
        Assert.Equal((2, 1), AssertAgreement(source, "errors and warnings"));

        Compilation compilation = GeneratorHarness.Compile(source);
        SyntaxTree tree = compilation.SyntaxTrees.Single();
        SemanticModel model = compilation.GetSemanticModel(tree);
        var reports = tree.GetRoot().DescendantNodes().OfType<MethodDeclarationSyntax>()
            .ToDictionary(m => m.Identifier.ValueText, m => KernelParser.ParseSafely((IMethodSymbol)model.GetDeclaredSymbol(m)!, m, model, default, fromSyntaxFirst: true));
        Assert.NotNull(reports["Unused"].Spec);
        Assert.Equal(["KD0009"], reports["Unused"].Diagnostics.Select(d => d.Id));
        Assert.Null(reports["Mismatch"].Spec);
        var mismatch = Assert.Single(reports["Mismatch"].Diagnostics);
        Assert.Equal("KD0001", mismatch.Id);
    }

    [Fact]
    public void AReferencedLibraryDeclaringTensorOperatorsLeavesBodiesToTheBoundFrontEnd()
    {
        // The same operator, but compiled into a library the project references: the kernel's
        // x * y may bind to it once its namespace is imported, so the syntax must decline.
        const string library = """
            using System.Numerics.Tensors;

            namespace TensorLibrary;

            public static class MyTensorOperators
            {
                extension(Tensor<float>)
                {
                    public static Tensor<float> operator *(Tensor<float> left, Tensor<float> right) => left;
                }
            }
            """;
        const string helpers = """
            using System.Numerics.Tensors;

            namespace TensorLibrary;

            public static class Helpers
            {
                public static float Scale(Tensor<float> t) => 2f;
            }
            """;
        string kernels = "using TensorLibrary;\n" + Kernel("public static Tensor<float> K([Shape(\"B\", \"N\")] Tensor<float> x, [Shape(\"B\", \"N\")] Tensor<float> y) => x * y + x;");

        Assert.Equal((1, 1), AssertAgreement(kernels, "a library without operators", Library(helpers)));
        Assert.Equal((1, 0), AssertAgreement(kernels, "a library with an operator", Library(library)));
    }

    /// <summary>Compiles <paramref name="source"/> into a library and references it as metadata.</summary>
    private static MetadataReference Library(string source)
    {
        Compilation library = GeneratorHarness.Compile(source);
        using var image = new System.IO.MemoryStream();
        Microsoft.CodeAnalysis.Emit.EmitResult emitted = library.Emit(image);
        Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics));
        return MetadataReference.CreateFromImage(image.ToArray());
    }

    [Fact]
    public void AFileWithoutTheOpsImportIsLeftToTheBoundFrontEnd()
    {
        string source = "using System.Numerics.Tensors;\nusing KernelDsl;\n\npublic static partial class Layers\n{\n"
            + "    [Kernel] public static Tensor<float> K1(Tensor<float> x) => Tanh(x);\n"
            + "    [Kernel] public static Tensor<float> K2(Tensor<float> x) => Ops.Tanh(x) * 2f;\n}\n";
        Assert.Equal((2, 1), AssertAgreement(source, "no using static"));
    }

    private static string Kernel(string members)
        => GeneratorHarness.Usings + "\npublic static partial class Layers\n{\n"
           + string.Join("\n", members.Split('\n').Select(line => line.TrimStart().StartsWith("public static", StringComparison.Ordinal) && !line.Contains("const") ? "    [Kernel] " + line : "    " + line))
           + "\n}\n";

    /// <summary>
    /// Reads every [Kernel] method of <paramref name="source"/> both ways; where the syntax reads
    /// one, its spec must equal the bound front end's. Returns how many kernels there were and how
    /// many the syntax read.
    /// </summary>
    private static (int Kernels, int Read) AssertAgreement(string source, string what, params MetadataReference[] libraries)
    {
        Compilation compilation = GeneratorHarness.Compile(source).AddReferences(libraries);
        SyntaxTree tree = compilation.SyntaxTrees.Single();
        SemanticModel model = compilation.GetSemanticModel(tree);
        int kernels = 0, read = 0;
        foreach (MethodDeclarationSyntax syntax in tree.GetRoot().DescendantNodes().OfType<MethodDeclarationSyntax>())
        {
            if (model.GetDeclaredSymbol(syntax) is not IMethodSymbol method
                || !method.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == "KernelDsl.KernelAttribute"))
            {
                continue;
            }

            kernels++;
            KernelParseResult boundResult = KernelParser.ParseSafely(method, syntax, model, default);
            KernelSpec? bound = boundResult.Spec;

            // The generator's and the analyzer's path: the same spec and the same diagnostics,
            // whichever front end reads the body.
            KernelParseResult fast = KernelParser.ParseSafely(method, syntax, model, default, fromSyntaxFirst: true);
            Assert.Equal(bound, fast.Spec);
            if (!boundResult.Diagnostics.Equals(fast.Diagnostics))
            {
                Assert.Fail($"{what}: {method.Name} reports differently from its syntax.\nbound: {string.Join("; ", boundResult.Diagnostics)}\nsyntax first: {string.Join("; ", fast.Diagnostics)}");
            }

            if (KernelParser.ParseFromSyntaxOnly(method, syntax, model) is not { } fromSyntax)
            {
                continue;
            }

            read++;
            if (!Equals(bound, fromSyntax.Spec))
            {
                Assert.Fail($"{what}: {method.Name} reads differently from its syntax.\n{syntax}\nbound: {Describe(bound)}\nsyntax: {Describe(fromSyntax.Spec)}");
            }
        }

        return (kernels, read);
    }

    private static string Describe(KernelSpec? spec)
        => spec is null ? "no spec" : string.Join("; ", spec.Graph.Nodes.Select((n, i) => $"%{i} = {n}"));

    private static string RepositoryRoot()
    {
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "KernelDsl.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("The repository root (KernelDsl.sln) is not above " + AppContext.BaseDirectory);
    }
}
