using System.Globalization;
using System.Linq;
using KernelDsl.Compiler.Common;
using KernelDsl.Compiler.Graph;
using KernelDsl.Compiler.Loops;

namespace KernelDsl.Compiler.Rendering;

/// <summary>
/// Prints a <see cref="RowProgram"/> as a C# struct implementing the runtime's <c>IRowKernel</c>:
/// <c>ExecuteRow</c> runs the passes over one row (whole vectors, then a one-lane tail), and each
/// pass's per-element computation is a small generic method, instantiated for the vector width and
/// for the tail, so the expression is written once.
/// </summary>
public static class CSharpRowRenderer
{
    private const string Runtime = CSharpLoopRenderer.Runtime;
    private const string Scalar = Runtime + ".SimdScalar";

    /// <param name="summary">The struct's doc summary, already in XML (its expressions escaped).</param>
    public static void Render(CodeWriter w, RowProgram program, string summary)
    {
        string constructor = program.ScalarInputs.Count == 0
            ? ""
            : "(" + string.Join(", ", program.ScalarInputs.Select(p => "float " + ScalarName(p))) + ")";

        w.Line("/// <summary>");
        w.Line($"/// {summary} {Escape(program.Reason)}");
        w.Line("/// </summary>");
        w.Line(KernelFileEmitter.GeneratedCodeAttribute);
        using (w.Block($"private readonly struct {program.StructName}{constructor} : {Runtime}.IRowKernel"))
        {
            w.Line($"/// <summary>Computes one row of [{string.Join(", ", program.Domain)}] (<paramref name=\"length\"/> elements along the last dimension).</summary>");
            w.Line("[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]");
            w.Line($"public void ExecuteRow<V>(in {Runtime}.KernelOperands row, nint length)");
            w.Line($"    where V : struct, {Runtime}.ISimdFloat<V>");
            using (w.Indented("{", "}"))
            {
                foreach (RowLeaf leaf in program.Leaves.Where(l => l.Slot >= 0))
                {
                    w.Line($"ref float {leaf.Name} = ref row.Input({leaf.Slot.ToString(CultureInfo.InvariantCulture)});");
                }

                w.Line(program.Leaves.Any(l => l.Kind == RowLeafKind.Product)
                    ? "ref float destination = ref row.Destination; // holds the product until the epilogue overwrites it"
                    : "ref float destination = ref row.Destination;");
                if (program.Passes.Count > 0)
                {
                    w.Line("nint i;");
                }

                for (int p = 0; p < program.Passes.Count; p++)
                {
                    RenderPass(w, program, p);
                }

                if (program.OutputIsRowScalar)
                {
                    RenderRowScalars(w, program, program.After);
                    w.Line();
                    w.Line($"destination = {ValueName(program.Output)}.Value;");
                }
            }

            for (int p = 0; p < program.Passes.Count; p++)
            {
                w.Line();
                RenderElementFunction(w, program, p);
            }
        }
    }

    private static void RenderPass(CodeWriter w, RowProgram program, int index)
    {
        RowPass pass = program.Passes[index];
        RenderRowScalars(w, program, pass.Before);
        w.Line();
        string call(string type) => $"{PassName(index)}<{type}>({PassArguments(program, pass, "i")})";
        string callAt(string position) => $"{PassName(index)}<V>({PassArguments(program, pass, position)})";
        string what = pass.Expression is null ? "" : ": " + pass.Expression;
        string position = $"Pass {index + 1} of {program.Passes.Count}";
        string[] prefetched = PrefetchedSlots(program, index);
        void Prefetch(string at)
        {
            foreach (string slot in prefetched)
            {
                w.Line($"row.PrefetchNextRow({slot}, {at});");
            }
        }

        if (pass.Reduction < 0)
        {
            w.Line($"// {position}, the output{what}.");
            if (prefetched.Length > 0)
            {
                w.Line(PrefetchComment);
            }

            using (w.Block("for (i = 0; i <= length - V.Count; i += V.Count)"))
            {
                Prefetch("i");
                w.Line($"V.Store({call("V")}, ref destination, i);");
            }

            w.Line();
            using (w.Block("for (; i < length; i++)"))
            {
                w.Line($"{Scalar}.Store({call(Scalar)}, ref destination, i);");
            }

            return;
        }

        string acc = "acc" + pass.Reduction.ToString(CultureInfo.InvariantCulture);
        string r = "r" + pass.Reduction.ToString(CultureInfo.InvariantCulture);
        // loopCombine is what the vector loops accumulate with; combine joins the four accumulators.
        (string identity, string combine, string loopCombine, string horizontal, string scalarCombine) = pass.ReductionOp switch
        {
            Op.Prod => ("1f", "{0} * {1}", "{0} * {1}", "Product", "{0} * {1}"),
            Op.ReduceMax => ("float.NegativeInfinity", "V.Max({0}, {1})", "V.MaxNative({0}, {1})", "Max", "global::System.MathF.Max({0}, {1})"),
            Op.ReduceMin => ("float.PositiveInfinity", "V.Min({0}, {1})", "V.MinNative({0}, {1})", "Min", "global::System.MathF.Min({0}, {1})"),
            _ => ("0f", "{0} + {1}", "{0} + {1}", "Sum", "{0} + {1}"),
        };
        string stored = pass.AlsoStores ? " Each value is also stored in the destination, for the last pass to reuse." : "";
        w.Line($"// {position}, reduced along the row{what}.{stored}");
        w.Line("// Four accumulators, so consecutive vectors do not wait on each other's result.");

        // Max and Min accumulate with the hardware instruction (one short dependency chain) instead
        // of IEEE 754 Max/Min (several instructions on the chain, which made a row's max cost 3.5x
        // its sum). The hardware one drops NaN and may prefer -0 to +0, so NaN is tracked on the
        // side and a zero result is recomputed exactly (one scalar pass, only for rows whose result
        // is zero).
        bool native = pass.ReductionOp is Op.ReduceMax or Op.ReduceMin;
        string nan = "nan" + pass.Reduction.ToString(CultureInfo.InvariantCulture);
        if (prefetched.Length > 0)
        {
            w.Line(PrefetchComment);
        }

        string[] accumulators = { acc, acc + "b", acc + "c", acc + "d" };
        w.Line($"V {acc} = V.Create({identity}), {accumulators[1]} = {acc}, {accumulators[2]} = {acc}, {accumulators[3]} = {acc};");
        if (native)
        {
            w.Line($"V {nan} = V.Create(0f); // all ones in a lane that has seen NaN");
        }

        void Accumulate(string accumulator, string at, string valueName)
        {
            if (pass.AlsoStores || native)
            {
                w.Line($"V {valueName} = {callAt(at)};");
                if (pass.AlsoStores)
                {
                    w.Line($"V.Store({valueName}, ref destination, {at});");
                }

                if (native)
                {
                    w.Line($"{nan} = V.Or({nan}, V.IsNaN({valueName}));");
                }

                w.Line($"{accumulator} = {string.Format(CultureInfo.InvariantCulture, loopCombine, accumulator, valueName)};");
            }
            else
            {
                w.Line($"{accumulator} = {string.Format(CultureInfo.InvariantCulture, loopCombine, accumulator, callAt(at))};");
            }
        }

        using (w.Block("for (i = 0; i <= length - 4 * V.Count; i += 4 * V.Count)"))
        {
            Prefetch("i");
            Prefetch("i + V.Count");
            Prefetch("i + 2 * V.Count");
            Prefetch("i + 3 * V.Count");
            Accumulate(accumulators[0], "i", "value0");
            Accumulate(accumulators[1], "i + V.Count", "value1");
            Accumulate(accumulators[2], "i + 2 * V.Count", "value2");
            Accumulate(accumulators[3], "i + 3 * V.Count", "value3");
        }

        w.Line();
        using (w.Block("for (; i <= length - V.Count; i += V.Count)"))
        {
            Accumulate(accumulators[0], "i", "value");
        }

        w.Line();
        string pair(string x, string y) => string.Format(CultureInfo.InvariantCulture, combine, x, y);
        w.Line($"{acc} = {pair(pair(accumulators[0], accumulators[1]), pair(accumulators[2], accumulators[3]))};");
        if (native)
        {
            w.Line($"{acc} = V.Select({nan}, {nan}, {acc}); // a lane that saw NaN becomes NaN, which the IEEE steps below propagate");
        }

        w.Line();
        w.Line($"float {r} = {Runtime}.Horizontal.{horizontal}({acc});");
        using (w.Block("for (; i < length; i++)"))
        {
            if (pass.AlsoStores)
            {
                w.Line($"{Scalar} value = {call(Scalar)};");
                w.Line($"{Scalar}.Store(value, ref destination, i);");
                w.Line($"{r} = {string.Format(CultureInfo.InvariantCulture, scalarCombine, r, "value.Value")};");
            }
            else
            {
                w.Line($"{r} = {string.Format(CultureInfo.InvariantCulture, scalarCombine, r, call(Scalar) + ".Value")};");
            }
        }

        if (native)
        {
            w.Line();
            w.Line($"if ({r} == 0f)");
            using (w.Indented("{", "}"))
            {
                w.Line("// The hardware instruction may have kept the wrong zero: recompute this rare case exactly.");
                w.Line($"{r} = {identity};");
                using (w.Block("for (i = 0; i < length; i++)"))
                {
                    w.Line($"{r} = {string.Format(CultureInfo.InvariantCulture, scalarCombine, r, call(Scalar) + ".Value")};");
                }
            }
        }

        w.Line();
        string result = pass.ReductionOp == Op.Mean ? $"{r} / length" : r;
        w.Line($"{Scalar} {ValueName(pass.Reduction)} = {Scalar}.Create({result});");
    }

    private const string PrefetchComment = "// Meanwhile the next row's inputs are fetched, so the next row's first pass finds them in cache.";

    /// <summary>
    /// The operand slots whose next row the pass prefetches: the second pass of a kernel with several
    /// passes fetches what the first pass reads from memory, so memory works while the row is
    /// computed in cache. Inputs broadcast along the row are read once per row and left alone.
    /// </summary>
    private static string[] PrefetchedSlots(RowProgram program, int index)
        => index != 1
            ? new string[0]
            : program.Leaves
                .Where(l => l.Slot >= 0 && !l.RowScalar && program.Passes[0].Inputs.Contains(l.Node))
                .Select(l => l.Slot.ToString(CultureInfo.InvariantCulture))
                .ToArray();

    /// <summary>Per-row values: one lane each, computed between passes.</summary>
    private static void RenderRowScalars(CodeWriter w, RowProgram program, EquatableArray<LoopStatement> statements)
    {
        foreach (LoopStatement s in statements)
        {
            RowLeaf? leaf = program.Leaves.FirstOrDefault(l => l.Node == s.Value);
            string code;
            if (leaf is not null)
            {
                code = $"{Scalar}.Load(ref {LeafRef(leaf)}, 0)";
            }
            else if (s.Node.Op == Op.ScalarInput)
            {
                code = $"{Scalar}.Create({ScalarName(program.Parameters[s.Node.Parameter])})";
            }
            else if (OpInfo.IsReduction(s.Node.Op))
            {
                code = ValueName(s.Node.Operands[0]); // a reduction over a size-1 axis is its operand
            }
            else
            {
                code = CSharpExpressions.Elementwise(s.Node, Scalar, ValueName);
            }

            string line = $"{Scalar} {ValueName(s.Value)} = {code};";
            w.Line(s.Expression is null ? line : line + " // " + s.Expression);
        }
    }

    private static void RenderElementFunction(CodeWriter w, RowProgram program, int index)
    {
        RowPass pass = program.Passes[index];
        string parameters = string.Join(", ", pass.Inputs.Select(n => "ref float " + LeafName(program, n))
            .Concat(pass.Reloaded >= 0 ? new[] { "ref float destination" } : new string[0])
            .Concat(new[] { "nint i" })
            .Concat(pass.RowScalars.Select(n => "float p" + n.ToString(CultureInfo.InvariantCulture))));
        w.Line($"/// <summary>Pass {index + 1}'s value at element <paramref name=\"i\"/> of the row.</summary>");
        w.Line("[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]");
        w.Line($"private W {PassName(index)}<W>({parameters})");
        w.Line($"    where W : struct, {Runtime}.ISimdFloat<W>");
        using (w.Indented("{", "}"))
        {
            // A division by a per-row value multiplies by its reciprocal, computed once per row (the
            // JIT hoists it out of the loop): a vector division costs about as much as ten
            // multiplications, and the result differs from the quotient by at most one rounding.
            var divisors = new System.Collections.Generic.HashSet<int>(pass.Body
                .Where(s => s.Node.Op == Op.Div && s.Value != pass.Reloaded && pass.RowScalars.Contains(s.Node.Operands[1]) && !pass.RowScalars.Contains(s.Node.Operands[0]))
                .Select(s => s.Node.Operands[1]));
            foreach (int n in pass.RowScalars)
            {
                string p = "p" + n.ToString(CultureInfo.InvariantCulture);
                w.Line($"W {ValueName(n)} = W.Create({p});");
                if (divisors.Contains(n))
                {
                    w.Line($"W {ReciprocalName(n)} = W.Create(1f / {p});");
                }
            }

            foreach (LoopStatement s in pass.Body)
            {
                RowLeaf? leaf = program.Leaves.FirstOrDefault(l => l.Node == s.Value);
                if (s.Value == pass.Reloaded)
                {
                    w.Line($"W {ValueName(s.Value)} = W.Load(ref destination, i); // stored by pass {index}: {s.Expression ?? "the value it reduced"}");
                    continue;
                }

                string code = leaf is not null ? $"W.Load(ref {LeafName(program, s.Value)}, i)"
                    : s.Node.Op == Op.ScalarInput ? $"W.Create({ScalarName(program.Parameters[s.Node.Parameter])})"
                    : s.Node.Op == Op.Div && divisors.Contains(s.Node.Operands[1]) ? $"{ValueName(s.Node.Operands[0])} * {ReciprocalName(s.Node.Operands[1])}"
                    : CSharpExpressions.Elementwise(s.Node, "W", ValueName);
                string line = $"W {ValueName(s.Value)} = {code};";
                w.Line(s.Expression is null || leaf is not null ? line : line + " // " + s.Expression);
            }

            w.Line($"return {ValueName(pass.Value)};");
        }
    }

    private static string PassArguments(RowProgram program, RowPass pass, string position)
        => string.Join(", ", pass.Inputs.Select(n => "ref " + LeafRef(program.Leaves.First(l => l.Node == n)))
            .Concat(pass.Reloaded >= 0 ? new[] { "ref destination" } : new string[0])
            .Concat(new[] { position })
            .Concat(pass.RowScalars.Select(n => ValueName(n) + ".Value")));

    private static string LeafName(RowProgram program, int node) => program.Leaves.First(l => l.Node == node).Name;

    /// <summary>The ref a leaf is read through in ExecuteRow: the product lives in the destination.</summary>
    private static string LeafRef(RowLeaf leaf) => leaf.Kind == RowLeafKind.Product ? "destination" : leaf.Name;

    private static string PassName(int index) => "Pass" + (index + 1).ToString(CultureInfo.InvariantCulture);

    private static string ReciprocalName(int value) => "reciprocal" + value.ToString(CultureInfo.InvariantCulture);

    private static string ValueName(int value) => "v" + value.ToString(CultureInfo.InvariantCulture);

    public static string ScalarName(KernelParameter parameter) => "arg_" + parameter.Name.TrimStart('@');

    private static string Escape(string text) => text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");
}
