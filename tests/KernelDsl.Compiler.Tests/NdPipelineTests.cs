using System.Linq;
using KernelDsl.Compiler.Common;
using KernelDsl.Compiler.Fusion;
using KernelDsl.Compiler.Graph;
using KernelDsl.Compiler.Loops;
using KernelDsl.Compiler.Shapes;
using Xunit;

namespace KernelDsl.Compiler.Tests;

/// <summary>The N-d stages on graphs built by hand: shape inference, the fusion plan, and row programs.</summary>
public sealed class NdPipelineTests
{
    private static KernelParameter Tensor(string name, params string[] dims) => new(name, ParameterKind.Tensor, Shape.Parse(dims));

    [Fact]
    public void ShapesFollowReductionsContractionsViewsAndBroadcasting()
    {
        var b = new GraphBuilder(EquatableArray.Create(Tensor("q", "H", "T", "D"), Tensor("w", "D", "N"), Tensor("bias", "N")));
        int q = b.Parameter(0), w = b.Parameter(1), bias = b.Parameter(2);
        int product = b.Apply(Op.MatMul, q, w);                 // [H, T, D]·[D, N] → [H, T, N]
        int biased = b.Apply(Op.Add, product, bias);            // + [N]
        int kept = b.Reduce(Op.Sum, biased, true, -1);          // [H, T, 1]
        int dropped = b.Reduce(Op.ReduceMax, biased, false, 0); // [T, N]
        int swapped = b.Transpose(biased);                      // [H, N, T]
        int sliced = b.Slice(swapped, 1, 2, 3);                 // [H, 3, T]
        KernelGraph graph = b.Build(b.Apply(Op.Tuple, kept, dropped, sliced));

        ShapeInferenceResult result = ShapeInference.Infer(graph);
        Assert.True(result.Succeeded, string.Join("; ", result.Errors.Select(e => e.Message)));
        string[] shapes = graph.Results.Select(r => result.Shapes[r]!.ToString()).ToArray();
        Assert.Equal(new[] { "[H, T, 1]", "[T, N]", "[H, 3, T]" }, shapes);
    }

    [Theory]
    [InlineData(new[] { "B", "H", "D" }, new[] { 0, -1 }, "[B, H*D]")]
    [InlineData(new[] { "B", "T", "H", "D" }, new[] { -1, 0 }, "[B*H*D, T]")]                 // 0 copies T; the rest is merged in order
    [InlineData(new[] { "B", "2", "N" }, new[] { 0, -1 }, "[B, 2*N]")]
    [InlineData(new[] { "B", "6", "N" }, new[] { 0, 3, -1 }, "[B, 3, 2*N]")]
    [InlineData(new[] { "B", "H*D" }, new[] { 0, 0 }, "[B, H*D]")]                          // a product copied whole
    [InlineData(new[] { "B", "H*D", "T" }, new[] { -1, 0, 0 }, "[B, H*D, T]")]
    [InlineData(new[] { "B", "H*D", "T" }, new[] { 0, -1 }, "[B, H*D*T]")]
    [InlineData(new[] { "B", "H*D" }, new[] { 0, 0, -1 }, "[B, H*D, 1]")]
    [InlineData(new[] { "B", "H", "D" }, new[] { -1 }, "[B*H*D]")]
    [InlineData(new[] { "B", "12" }, new[] { 0, 3, -1 }, "[B, 3, 4]")]
    [InlineData(new[] { "B", "T+1", "D" }, new[] { 0, 0, 0 }, "[B, T+1, D]")]              // a sum copied whole
    [InlineData(new[] { "B", "T+1", "H", "D" }, new[] { 0, 0, -1 }, "[B, T+1, H*D]")]
    [InlineData(new[] { "B", "T+1", "H", "D" }, new[] { 0, -1, 0, 0 }, "[B, T+1, H, D]")]  // a sum inferred whole
    [InlineData(new[] { "B", "T+1" }, new[] { -1 }, "[B*T+B]")]                            // merged: multiplied out
    [InlineData(new[] { "B", "T+1", "D" }, new[] { 0, -1 }, "[B, T*D+D]")]
    [InlineData(new[] { "2*D+2*E" }, new[] { 2, -1 }, "[2, D+E]")]                         // divided by a literal, term by term
    [InlineData(new[] { "T", "2*D+2" }, new[] { 0, 2, -1 }, "[T, 2, D+1]")]
    public void ReshapeMergesSymbolicDimensionsIntoProducts(string[] operand, int[] lengths, string expected)
    {
        var b = new GraphBuilder(EquatableArray.Create(Tensor("x", operand)));
        KernelGraph graph = b.Build(b.Reshape(b.Parameter(0), lengths));
        ShapeInferenceResult result = ShapeInference.Infer(graph);
        Assert.True(result.Succeeded, string.Join("; ", result.Errors.Select(e => e.Message)));
        Assert.Equal(expected, result.Shapes[graph.Output]!.ToString());
    }

    [Theory]
    [InlineData(new[] { "B", "H", "D" }, new[] { 0, 12 }, "cannot reshape [B, H, D] to (0, 12): H and D are not accounted for (a size given as a number cannot stand for a symbol; use 0 to copy a dimension or -1 to infer one)")]
    [InlineData(new[] { "B", "H*D" }, new[] { 0, 5 }, "cannot reshape [B, H*D] to (0, 5): H and D are not accounted for (a size given as a number cannot stand for a symbol; use 0 to copy a dimension or -1 to infer one)")]
    [InlineData(new[] { "B", "2*N" }, new[] { 0, 4, -1 }, "cannot reshape [B, 2*N] to (0, 4, -1): the other lengths do not divide the operand's size")]
    [InlineData(new[] { "B", "N" }, new[] { 0, 0, 0 }, "cannot reshape [B, N] to (0, 0, 0): length 0 at position 2 is neither a size, 0 (copy the operand's dimension 2) nor -1 (infer it)")]
    [InlineData(new[] { "B", "3037000500", "3037000500" }, new[] { 0, -1 }, "cannot reshape [B, 3037000500, 3037000500] to (0, -1): the operand's literal sizes multiply past 64 bits")]
    [InlineData(new[] { "B", "N" }, new[] { 0, 2147483647, 2147483647, 2147483647, -1 }, "cannot reshape [B, N] to (0, 2147483647, 2147483647, 2147483647, -1): the lengths multiply past 64 bits")]
    [InlineData(new[] { "B", "D+E" }, new[] { 0, 2, -1 }, "cannot reshape [B, D+E] to (0, 2, -1): the other lengths do not divide the operand's size")]
    [InlineData(new[] { "B", "T+1" }, new[] { 0, 5 }, "cannot reshape [B, T+1] to (0, 5): (T+1) is not accounted for (a size given as a number cannot stand for a symbol; use 0 to copy a dimension or -1 to infer one)")]
    [InlineData(new[] { "9223372036854775807*T+1", "2" }, new[] { -1 }, "cannot reshape [9223372036854775807*T+1, 2] to (-1): the merged dimension's size does not fit in 64 bits")]
    public void ReshapesThatCannotBeExpressedAreErrors(string[] operand, int[] lengths, string message)
    {
        var b = new GraphBuilder(EquatableArray.Create(Tensor("x", operand)));
        KernelGraph graph = b.Build(b.Reshape(b.Parameter(0), lengths));
        ShapeError error = Assert.Single(ShapeInference.Infer(graph).Errors);
        Assert.Equal(ShapeErrorKind.Reshape, error.Kind);
        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void ErrorsAreClassified()
    {
        var b = new GraphBuilder(EquatableArray.Create(Tensor("x", "B", "K"), Tensor("w", "N", "M")));
        int x = b.Parameter(0), w = b.Parameter(1);
        KernelGraph contraction = b.Build(b.Apply(Op.MatMul, x, w));
        Assert.Equal(ShapeErrorKind.Contraction, Assert.Single(ShapeInference.Infer(contraction).Errors).Kind);

        b = new GraphBuilder(EquatableArray.Create(Tensor("x", "B", "K"), Tensor("w", "N", "M")));
        KernelGraph axis = b.Build(b.Reduce(Op.Sum, b.Parameter(0), false, 2));
        Assert.Equal(ShapeErrorKind.Axis, Assert.Single(ShapeInference.Infer(axis).Errors).Kind);
    }

    [Fact]
    public void AttentionIsAProductWithEpilogueThenRowsThenAProduct()
    {
        var b = new GraphBuilder(EquatableArray.Create(Tensor("q", "H", "T", "D"), Tensor("k", "H", "T", "D"), Tensor("v", "H", "T", "D")));
        var algebra = new GraphAlgebra(b);
        int scores = b.Apply(Op.Mul, b.Apply(Op.MatMul, b.Parameter(0), b.Transpose(b.Parameter(1))), b.Constant(0.125f));
        int attention = b.Apply(Op.MatMul, Composites.LayerComposites.Softmax(algebra, scores, -1), b.Parameter(2));
        KernelGraph graph = b.Build(attention);

        ShapeInferenceResult shapes = ShapeInference.Infer(graph);
        (NdPlan? plan, _) = NdPlanner.Plan(graph, shapes.Shapes);
        Assert.NotNull(plan);
        Assert.Equal(new[] { NdGroupKind.Contraction, NdGroupKind.Rows, NdGroupKind.Contraction }, plan!.Groups.Select(g => g.Kind).ToArray());
        Assert.Equal(2, plan.Temporaries.Count); // the scaled scores and the softmax: the transposed k is read in place

        // The softmax group: max, then sum (also storing exp), then the output reloading it.
        RowProgram rows = RowLowering.Lower(graph, shapes.Shapes, plan.Groups[1], plan.Materialized.ToList(), "Rows");
        Assert.Equal(3, rows.Passes.Count);
        Assert.Equal(Op.ReduceMax, rows.Passes[0].ReductionOp);
        Assert.True(rows.Passes[1].AlsoStores);
        Assert.Equal(rows.Passes[1].Value, rows.Passes[2].Reloaded);
        Assert.Empty(rows.Passes[2].Inputs);
    }

    /// <summary>
    /// A reduction pass whose value computes a vector-math function stores it when later passes
    /// need it and read no scratch buffer besides (kernel parameters they may read): a softmax of
    /// capped logits stores the tanh in its max pass and the exp in its sum pass; a layer norm of a
    /// GELU stores the activation once for both later passes, which read gamma and beta. A parameter
    /// of the rows' shape read after the store (which an in-place call could pass as the
    /// destination) is listed for the entry point. A cheap value, and a costly one whose later
    /// passes read a scratch buffer, are computed again instead.
    /// </summary>
    [Fact]
    public void CostlyValuesLaterPassesNeedAreStoredOnce()
    {
        RowProgram Rows(KernelParameter[] parameters, System.Func<GraphBuilder, GraphAlgebra, int> body)
        {
            var b = new GraphBuilder(EquatableArray.Create(parameters));
            KernelGraph graph = b.Build(body(b, new GraphAlgebra(b)));
            ShapeInferenceResult shapes = ShapeInference.Infer(graph);
            Assert.True(shapes.Succeeded, string.Join("; ", shapes.Errors.Select(e => e.Message)));
            (NdPlan? plan, var errors) = NdPlanner.Plan(graph, shapes.Shapes);
            Assert.Empty(errors);
            RowProgram program = RowLowering.Lower(graph, shapes.Shapes, Assert.Single(plan!.Groups), plan.Materialized.ToList(), "Rows");
            AssertEachReloadReadsTheLastStore(program);
            return program;
        }

        KernelParameter[] rows = [Tensor("x", "B", "N")], normed = [Tensor("x", "B", "N"), Tensor("g", "N"), Tensor("b", "N")];
        int Capped(GraphBuilder b) => b.Apply(Op.Mul, b.Apply(Op.Tanh, b.Parameter(0)), b.Constant(3f));

        RowProgram capped = Rows(rows, (b, a) => Composites.LayerComposites.Softmax(a, Capped(b), -1));
        Assert.Equal(new[] { true, true, false }, capped.Passes.Select(p => p.AlsoStores).ToArray());
        Assert.Equal(new[] { -1, capped.Passes[0].Value, capped.Passes[1].Value }, capped.Passes.Select(p => p.Reloaded).ToArray());
        Assert.All(capped.Passes.Skip(1), p => Assert.Empty(p.Inputs));

        // Two softmaxes over the same rows: the first's capped values are stored for its exp pass, and
        // its exp for the output pass, so the second's stores nothing that would overwrite them.
        RowProgram both = Rows([Tensor("x", "B", "N"), Tensor("y", "B", "N")], (b, a) => b.Apply(Op.Add,
            Composites.LayerComposites.Softmax(a, Capped(b), -1),
            Composites.LayerComposites.LogSoftmax(a, b.Apply(Op.Mul, b.Apply(Op.Sin, b.Parameter(1)), b.Constant(2f)), -1)));
        Assert.Equal(new[] { true, true, false, false, false }, both.Passes.Select(p => p.AlsoStores).ToArray());
        Assert.Equal(new[] { 1 }, both.ParametersReadAfterStore.ToArray()); // y, read after x's capped values are stored

        RowProgram logCapped = Rows(rows, (b, a) => Composites.LayerComposites.LogSoftmax(a, Capped(b), -1));
        Assert.Equal(new[] { true, false, false }, logCapped.Passes.Select(p => p.AlsoStores).ToArray());
        Assert.Equal(new[] { -1, logCapped.Passes[0].Value, logCapped.Passes[0].Value }, logCapped.Passes.Select(p => p.Reloaded).ToArray());

        RowProgram gelu = Rows(normed, (b, a) => Composites.LayerComposites.LayerNorm(a, b.Apply(Op.Mul, b.Parameter(0), b.Apply(Op.NormalCdf, b.Parameter(0))), b.Parameter(1), b.Parameter(2), 1e-5f));
        Assert.Equal(new[] { true, false, false }, gelu.Passes.Select(p => p.AlsoStores).ToArray());
        Assert.Equal(new[] { -1, gelu.Passes[0].Value, gelu.Passes[0].Value }, gelu.Passes.Select(p => p.Reloaded).ToArray());
        Assert.Equal(2, gelu.Passes[2].Inputs.Count); // gamma and beta, which cannot be the destination
        Assert.Empty(gelu.ParametersReadAfterStore);

        // An RMS norm reduces the square of its operand: the pass keeps the operand itself.
        RowProgram rms = Rows(normed, (b, a) => Composites.LayerComposites.RmsNorm(a, b.Apply(Op.Tanh, b.Parameter(0)), b.Parameter(1), 1e-6f));
        Assert.False(rms.Passes[0].AlsoStores);
        Assert.Equal(Op.Tanh, rms.Passes[0].Body.Single(st => st.Value == rms.Passes[0].KeptValue).Node.Op);
        Assert.Equal(rms.Passes[0].KeptValue, rms.Passes[1].Reloaded);

        RowProgram gated = Rows([Tensor("x", "B", "N"), Tensor("gate", "B", "N")], (b, a) =>
        {
            int t = b.Apply(Op.Tanh, b.Parameter(0));
            return b.Apply(Op.Mul, b.Apply(Op.Div, t, b.Reduce(Op.ReduceMax, t, true, -1)), b.Parameter(1));
        });
        Assert.Equal(new[] { true, false }, gated.Passes.Select(p => p.AlsoStores).ToArray());
        Assert.Equal(new[] { 1 }, gated.ParametersReadAfterStore.ToArray()); // gate, which could be the destination

        // Cheap: recomputed. Needed beside a scratch buffer (Log(v), computed once for every row): recomputed.
        RowProgram cheap = Rows(normed, (b, a) => Composites.LayerComposites.LayerNorm(a, b.Apply(Op.Mul, b.Parameter(0), b.Constant(2f)), b.Parameter(1), b.Parameter(2), 1e-5f));
        Assert.All(cheap.Passes, p => Assert.False(p.AlsoStores));
        var sb = new GraphBuilder(EquatableArray.Create(Tensor("x", "B", "N"), Tensor("v", "N")));
        int logV = sb.Apply(Op.Log, sb.Parameter(1));
        KernelGraph scaled = sb.Build(sb.Apply(Op.Mul, Composites.LayerComposites.Softmax(new GraphAlgebra(sb), sb.Apply(Op.Mul, sb.Apply(Op.Tanh, sb.Parameter(0)), logV), -1), logV));
        Shape?[] scaledShapes = ShapeInference.Infer(scaled).Shapes;
        NdPlan scaledPlan = NdPlanner.Plan(scaled, scaledShapes).Plan!;
        Assert.Equal(new[] { logV }, scaledPlan.Temporaries.ToArray());
        RowProgram readsScratch = RowLowering.Lower(scaled, scaledShapes, scaledPlan.Groups[^1], scaledPlan.Materialized.ToList(), "Rows");
        Assert.All(readsScratch.Passes, p => Assert.False(p.AlsoStores));
        Assert.All(readsScratch.Passes, p => Assert.Equal(-1, p.Reloaded));
    }

    /// <summary>Every value a pass reloads is the one the last storing pass before it stored, and every store is reloaded.</summary>
    private static void AssertEachReloadReadsTheLastStore(RowProgram program)
    {
        int stored = -1;
        var reloaded = new System.Collections.Generic.HashSet<int>();
        foreach (RowPass pass in program.Passes)
        {
            if (pass.Reloaded >= 0)
            {
                Assert.Equal(stored, pass.Reloaded);
                reloaded.Add(pass.Reloaded);
            }

            int stores = pass.AlsoStores ? pass.Value : pass.KeptValue;
            if (stores >= 0)
            {
                Assert.True(stored < 0 || reloaded.Contains(stored), $"%{stored} is stored but never reloaded");
                stored = stores;
            }
        }

        Assert.True(stored < 0 || reloaded.Contains(stored), $"%{stored} is stored but never reloaded");
    }

    [Fact]
    public void ADenseLayerIsOneProductWithItsEpilogue()
    {
        var b = new GraphBuilder(EquatableArray.Create(Tensor("x", "B", "K"), Tensor("w", "K", "N"), Tensor("bias", "N")));
        int dense = b.Apply(Op.Max, b.Apply(Op.Add, b.Apply(Op.MatMul, b.Parameter(0), b.Parameter(1)), b.Parameter(2)), b.Constant(0f));
        KernelGraph graph = b.Build(dense);
        (NdPlan? plan, _) = NdPlanner.Plan(graph, ShapeInference.Infer(graph).Shapes);
        NdGroup group = Assert.Single(plan!.Groups);
        Assert.Equal(NdGroupKind.Contraction, group.Kind);
        Assert.Equal(graph.Output, group.Output);
        Assert.Empty(plan.Temporaries);
    }

    /// <summary>
    /// A costly value the same for every row of its reader (a function of an [N] vector in rows of
    /// [B, N], of [T, N] positions in every batch of [B, T, N]) that several passes over each row
    /// need, or a reduction of one, is computed once by a group of its own; values one pass needs,
    /// cheap ones, per-row ones and those of float parameters alone stay inline.
    /// </summary>
    [Fact]
    public void CostlyValuesTheSameForEveryRowAreComputedOnce()
    {
        KernelParameter[] parameters = [Tensor("x", "B", "N"), Tensor("v", "N"), Tensor("a", "B", "T", "N"), Tensor("p", "T", "N"), Tensor("c", "B", "1", "N"), new("s", ParameterKind.Scalar)];
        string[] Hoisted(System.Func<GraphBuilder, int> body)
        {
            var b = new GraphBuilder(EquatableArray.Create(parameters));
            KernelGraph graph = b.Build(body(b));
            ShapeInferenceResult shapes = ShapeInference.Infer(graph);
            Assert.True(shapes.Succeeded, string.Join("; ", shapes.Errors.Select(e => e.Message)));
            (NdPlan? plan, var errors) = NdPlanner.Plan(graph, shapes.Shapes);
            Assert.Empty(errors);
            return plan!.Temporaries.Select(t => graph.TryToExpression(t, 80)!).ToArray();
        }

        const int X = 0, V = 1, A = 2, P = 3, C = 4, S = 5;
        int RowSum(GraphBuilder b, int value) => b.Reduce(Op.Sum, value, true, -1);
        Assert.Equal(["Log(v)"], Hoisted(b => b.Reduce(Op.ReduceMax, b.Apply(Op.Add, b.Parameter(X), b.Apply(Op.Log, b.Parameter(V))), true, -1)));
        Assert.Equal(["Tanh(Exp(v) * 2f)"], Hoisted(b => RowSum(b, b.Apply(Op.Mul, b.Parameter(X), b.Apply(Op.Tanh, b.Apply(Op.Mul, b.Apply(Op.Exp, b.Parameter(V)), b.Constant(2f)))))));
        Assert.Equal(["Sum(v, axis: -1, keepDims: true)"], Hoisted(b => b.Apply(Op.Sub, b.Parameter(X), RowSum(b, b.Parameter(V)))));
        Assert.Equal(["Sin(p)"], Hoisted(b => RowSum(b, b.Apply(Op.Add, b.Parameter(A), b.Apply(Op.Sin, b.Parameter(P))))));
        Assert.Equal(["Exp(c)"], Hoisted(b => RowSum(b, b.Apply(Op.Mul, b.Parameter(A), b.Apply(Op.Exp, b.Parameter(C))))));   // the same along T

        Assert.Empty(Hoisted(b => b.Apply(Op.Add, b.Parameter(X), b.Apply(Op.Log, b.Parameter(V)))));                       // needed by one pass only
        Assert.Empty(Hoisted(b => b.Apply(Op.Mul, RowSum(b, b.Parameter(X)), b.Apply(Op.Exp, b.Parameter(V)))));             // read by the output pass only
        Assert.Empty(Hoisted(b => RowSum(b, b.Apply(Op.Add, b.Parameter(X), b.Apply(Op.Mul, b.Parameter(V), b.Constant(2f)))))); // cheap
        Assert.Empty(Hoisted(b => RowSum(b, b.Apply(Op.Add, b.Parameter(X), b.Apply(Op.Exp, b.Parameter(X))))));             // varies along B
        Assert.Empty(Hoisted(b => b.Apply(Op.Mul, b.Parameter(X), b.Apply(Op.Exp, RowSum(b, b.Parameter(X))))));             // one per row
        Assert.Empty(Hoisted(b => RowSum(b, b.Apply(Op.Mul, b.Parameter(X), b.Apply(Op.Exp, b.Parameter(S))))));             // a float parameter's
        Assert.Empty(Hoisted(b => RowSum(b, b.Apply(Op.Mul, b.Parameter(V), b.Apply(Op.Exp, b.Parameter(V))))));             // rows of [N]: nothing to save
    }

    [Fact]
    public void AJoinWhoseSizeOverflowsIsAnError()
    {
        var b = new GraphBuilder(EquatableArray.Create(Tensor("x", "B", "9223372036854775807"), Tensor("y", "B", "1")));
        KernelGraph graph = b.Build(b.Concat(-1, b.Parameter(0), b.Parameter(1)));
        ShapeError error = Assert.Single(ShapeInference.Infer(graph).Errors);
        Assert.Equal(ShapeErrorKind.Concat, error.Kind);
        Assert.Equal("cannot concatenate [B, 9223372036854775807] with [B, 1] along axis -1: the result's size there, 9223372036854775807 + 1, does not fit in 64 bits", error.Message);
    }

    /// <summary>
    /// <c>Softmax(Concat(x * 2, y))</c> reduced along the joined axis: the computed piece gets a row
    /// group, the input is read where it is, the join is a group of its own, and the softmax reads it.
    /// </summary>
    [Fact]
    public void AConcatIsMaterializedWithItsComputedOperands()
    {
        var b = new GraphBuilder(EquatableArray.Create(Tensor("x", "B", "N"), Tensor("y", "B", "N")));
        int doubled = b.Apply(Op.Mul, b.Parameter(0), b.Constant(2f));
        int joined = b.Concat(-1, doubled, b.Parameter(1));
        KernelGraph graph = b.Build(b.Reduce(Op.Sum, joined, true, -1));
        ShapeInferenceResult shapes = ShapeInference.Infer(graph);
        Assert.Equal("[B, 2*N]", shapes.Shapes[joined]!.ToString());
        (NdPlan? plan, var errors) = NdPlanner.Plan(graph, shapes.Shapes);
        Assert.Empty(errors);
        Assert.Equal(new[] { NdGroupKind.Rows, NdGroupKind.Concat, NdGroupKind.Rows }, plan!.Groups.Select(g => g.Kind).ToArray());
        Assert.Equal(new[] { doubled, joined }, plan.Temporaries.ToArray());
    }

    /// <summary>
    /// <c>(Max(x), Softmax(x), LogSoftmax(x))</c>: the planner gives each result a group; merged, one
    /// row group computes the max and the sum once and writes all three (the max once per row).
    /// </summary>
    [Fact]
    public void ATuplesResultsOverTheSameRowsShareOneRowGroup()
    {
        var b = new GraphBuilder(EquatableArray.Create(Tensor("x", "B", "N")));
        int x = b.Parameter(0);
        int max = b.Reduce(Op.ReduceMax, x, true, -1);
        int shifted = b.Apply(Op.Sub, x, max);
        int exp = b.Apply(Op.Exp, shifted);
        int sum = b.Reduce(Op.Sum, exp, true, -1);
        int softmax = b.Apply(Op.Div, exp, sum);
        int logSoftmax = b.Apply(Op.Sub, shifted, b.Apply(Op.Log, sum));
        KernelGraph graph = b.Build(b.Apply(Op.Tuple, max, softmax, logSoftmax));
        Shape?[] shapes = ShapeInference.Infer(graph).Shapes;
        Assert.Equal(3, NdPlanner.Plan(graph, shapes).Plan!.Groups.Count);

        (NdPlan? plan, var errors) = KernelCompiler.Plan(graph, shapes);
        Assert.Empty(errors);
        NdGroup group = Assert.Single(plan!.Groups);
        Assert.Equal(softmax, group.Output); // the rows; the max is one value per row
        Assert.Equal(new[] { max, logSoftmax }, group.Companions.ToArray());
        RowProgram program = RowLowering.Lower(graph, shapes, group, plan.Materialized.ToList(), "Rows");
        Assert.Equal(new[] { max, sum, -1 }, program.Passes.Select(p => p.Reduction).ToArray());
        Assert.Equal(new[] { logSoftmax }, program.Passes[^1].Companions.ToArray());
        Assert.Equal(3, program.SlotCount); // x, then the two other results' destinations
    }

    /// <summary>
    /// A result joins a row group that runs later when no group in between reads it, and stays apart
    /// when both directions are blocked; nor does it join when the merged group would need more than
    /// eight operand slots.
    /// </summary>
    [Fact]
    public void ResultsShareARowGroupOnlyWhereOrderAndOperandSlotsAllow()
    {
        // (y * 2, Concat(x, x) + 1): the first moves past the join, which does not read it.
        var b = new GraphBuilder(EquatableArray.Create(Tensor("x", "B", "N"), Tensor("y", "B", "2*N")));
        int doubled = b.Apply(Op.Mul, b.Parameter(1), b.Constant(2f));
        int joined = b.Concat(-1, b.Parameter(0), b.Parameter(0));
        int shiftedJoin = b.Apply(Op.Add, joined, b.Constant(1f));
        KernelGraph graph = b.Build(b.Apply(Op.Tuple, doubled, shiftedJoin));
        (NdPlan? plan, _) = KernelCompiler.Plan(graph, ShapeInference.Infer(graph).Shapes);
        Assert.Equal(new[] { NdGroupKind.Concat, NdGroupKind.Rows }, plan!.Groups.Select(g => g.Kind).ToArray());
        Assert.Equal(new[] { shiftedJoin, doubled }, plan.Groups[1].Outputs.ToArray());

        // (y * 2, x - Sum(y * 2, axis: 0)): the column sums read the first result and the second
        // reads the sums, so neither can run where the other does.
        b = new GraphBuilder(EquatableArray.Create(Tensor("x", "B", "N"), Tensor("y", "B", "N")));
        doubled = b.Apply(Op.Mul, b.Parameter(1), b.Constant(2f));
        int sums = b.Reduce(Op.Sum, b.Transpose(doubled, 1, 0), true, 1); // [N, 1]
        int centered = b.Apply(Op.Sub, b.Parameter(0), b.Transpose(sums, 1, 0));
        graph = b.Build(b.Apply(Op.Tuple, doubled, centered));
        (plan, _) = KernelCompiler.Plan(graph, ShapeInference.Infer(graph).Shapes);
        Assert.Equal(new[] { NdGroupKind.Rows, NdGroupKind.AxisReduction, NdGroupKind.Rows }, plan!.Groups.Select(g => g.Kind).ToArray());
        Assert.All(plan.Groups, g => Assert.Empty(g.Companions));

        // (x * 2, y - Sum(y, axis: 0), Exp(x)): the first group takes in the third, then moves into
        // the second (which reads the column sums), bringing the third along.
        b = new GraphBuilder(EquatableArray.Create(Tensor("x", "B", "N"), Tensor("y", "B", "N")));
        doubled = b.Apply(Op.Mul, b.Parameter(0), b.Constant(2f));
        sums = b.Reduce(Op.Sum, b.Transpose(b.Parameter(1), 1, 0), true, 1);
        centered = b.Apply(Op.Sub, b.Parameter(1), b.Transpose(sums, 1, 0));
        int exp = b.Apply(Op.Exp, b.Parameter(0));
        graph = b.Build(b.Apply(Op.Tuple, doubled, centered, exp));
        (plan, _) = KernelCompiler.Plan(graph, ShapeInference.Infer(graph).Shapes);
        Assert.Equal(new[] { NdGroupKind.AxisReduction, NdGroupKind.Rows }, plan!.Groups.Select(g => g.Kind).ToArray());
        Assert.Equal(new[] { doubled, centered, exp }, plan.Groups[1].Outputs.OrderBy(o => o).ToArray());

        // (Mean(x), Max(x)): values of one per row, over the same rows, one group; (Sum(x), Sum(z)),
        // over rows of N and of M, two.
        b = new GraphBuilder(EquatableArray.Create(Tensor("x", "B", "N"), Tensor("z", "B", "M")));
        int mean = b.Reduce(Op.Mean, b.Parameter(0), true, -1);
        int max = b.Reduce(Op.ReduceMax, b.Parameter(0), true, -1);
        int otherRows = b.Reduce(Op.Sum, b.Parameter(1), true, -1);
        graph = b.Build(b.Apply(Op.Tuple, mean, max, otherRows));
        (plan, _) = KernelCompiler.Plan(graph, ShapeInference.Infer(graph).Shapes);
        Assert.Equal(2, plan!.Groups.Count);
        Assert.Equal(new[] { mean, max }, plan.Groups[0].Outputs.ToArray());
        Assert.Equal(new[] { otherRows }, plan.Groups[1].Outputs.ToArray());

        // (sum of eight inputs, p0 * p1): eight leaves and a second destination; with seven inputs, one group.
        Assert.Equal(2, GroupsForSumAndProduct(8));
        Assert.Equal(1, GroupsForSumAndProduct(7));
    }

    private static int GroupsForSumAndProduct(int inputs)
    {
        var b = new GraphBuilder(Enumerable.Range(0, inputs).Select(i => Tensor("p" + i, "N")).ToEquatableArray());
        int total = b.Parameter(0);
        for (int i = 1; i < inputs; i++)
        {
            total = b.Apply(Op.Add, total, b.Parameter(i));
        }

        KernelGraph graph = b.Build(b.Apply(Op.Tuple, total, b.Apply(Op.Mul, b.Parameter(0), b.Parameter(1))));
        (NdPlan? plan, _) = KernelCompiler.Plan(graph, ShapeInference.Infer(graph).Shapes);
        return plan!.Groups.Count;
    }

    /// <summary>The front end's form of <c>x - Mean(x, axis: 0, keepDims: true)</c>: a transpose moving axis 0 last, reduced, and moved back.</summary>
    [Fact]
    public void AReductionOverTheFirstAxisReadsItsSourceInPlace()
    {
        var b = new GraphBuilder(EquatableArray.Create(Tensor("x", "B", "N")));
        int x = b.Parameter(0);
        int mean = b.Reduce(Op.Mean, b.Transpose(x, 1, 0), true, 1); // [N, 1]
        KernelGraph graph = b.Build(b.Apply(Op.Sub, x, b.Transpose(mean, 1, 0)));
        (NdPlan? plan, var errors) = NdPlanner.Plan(graph, ShapeInference.Infer(graph).Shapes);
        Assert.Empty(errors);

        // No transposed copy of x, and none of the [N, 1] mean put back as [1, N]: it is already in row order.
        Assert.Equal(new[] { NdGroupKind.AxisReduction, NdGroupKind.Rows }, plan!.Groups.Select(g => g.Kind).ToArray());
        Assert.Equal(mean, plan.Groups[0].Output);
        Assert.Equal(new[] { mean }, plan.Temporaries.ToArray());
    }

    [Fact]
    public void ATransposeReadByMoreThanReductionsIsStillCopied()
    {
        var b = new GraphBuilder(EquatableArray.Create(Tensor("x", "B", "N")));
        int transposed = b.Transpose(b.Parameter(0), 1, 0);
        int sums = b.Reduce(Op.Sum, transposed, true, 1); // [N, 1]
        KernelGraph graph = b.Build(b.Apply(Op.Mul, transposed, sums)); // [N, B] * [N, 1]
        (NdPlan? plan, _) = NdPlanner.Plan(graph, ShapeInference.Infer(graph).Shapes);
        Assert.Equal(new[] { NdGroupKind.Copy, NdGroupKind.Rows }, plan!.Groups.Select(g => g.Kind).ToArray());
        Assert.Equal(transposed, plan.Groups[0].Output);
    }

    /// <summary>A transpose whose next-to-last axis is not the source's contiguous one cannot be reduced in place: it is copied, then reduced by rows.</summary>
    [Fact]
    public void ARotatedViewReducedAlongItsLastAxisIsCopiedFirst()
    {
        var b = new GraphBuilder(EquatableArray.Create(Tensor("x", "A", "B", "N")));
        int rotated = b.Transpose(b.Parameter(0), 2, 0, 1); // [N, A, B]: B, the row, is not contiguous, and neither is A beside it
        KernelGraph graph = b.Build(b.Reduce(Op.Sum, rotated, false, 2));
        (NdPlan? plan, var errors) = NdPlanner.Plan(graph, ShapeInference.Infer(graph).Shapes);
        Assert.Empty(errors);
        Assert.Equal(new[] { NdGroupKind.Copy, NdGroupKind.Rows }, plan!.Groups.Select(g => g.Kind).ToArray());
        Assert.False(NdPlanner.IsReducedInPlace(graph, ShapeInference.Infer(graph).Shapes, rotated));
    }

    [Fact]
    public void ReductionsOverOtherAxesAreReportedNotMiscompiled()
    {
        var b = new GraphBuilder(EquatableArray.Create(Tensor("x", "B", "N")));
        KernelGraph graph = b.Build(b.Reduce(Op.Sum, b.Parameter(0), true, 0));
        (NdPlan? plan, var errors) = NdPlanner.Plan(graph, ShapeInference.Infer(graph).Shapes);
        Assert.Null(plan);
        Assert.Contains("over axis 0 of [B, N]", Assert.Single(errors).Construct);
    }
}
