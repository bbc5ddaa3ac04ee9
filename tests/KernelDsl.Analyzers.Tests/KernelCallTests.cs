using System.Linq;
using KernelDsl.Generators.Tests;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using Xunit;

namespace KernelDsl.Analyzers.Tests;

/// <summary>
/// A kernel calling another kernel: the callee's body is inlined, its shape symbols bound from the
/// arguments. Arguments that contradict the callee's declared shapes are KD0012 on the argument;
/// recursion, a callee with errors and a callee returning a tuple are KD0005 on the call.
/// </summary>
public sealed class KernelCallTests
{
    private const string Prefix = GeneratorHarness.Usings + "public static partial class K\n{\n";

    private const string Callees =
        "    [Kernel] static Tensor<float> Norm([Shape(\"B\", \"N\")] Tensor<float> x, [Shape(\"N\")] Tensor<float> g) => x / Sqrt(Mean(x * x, axis: -1, keepDims: true)) * g;\n"
        + "    [Kernel] static Tensor<float> Dense([Shape(\"B\", \"K\")] Tensor<float> x, [Shape(\"K\", \"N\")] Tensor<float> w) => Relu(MatMul(x, w));\n"
        + "    [Kernel] static Tensor<float> Fixed([Shape(\"B\", \"4\")] Tensor<float> x) => x * 2f;\n"
        + "    [Kernel] static Tensor<float> Merged([Shape(\"B\", \"H\", \"D\")] Tensor<float> x, [Shape(\"H*D\")] Tensor<float> b) => Reshape(x, 0, -1) + b;\n"
        + "    [Kernel] static Tensor<float> Scale(Tensor<float> x, float s) => x * s;\n";

    [Theory]
    [InlineData("[Kernel] static Tensor<float> F([Shape(\"T\", \"D\")] Tensor<float> x, [Shape(\"E\")] Tensor<float> g) => Norm(x, [|g|]);",
        "Shape error: in the call to 'K.Norm', N is D in 'x' but E in 'g' (argument 'g')")]
    [InlineData("[Kernel] static Tensor<float> F([Shape(\"T\", \"D\")] Tensor<float> x, [Shape(\"D\")] Tensor<float> g) => Norm([|g|], g);",
        "Shape error: the argument 'g' has shape [D], but 'K.Norm' declares its parameter 'x' [B, N] (rank 2, not 1)")]
    [InlineData("[Kernel] static Tensor<float> F([Shape(\"T\", \"D\")] Tensor<float> x, [Shape(\"E\", \"F\")] Tensor<float> w) => Dense(x, [|w|]);",
        "Shape error: in the call to 'K.Dense', K is D in 'x' but E in 'w' (argument 'w')")]
    [InlineData("[Kernel] static Tensor<float> F([Shape(\"T\", \"D\")] Tensor<float> x) => Fixed([|x|]);",
        "Shape error: the argument 'x' has shape [T, D], but 'K.Fixed' declares its parameter 'x' [B, 4]: dimension 1 must be 4, not D")]
    [InlineData("[Kernel] static Tensor<float> F([Shape(\"T\", \"2\", \"C\")] Tensor<float> x, [Shape(\"C\")] Tensor<float> b) => Merged(x, [|b|]);",
        "Shape error: in the call to 'K.Merged', dimension 0 of 'b' is declared H*D, which is 2*C here, but the argument 'b' has C")]
    [InlineData("[Kernel] static Tensor<float> F([Shape(\"T\", \"D\")] Tensor<float> x, [Shape(\"D\")] Tensor<float> g) => Norm(Dense(x, [|Norm(x, g)|]), g);",
        "Shape error: in the call to 'K.Dense', K is D in 'x' but T in 'w' (argument 'Norm(x, g)')")]
    public void ArgumentsContradictingTheCalleesShapesAreKD0012OnTheArgument(string kernel, string message)
        => AssertSingle("KD0012", kernel, message, expectedGenerated: 5);

    [Theory]
    [InlineData("[Kernel] static Tensor<float> F([Shape(\"T\", \"C\")] Tensor<float> x, [Shape(\"C\")] Tensor<float> b) => Joined(x, x, [|b|]);",
        "Shape error: in the call to 'K.Joined', dimension 0 of 'b' is declared D+E, which is 2*C here, but the argument 'b' has C")]
    [InlineData("[Kernel] static Tensor<float> F([Shape(\"T\", \"C\")] Tensor<float> x, [Shape(\"T\", \"1\")] Tensor<float> y, [Shape(\"C+2\")] Tensor<float> b) => Joined(x, y, [|b|]);",
        "Shape error: in the call to 'K.Joined', dimension 0 of 'b' is declared D+E, which is C+1 here, but the argument 'b' has C+2")]
    [InlineData("[Kernel] static Tensor<float> F([Shape(\"T\", \"2\", \"C\")] Tensor<float> x, [Shape(\"T\", \"2\", \"1\")] Tensor<float> y, [Shape(\"2*C+1\")] Tensor<float> b) => Merged(Concat(x, y), [|b|]);",
        "Shape error: in the call to 'K.Merged', dimension 0 of 'b' is declared H*D, which is 2*C+2 here, but the argument 'b' has 2*C+1")]
    public void ArgumentsContradictingADeclaredSumAreKD0012OnTheArgument(string kernel, string message)
        => AssertSingle("KD0012", "[Kernel] static Tensor<float> Joined([Shape(\"T\", \"D\")] Tensor<float> x, [Shape(\"T\", \"E\")] Tensor<float> y, [Shape(\"D+E\")] Tensor<float> b) => Concat(x, y) + b; " + kernel, message, expectedGenerated: 6);

    [Fact]
    public void AnArgumentWithAShapeErrorIsReportedOnceWhereItIs()
        // The argument's shape is unknown, so the callee's product H*D, made of its symbols, is not checked against b.
        => AssertSingle("KD0001", "[Kernel] static Tensor<float> F([Shape(\"T\", \"2\", \"C\")] Tensor<float> x, [Shape(\"C\", \"2\")] Tensor<float> y, [Shape(\"2*C\")] Tensor<float> b) => Merged([|x + y|], b);",
            "Shape error: cannot broadcast [T, 2, C] with [C, 2]: 2 and C are not known to be equal (use the same symbol or literal in both, or 1 to broadcast)", expectedGenerated: 5);

    [Theory]
    [InlineData("[Kernel] static Tensor<float> F(Tensor<float> x) => [|F(x)|] + 1f;",
        "The recursive call to 'K.F' is not supported in a kernel body; calls between kernels are inlined, so a kernel cannot call itself, directly or through other kernels; write the computation out", 5)]
    [InlineData("[Kernel] static Tensor<float> F(Tensor<float> x) => [|G(x)|]; [Kernel] static Tensor<float> G(Tensor<float> x) => F(x) * 2f;",
        "The recursive call to 'K.G' is not supported in a kernel body; calls between kernels are inlined, so a kernel cannot call itself, directly or through other kernels; write the computation out", 5)]
    [InlineData("[Kernel] static (Tensor<float>, Tensor<float>) Two(Tensor<float> x) => (x, x * 2f); [Kernel] static Tensor<float> F(Tensor<float> x) { var a = x; ([|a|], _) = Two(x); return a; }",
        "Assigning to 'a' is not supported in a kernel body; declare the results as new locals: var (a, b) = Kernel(x);", 6)]
    public void CallsThatCannotBeInlinedAreKD0005OnTheCall(string kernel, string message, int expectedGenerated)
        => AssertSingle("KD0005", kernel, message, expectedGenerated, allowOthers: true);

    [Fact]
    public void KernelsCallingKernelsPastTheDepthLimitAreKD0005OnTheTopCall()
    {
        // L0 ... L16: L15 inlines 15 levels of calls and compiles; L16 would inline 16.
        string chain = string.Concat(Enumerable.Range(1, 16).Select(i => $"    [Kernel] static Tensor<float> L{i}(Tensor<float> x) => L{i - 1}(x) + 1f;\n"));
        string source = Prefix + "    [Kernel] static Tensor<float> L0(Tensor<float> x) => x * 2f;\n" + chain + "}\n";
        AnalysisRun run = AnalyzerHarness.Run(source);
        Diagnostic diagnostic = Assert.Single(run.Diagnostics);
        Assert.Equal("KD0005", diagnostic.Id);
        Assert.Equal("The call to kernel 'K.L15', which calls kernels more than 16 levels deep, is not supported in a kernel body; calls between kernels are inlined, up to 16 levels deep; write some of the computation out",
            diagnostic.GetMessage());
        Assert.Equal("L15(x)", source.Substring(diagnostic.Location.SourceSpan.Start, diagnostic.Location.SourceSpan.Length));
        Assert.Equal(16, run.Generator.Results[0].GeneratedSources.Length);
        Assert.Empty(GeneratorHarness.Errors(run.Output));
    }

    [Fact]
    public void ACalleeWithErrorsIsReportedInItsBodyAndAtTheCall()
    {
        string source = Prefix + Callees
            + "    [Kernel] static Tensor<float> Broken([Shape(\"B\", \"N\")] Tensor<float> x, [Shape(\"N\")] Tensor<float> y) => x + y * System.MathF.Cbrt(8f);\n"
            + "    [Kernel] static Tensor<float> F([Shape(\"B\", \"N\")] Tensor<float> x) => Broken(x, Sum(x, axis: 0)) * 2f;\n}\n";
        AnalysisRun run = AnalyzerHarness.Run(source);
        Assert.Equal(new[] { "KD0005", "KD0005" }, run.Diagnostics.Select(d => d.Id));
        Diagnostic inBody = run.Diagnostics.Single(d => d.GetMessage().StartsWith("The call to 'MathF.Cbrt'", System.StringComparison.Ordinal));
        Assert.Equal("System.MathF.Cbrt(8f)", source.Substring(inBody.Location.SourceSpan.Start, inBody.Location.SourceSpan.Length));
        Diagnostic atCall = run.Diagnostics.Single(d => d != inBody);
        Assert.Equal("The call to kernel 'K.Broken', whose body has errors, is not supported in a kernel body; fix the errors reported in its body", atCall.GetMessage());
        Assert.Equal("Broken(x, Sum(x, axis: 0))", source.Substring(atCall.Location.SourceSpan.Start, atCall.Location.SourceSpan.Length));
    }

    [Fact]
    public void AKernelOfAReferencedAssemblyIsKD0005OnTheCall()
    {
        // Its body is not available to inline: only its metadata is referenced.
        Compilation library = GeneratorHarness.Compile(GeneratorHarness.Usings + "namespace Library;\npublic static partial class Shared\n{\n" + Callees.Replace("static Tensor", "public static Tensor") + "}\n");
        using var image = new System.IO.MemoryStream();
        Assert.True(library.Emit(image).Success);
        const string kernel = "[Kernel] static Tensor<float> F([Shape(\"T\", \"D\")] Tensor<float> x) => Library.Shared.Scale(x, 2f);";
        Compilation user = GeneratorHarness.Compile(Prefix + "    " + kernel + "\n}\n").AddReferences(MetadataReference.CreateFromImage(image.ToArray()));
        Diagnostic diagnostic = Assert.Single(AnalyzerHarness.Analyze(user));
        Assert.Equal("KD0005", diagnostic.Id);
        Assert.Equal("The call to kernel 'Shared.Scale', which is compiled in another assembly, is not supported in a kernel body; a kernel inlines only kernels whose source is in its own project; call that kernel's fused overload from ordinary code, or write its body out here",
            diagnostic.GetMessage());
        Assert.Equal("Library.Shared.Scale(x, 2f)", diagnostic.Location.SourceTree!.ToString().Substring(diagnostic.Location.SourceSpan.Start, diagnostic.Location.SourceSpan.Length));
    }

    [Theory]
    // Symbols renamed: the callee's B, N are the caller's T, D; K and N of Dense are D and F.
    [InlineData("[Kernel] static Tensor<float> F([Shape(\"T\", \"D\")] Tensor<float> x, [Shape(\"D\")] Tensor<float> g, [Shape(\"D\", \"F\")] Tensor<float> w) => Dense(Norm(x, g), w);")]
    // A literal where the callee has a symbol, and a product bound from the caller's literal and symbol.
    [InlineData("[Kernel] static Tensor<float> F([Shape(\"T\", \"2\", \"C\")] Tensor<float> x, [Shape(\"2*C\")] Tensor<float> b, [Shape(\"T\", \"4\")] Tensor<float> y) => Merged(x, b) + Sum(Fixed(y), axis: -1, keepDims: true);")]
    // A callee without [Shape] takes any shape, as its body does eagerly; a float argument is an expression.
    [InlineData("[Kernel] static Tensor<float> F([Shape(\"T\", \"D\")] Tensor<float> x, float s) => Scale(x, s * 2f + 1f) - Scale(Sum(x, axis: -1, keepDims: true), s);")]
    // A callee whose shapes hold for the caller's arguments though not for its own declarations: inlined, it computes what it computes eagerly.
    [InlineData("[Kernel] static Tensor<float> G([Shape(\"B\", \"N\")] Tensor<float> x, [Shape(\"M\")] Tensor<float> y) => x * 2f; [Kernel] static Tensor<float> F([Shape(\"B\", \"N\")] Tensor<float> x) => G(x, Sum(x, axis: 0));", 7)]
    // A callee returning a tuple, returned whole.
    [InlineData("[Kernel] static (Tensor<float>, Tensor<float>) Two(Tensor<float> x) => (x, x * 2f); [Kernel] static (Tensor<float>, Tensor<float>) F([Shape(\"T\", \"D\")] Tensor<float> x) => Two(Relu(x));", 7)]
    // Results of a tuple-returning callee read by name and by position.
    [InlineData("[Kernel] static (Tensor<float> Low, Tensor<float> High) Range([Shape(\"B\", \"N\")] Tensor<float> x) => (Min(x, -1, true), Max(x, -1, true)); [Kernel] static Tensor<float> F([Shape(\"T\", \"D\")] Tensor<float> x) => (x - Range(x).Low) / (Range(x).Item2 - Range(x).Low);", 7)]
    // A tuple-returning callee deconstructed into locals, one discarded, and in the (var a, var b) form.
    [InlineData("[Kernel] static (Tensor<float>, Tensor<float>) Two([Shape(\"B\", \"N\")] Tensor<float> x) => (x * 2f, Sum(x, axis: -1, keepDims: true)); [Kernel] static Tensor<float> F([Shape(\"T\", \"D\")] Tensor<float> x) { var (doubled, _) = Two(x); (var _, var sums) = Two(doubled); return doubled / sums; }", 7)]
    // Named arguments in another order; the same callee twice.
    [InlineData("[Kernel] static Tensor<float> F([Shape(\"T\", \"D\")] Tensor<float> x, [Shape(\"D\")] Tensor<float> g) => Norm(g: g, x: x) + Norm(x * 2f, g);")]
    // A caller's joined width (D+E, C+1) standing for a callee's symbol; a callee's product multiplied out.
    [InlineData("[Kernel] static Tensor<float> F([Shape(\"T\", \"D\")] Tensor<float> x, [Shape(\"T\", \"E\")] Tensor<float> y, [Shape(\"E+D\")] Tensor<float> g) => Norm(Concat(x, y), g);")]
    [InlineData("[Kernel] static Tensor<float> F([Shape(\"T\", \"2\", \"C\")] Tensor<float> x, [Shape(\"T\", \"2\", \"1\")] Tensor<float> y, [Shape(\"2 + 2*C\")] Tensor<float> b) => Merged(Concat(x, y), b);")]
    public void CallsThatFitTheCalleesShapesReportNothingAndCompile(string kernel, int generated = 6)
    {
        AnalysisRun run = AnalyzerHarness.Run(Prefix + Callees + "    " + kernel + "\n}\n");
        Assert.Empty(run.Diagnostics.Where(d => d.Id != "KD0009"));
        Assert.Empty(run.Generator.Diagnostics);
        Assert.Empty(GeneratorHarness.Errors(run.Output));
        Assert.Equal(generated, run.Generator.Results[0].GeneratedSources.Length);
    }

    private static void AssertSingle(string id, string kernel, string message, int expectedGenerated, bool allowOthers = false)
    {
        int start = kernel.IndexOf("[|", System.StringComparison.Ordinal);
        int end = kernel.IndexOf("|]", System.StringComparison.Ordinal) - 2;
        string clean = kernel.Replace("[|", "").Replace("|]", "");
        string source = Prefix + Callees + "    " + clean + "\n}\n";
        int offset = Prefix.Length + Callees.Length + 4;

        AnalysisRun run = AnalyzerHarness.Run(source);
        Diagnostic diagnostic = allowOthers
            ? run.Diagnostics.Single(d => d.Location.SourceSpan == new TextSpan(offset + start, end - start))
            : Assert.Single(run.Diagnostics);
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(message, diagnostic.GetMessage());
        Assert.Equal(new TextSpan(offset + start, end - start), diagnostic.Location.SourceSpan);
        Assert.Equal("https://github.com/kerneldsl/kerneldsl/blob/main/docs/diagnostics/" + id + ".md", diagnostic.Descriptor.HelpLinkUri);
        Assert.Empty(run.Generator.Diagnostics);
        Assert.Equal(expectedGenerated, run.Generator.Results[0].GeneratedSources.Length); // the callees compile; the caller does not
    }
}
