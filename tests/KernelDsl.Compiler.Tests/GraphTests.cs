using System;
using System.Linq;
using KernelDsl.Compiler;
using KernelDsl.Compiler.Common;
using KernelDsl.Compiler.Fusion;
using KernelDsl.Compiler.Graph;
using KernelDsl.Compiler.Loops;
using KernelDsl.Compiler.Passes;
using Xunit;

namespace KernelDsl.Compiler.Tests;

/// <summary>The compiler core stage by stage, without Roslyn: graphs are built directly.</summary>
public sealed class GraphTests
{
    private static readonly EquatableArray<KernelParameter> XAndAlpha = EquatableArray.Create(
        new KernelParameter("x", ParameterKind.Tensor), new KernelParameter("alpha", ParameterKind.Scalar));

    [Fact]
    public void BuilderSharesCommonSubexpressions()
    {
        var b = new GraphBuilder(XAndAlpha);
        int x = b.Parameter(0);
        int square1 = b.Apply(Op.Mul, x, x);
        int square2 = b.Apply(Op.Mul, x, x);
        Assert.Equal(square1, square2);
        KernelGraph graph = b.Build(b.Apply(Op.Add, square1, square2));
        Assert.Equal(3, graph.Nodes.Count);
        Assert.Equal("x * x + x * x", graph.ToExpression(graph.Output));
    }

    [Fact]
    public void BuildDropsDeadNodes()
    {
        var b = new GraphBuilder(XAndAlpha);
        int x = b.Parameter(0);
        b.Apply(Op.Exp, x); // unused
        KernelGraph graph = b.Build(b.Apply(Op.Neg, x));
        Assert.Equal("%0 = Input x\n%1 = Neg %0\nreturn %1\n", graph.Dump());
    }

    [Fact]
    public void ConstantsKeepTheirSignOfZero()
    {
        var b = new GraphBuilder(XAndAlpha);
        Assert.NotEqual(b.Constant(0f), b.Constant(-0f));
        Assert.Equal(b.Constant(float.NaN), b.Constant(float.NaN));
    }

    [Fact]
    public void LowerCompositesLeavesOnlyPrimitives()
    {
        var b = new GraphBuilder(XAndAlpha);
        int x = b.Parameter(0);
        int alpha = b.Parameter(1);
        int all = b.Apply(Op.Add, b.Apply(Op.Gelu, x), b.Apply(Op.Silu, x));
        all = b.Apply(Op.Add, all, b.Apply(Op.LeakyRelu, x, alpha));
        all = b.Apply(Op.Add, all, b.Apply(Op.Clamp, b.Apply(Op.Relu, x), b.Constant(-1f), alpha));
        KernelGraph lowered = LowerComposites.Run(b.Build(all));

        Assert.Empty(GraphValidator.Validate(lowered, compositesAllowed: false));
        Assert.DoesNotContain(lowered.Nodes, n => OpInfo.IsComposite(n.Op));
        Assert.Contains("Where((x > 0f), x, x * alpha)", lowered.ToExpression(lowered.Output));
    }

    [Theory]
    [InlineData(Op.Mul, 1f, "x")]
    [InlineData(Op.Div, 1f, "x")]
    [InlineData(Op.Sub, 0f, "x")]
    [InlineData(Op.Mul, -1f, "-x")]
    [InlineData(Op.Pow, 2f, "x * x")]
    [InlineData(Op.Pow, 3f, "x * x * x")]
    [InlineData(Op.Pow, -1f, "1f / x")]
    [InlineData(Op.Pow, 0f, "1f")]
    [InlineData(Op.Pow, 1f, "x")]
    public void SimplifyAppliesExactIdentities(Op op, float constant, string expected)
    {
        var b = new GraphBuilder(XAndAlpha);
        KernelGraph graph = Simplify.Run(b.Build(b.Apply(op, b.Parameter(0), b.Constant(constant))));
        Assert.Equal(expected, graph.ToExpression(graph.Output));
    }

    [Theory]
    [InlineData(Op.Add, 0f)]   // -0 + 0 is +0: not an identity
    [InlineData(Op.Mul, 0f)]   // NaN * 0 is NaN and -1 * 0 is -0: not a constant
    [InlineData(Op.Pow, 0.5f)] // Pow(-0, 0.5) is +0 but Sqrt(-0) is -0
    public void SimplifyLeavesInexactRewritesAlone(Op op, float constant)
    {
        var b = new GraphBuilder(XAndAlpha);
        KernelGraph graph = b.Build(b.Apply(op, b.Parameter(0), b.Constant(constant)));
        Assert.Equal(graph, Simplify.Run(graph));
    }

    [Fact]
    public void SimplifyFoldsConstantArithmeticWithIeeeSemantics()
    {
        var b = new GraphBuilder(XAndAlpha);
        int folded = b.Apply(Op.Add, b.Apply(Op.Mul, b.Constant(0.5f), b.Constant(3f)), b.Apply(Op.Max, b.Constant(-0f), b.Constant(0f)));
        KernelGraph graph = Simplify.Run(b.Build(b.Apply(Op.Mul, b.Parameter(0), folded)));
        Assert.Equal("x * 1.5f", graph.ToExpression(graph.Output));

        var c = new GraphBuilder(XAndAlpha);
        KernelGraph minZero = Simplify.Run(c.Build(c.Apply(Op.Add, c.Parameter(0), c.Apply(Op.Min, c.Constant(0f), c.Constant(-0f)))));
        Assert.Equal("x", minZero.ToExpression(minZero.Output)); // min(0, -0) = -0, and x + -0 = x
    }

    [Fact]
    public void ValidatorNamesTheProblem()
    {
        var bad = new KernelGraph(XAndAlpha,
            EquatableArray.Create(
                new GraphNode(Op.Input, EquatableArray<int>.Empty, Parameter: 0),
                new GraphNode(Op.Add, EquatableArray.Create(0, 2)),
                new GraphNode(Op.Where, EquatableArray.Create(0, 0, 0)),
                new GraphNode(Op.Gelu, EquatableArray.Create(0))),
            3);
        string problems = string.Join("\n", GraphValidator.Validate(bad, compositesAllowed: false));
        Assert.Contains("%1 Add uses %2, which does not come before it", problems);
        Assert.Contains("%2 Where needs a comparison as its condition", problems);
        Assert.Contains("%3 Gelu is a composite op that should have been lowered", problems);
    }

    [Fact]
    public void LoopLoweringHoistsWhatDoesNotVaryPerElement()
    {
        var b = new GraphBuilder(XAndAlpha);
        int scale = b.Apply(Op.Mul, b.Parameter(1), b.Constant(2f));
        KernelGraph graph = b.Build(b.Apply(Op.Mul, b.Apply(Op.Tanh, b.Parameter(0)), scale));
        LoopProgram program = LoopLowering.Lower(graph, FusionPlanner.Plan(graph).Groups.Single());

        Assert.Equal([Op.ScalarInput, Op.Constant, Op.Mul], program.Invariants.Select(s => s.Node.Op));
        Assert.Equal([Op.Input, Op.Tanh, Op.Mul], program.Body.Select(s => s.Node.Op));
        Assert.Equal(graph.Output, program.Stored);
    }

    [Fact]
    public void DeeplySharedSubexpressionsCompileInLinearTime()
    {
        // y = x·x, then y = y·y forty times: 42 nodes, but 2^40 paths through them. Every stage must
        // visit nodes, not paths (a recursive walk or an expanded comment would never finish).
        var b = new GraphBuilder(XAndAlpha);
        int y = b.Apply(Op.Mul, b.Parameter(0), b.Parameter(0));
        for (int i = 0; i < 40; i++)
        {
            y = b.Apply(Op.Mul, y, y);
        }

        var spec = new KernelSpec(null, EquatableArray.Create(new ContainingType("class", "K")), "F", "public", "K.cs", "x", b.Build(y));
        var watch = System.Diagnostics.Stopwatch.StartNew();
        string source = KernelCompiler.Compile(spec).Source;
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"compiling took {watch.Elapsed}");
        Assert.Contains("V v41 = v40 * v40;", source);
    }

    [Fact]
    public void CompilerReportsTheStageThatBrokeTheGraph()
    {
        var broken = new KernelGraph(XAndAlpha, EquatableArray.Create(new GraphNode(Op.Add, EquatableArray.Create(5, 6))), 0);
        var spec = new KernelSpec(null, EquatableArray.Create(new ContainingType("class", "K")), "F", "public", "K.cs", "x", broken);
        var error = Assert.Throws<InvalidOperationException>(() => KernelCompiler.Compile(spec));
        Assert.StartsWith("after front end the graph is invalid", error.Message);
    }

    [Fact]
    public void StageDumpsCanBeAppendedToTheGeneratedFile()
    {
        var b = new GraphBuilder(XAndAlpha);
        KernelGraph graph = b.Build(b.Apply(Op.Relu, b.Parameter(0)));
        var spec = new KernelSpec("N", EquatableArray.Create(new ContainingType("class", "K")), "F", "public", "K.cs", "Relu(x)", graph);
        string source = KernelCompiler.Compile(spec, dumpStages: true).Source;
        Assert.Contains("== front end", source);
        Assert.Contains("%1 = Relu %0", source);
        Assert.Contains("== simplify", source);
        Assert.Contains("== loops", source);
        Assert.DoesNotContain("== front end", KernelCompiler.Compile(spec).Source);
    }

    [Fact]
    public void FloatsPrintAsRoundTrippingLiterals()
    {
        Assert.Equal("0.1f", KernelGraph.FormatFloat(0.1f));
        Assert.Equal("-0f", KernelGraph.FormatFloat(-0f));
        Assert.Equal("float.NaN", KernelGraph.FormatFloat(float.NaN));
        Assert.Equal("1E-45f", KernelGraph.FormatFloat(float.Epsilon));
        Assert.Equal(0.7978846f, float.Parse(KernelGraph.FormatFloat(0.7978845608f).TrimEnd('f'), System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void EquatableArraysCompareByContent()
    {
        Assert.Equal(EquatableArray.Create(1, 2, 3), EquatableArray.Create(1, 2, 3));
        Assert.Equal(EquatableArray.Create(1, 2, 3).GetHashCode(), EquatableArray.Create(1, 2, 3).GetHashCode());
        Assert.NotEqual(EquatableArray.Create(1, 2), EquatableArray.Create(1, 2, 3));
        Assert.Equal(default(EquatableArray<int>), EquatableArray<int>.Empty);
    }
}
