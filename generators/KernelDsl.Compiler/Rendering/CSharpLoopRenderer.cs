using System.Globalization;
using KernelDsl.Compiler.Common;
using KernelDsl.Compiler.Graph;
using KernelDsl.Compiler.Loops;

namespace KernelDsl.Compiler.Rendering;

/// <summary>
/// Prints a <see cref="LoopProgram"/> as a C# struct implementing the runtime's
/// <c>IElementwiseKernel</c>: one generic loop body over <c>ISimdFloat&lt;V&gt;</c>, which the runtime
/// instantiates for Vector512, Vector256, Vector128 and one lane.
/// </summary>
public static class CSharpLoopRenderer
{
    /// <summary>
    /// The alias under which generated files import <c>global::KernelDsl.Runtime</c>. Generated code
    /// names the runtime's types as <c>KernelRuntime::Type</c>: the <c>::</c> form looks up aliases
    /// only, so a kernel parameter or a member of the user's type named <c>KernelRuntime</c> cannot
    /// hide it.
    /// </summary>
    public const string Runtime = "KernelRuntime";

    /// <summary>The name of the loop struct generated for a kernel method.</summary>
    public static string StructName(string methodName) => "__" + methodName + "Loop";

    public static void Render(CodeWriter w, KernelSpec spec, LoopProgram program)
    {
        string name = StructName(spec.MethodName);
        string constructor = program.ScalarInputs.Count == 0
            ? ""
            : "(" + string.Join(", ", System.Linq.Enumerable.Select(program.ScalarInputs, p => "float " + ScalarName(p))) + ")";

        w.Line("/// <summary>");
        w.Line($"/// The fused loop of <c>{spec.MethodName}</c>. {Escape(program.FusionReason)}");
        w.Line("/// </summary>");
        w.Line(KernelFileEmitter.GeneratedCodeAttribute);
        using (w.Block($"private readonly struct {name}{constructor} : {Runtime}::IElementwiseKernel"))
        {
            w.Line("/// <summary>Computes elements [start, end); the runtime passes a multiple of <c>V.Count</c> elements.</summary>");
            // Never inlined into the caller either: a caller recompiled with profile data inlined
            // the runner and this loop into itself, ran out of inlining budget, and called the
            // vector operations one by one (docs/performance.md, one row: what a call costs).
            w.Line("// Optimized on first call: a kernel runs few times but long, so tiered JIT would spend them in unoptimized code.");
            w.Line("// Never inlined: the loop's vector operations inline here, within a JIT inlining budget of their own.");
            w.Line("[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.NoInlining | global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]");
            w.Line($"public void Execute<V>(in {Runtime}::KernelOperands operands, nint start, nint end)");
            w.Line($"    where V : struct, {Runtime}::ISimdFloat<V>");
            using (w.Indented("{", "}"))
            {
                for (int slot = 0; slot < program.TensorInputs.Count; slot++)
                {
                    w.Line($"ref float {InputName(program.TensorInputs[slot])} = ref operands.Input({slot.ToString(CultureInfo.InvariantCulture)});");
                }

                w.Line("ref float destination = ref operands.Destination;");
                if (program.Invariants.Count > 0)
                {
                    w.Line();
                    w.Line("// Loop-invariant values: computed once per call, not per element.");
                    foreach (LoopStatement statement in program.Invariants)
                    {
                        RenderStatement(w, program, statement);
                    }
                }

                w.Line();
                using (w.Block("for (nint i = start; i < end; i += V.Count)"))
                {
                    foreach (LoopStatement statement in program.Body)
                    {
                        RenderStatement(w, program, statement);
                    }

                    w.Line($"V.Store({ValueName(program.Stored)}, ref destination, i);");
                }
            }
        }
    }

    private static void RenderStatement(CodeWriter w, LoopProgram program, LoopStatement statement)
    {
        string code = $"V {ValueName(statement.Value)} = {Expression(program, statement.Node)};";
        w.Line(statement.Expression is null ? code : code + " // " + statement.Expression);
    }

    private static string Expression(LoopProgram program, GraphNode node) => node.Op switch
    {
        Op.Input => $"V.Load(ref {InputName(Parameter(program, node))}, i)",
        Op.ScalarInput => $"V.Create({ScalarName(Parameter(program, node))})",
        _ when OpInfo.IsComposite(node.Op) => throw new System.InvalidOperationException($"the C# renderer has no rule for {node.Op}; composite ops must be lowered first"),
        _ => CSharpExpressions.Elementwise(node, "V", ValueName),
    };

    private static KernelParameter Parameter(LoopProgram program, GraphNode node) => program.Parameters[node.Parameter];

    private static string ValueName(int value) => "v" + value.ToString(CultureInfo.InvariantCulture);

    private static string InputName(KernelParameter parameter) => "in_" + parameter.Name.TrimStart('@');

    private static string ScalarName(KernelParameter parameter) => "arg_" + parameter.Name.TrimStart('@');

    private static string Escape(string text) => text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");
}
