using System;
using System.Collections.Generic;
using System.Linq;
using KernelDsl.Compiler.Shapes;
using KernelDsl.Compiler.Fusion;
using KernelDsl.Compiler.Graph;
using KernelDsl.Compiler.Loops;
using KernelDsl.Compiler.Passes;
using KernelDsl.Compiler.Rendering;

namespace KernelDsl.Compiler;

/// <summary>A named graph-to-graph pass of the pipeline.</summary>
public sealed record CompilerPass(string Name, Func<KernelGraph, KernelGraph> Run);

/// <summary>The result of compiling one kernel: the generated file.</summary>
public sealed record CompiledKernel(string HintName, string Source);

/// <summary>
/// The compiler pipeline, front end output to generated source:
/// graph passes (each followed by the validator) → fusion → loop lowering → rendering.
/// </summary>
public static class KernelCompiler
{
    /// <summary>The graph passes, in order.</summary>
    public static readonly IReadOnlyList<CompilerPass> Passes = new[]
    {
        new CompilerPass("lower-composites", LowerComposites.Run),
        new CompilerPass("simplify", Simplify.Run),
    };

    /// <summary>Compiles <paramref name="spec"/> to C#.</summary>
    /// <param name="dumpStages">Append each stage's printable form to the generated file, as a comment.</param>
    /// <exception cref="InvalidOperationException">A pass produced an invalid graph: a compiler bug, reported with the pass's name.</exception>
    public static CompiledKernel Compile(KernelSpec spec, bool dumpStages = false)
    {
        var dumps = new List<(string Stage, string Text)>();
        KernelGraph graph = spec.Graph;
        Check(graph, "front end", compositesAllowed: true);
        dumps.Add(("front end", graph.Dump()));

        for (int i = 0; i < Passes.Count; i++)
        {
            graph = Passes[i].Run(graph);
            Check(graph, Passes[i].Name, compositesAllowed: false);
            dumps.Add((Passes[i].Name, graph.Dump()));
        }

        if (ShapeInference.IsShaped(graph))
        {
            return CompileShaped(spec, graph, dumps, dumpStages);
        }

        FusionPlan plan = FusionPlanner.Plan(graph);
        LoopProgram program = LoopLowering.Lower(graph, plan.Groups[0]);
        dumps.Add(("loops", program.Dump()));
        string source = KernelFileEmitter.Emit(spec with { Graph = graph }, program, dumpStages ? dumps : null);
        return new CompiledKernel(spec.HintName, source);
    }

    /// <summary>The N-d pipeline: shape inference → N-d fusion plan → row programs → rendering.</summary>
    private static CompiledKernel CompileShaped(KernelSpec spec, KernelGraph graph, List<(string Stage, string Text)> dumps, bool dumpStages)
    {
        ShapeInferenceResult inferred = ShapeInference.Infer(graph);
        if (!inferred.Succeeded)
        {
            throw new InvalidOperationException("shape inference failed after the front end accepted the kernel: " + string.Join("; ", inferred.Errors.Select(e => e.Message)));
        }

        (NdPlan? plan, IReadOnlyList<PlanError> errors) = Plan(graph, inferred.Shapes);
        if (plan is null)
        {
            throw new InvalidOperationException("fusion planning failed after the front end accepted the kernel: " + string.Join("; ", errors.Select(e => e.Message)));
        }

        dumps.Add(("shapes", string.Join("\n", inferred.Shapes.Select((shape, i) => $"%{i}: {shape}"))));
        dumps.Add(("plan", string.Join("\n", plan.Groups.Select((g, i) => $"group {i + 1}: {g.Kind} -> {string.Join(", ", g.Outputs.Select(o => "%" + o))} [{string.Join(", ", g.Nodes)}]"))));
        var programs = new List<RowProgram?>();
        for (int g = 0; g < plan.Groups.Count; g++)
        {
            NdGroup group = plan.Groups[g];
            RowProgram? program = group.Kind is NdGroupKind.Copy or NdGroupKind.AxisReduction or NdGroupKind.Concat || group.Kind == NdGroupKind.Contraction && ShapedKernelEmitter.IsBareProduct(group)
                ? null
                : RowLowering.Lower(graph, inferred.Shapes, group, plan.Materialized.ToList(), ShapedKernelEmitter.StructName(spec.MethodName, group, g));
            programs.Add(program);
            if (program is not null)
            {
                dumps.Add(($"loops (group {g + 1})", program.Dump()));
            }
        }

        string source = ShapedKernelEmitter.Emit(spec with { Graph = graph }, graph, inferred.Shapes, plan, programs, dumpStages ? dumps : null);
        return new CompiledKernel(spec.HintName, source);
    }

    /// <summary>
    /// The N-d fusion plan: <see cref="NdPlanner"/>'s groups, then row groups of values over the
    /// same rows (a tuple's results, a Concat's pieces) merged into one where the runtime can run it
    /// (<see cref="SharedRows"/>).
    /// </summary>
    public static (NdPlan? Plan, IReadOnlyList<PlanError> Errors) Plan(KernelGraph graph, Shape?[] shapes)
    {
        (NdPlan? plan, IReadOnlyList<PlanError> errors) = NdPlanner.Plan(graph, shapes);
        if (plan is null)
        {
            return (plan, errors);
        }

        List<int> materialized = plan.Materialized.ToList();
        return (SharedRows.Merge(graph, shapes, plan, merged => NdPlanner.IsRowGroup(graph, shapes, merged, materialized)
            && RowLowering.TryLower(graph, shapes, merged, materialized) is RowProgram program && CanRun(program, merged)), errors);

        bool CanRun(RowProgram program, NdGroup merged)
            => program.SlotCount <= ShapedKernelEmitter.MaxRowInputs
               && merged.Outputs.All(o => shapes[o]!.Rank == program.Domain.Count)
               // A result read through a view (from memory) while the same group writes it.
               && !program.Leaves.Any(l => l.Kind is RowLeafKind.Temporary or RowLeafKind.Reshaped && merged.Outputs.Contains(l.Source));
    }

    private static void Check(KernelGraph graph, string stage, bool compositesAllowed)
    {
        IReadOnlyList<string> problems = GraphValidator.Validate(graph, compositesAllowed);
        if (problems.Count > 0)
        {
            throw new InvalidOperationException($"after {stage} the graph is invalid: {string.Join("; ", problems)}\n{graph.Dump()}");
        }
    }
}
