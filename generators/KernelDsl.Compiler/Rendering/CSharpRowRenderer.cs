using System.Globalization;
using System.Linq;
using KernelDsl.Compiler.Common;
using KernelDsl.Compiler.Graph;
using KernelDsl.Compiler.Loops;

namespace KernelDsl.Compiler.Rendering;

/// <summary>
/// Prints a <see cref="RowProgram"/> as a C# struct implementing the runtime's <c>IRowKernel</c>:
/// <c>ExecuteRow</c> runs the passes over one row through the runtime's <c>RowPass</c> loops, and
/// each pass is a small <c>ref struct</c> whose generic <c>At</c> computes the pass's value at one
/// element, instantiated by those loops for the vector width and for the one-lane tail, so the
/// expression is written once and the loops not at all.
/// </summary>
public static class CSharpRowRenderer
{
    private const string Runtime = CSharpLoopRenderer.Runtime;
    private const string Scalar = Runtime + "::SimdScalar";

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
        using (w.Block($"private readonly struct {program.StructName}{constructor} : {Runtime}::IRowKernel"))
        {
            w.Line($"/// <summary>Computes one row of [{string.Join(", ", program.Domain)}] (<paramref name=\"length\"/> elements along the last dimension).</summary>");
            // Never inlined into the runtime's loops: its passes' loops and expressions inline here,
            // which needs the JIT's inlining budget of a method of its own. A runner that inlined it
            // on a hot one-row path (tiered, with profile data) ran out, and a [1, 768] softmax's
            // vector operations became calls, 4.5x slower (docs/performance.md).
            w.Line("// Never inlined: its passes inline here, within a JIT inlining budget of their own.");
            w.Line("[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.NoInlining | global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]");
            w.Line($"public void ExecuteRow<V>(in {Runtime}::KernelOperands row, nint length)");
            w.Line($"    where V : struct, {Runtime}::ISimdFloat<V>");
            using (w.Indented("{", "}"))
            {
                foreach (RowLeaf leaf in program.Leaves.Where(l => l.Slot >= 0))
                {
                    w.Line($"ref float {leaf.Name} = ref row.Input({leaf.Slot.ToString(CultureInfo.InvariantCulture)});");
                }

                for (int k = 0; k < program.Companions.Count; k++)
                {
                    int companion = program.Companions[k];
                    w.Line($"ref float {CompanionName(companion)} = ref row.Input({program.CompanionSlot(k).ToString(CultureInfo.InvariantCulture)}); // where another value the group writes goes (a result's destination, or a piece's place in a join)");
                }

                w.Line(program.Leaves.Any(l => l.Kind == RowLeafKind.Product)
                    ? "ref float destination = ref row.Destination; // holds the product until the epilogue overwrites it"
                    : "ref float destination = ref row.Destination;");
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

            if (program.CompanionsPerRow.Any())
            {
                w.Line();
                w.Line("/// <summary>Another value the group writes has one value per row, written even for rows of no elements.</summary>");
                w.Line("public static bool WritesValuesPerRow => true;");
            }

            for (int p = 0; p < program.Passes.Count; p++)
            {
                w.Line();
                RenderPassStruct(w, program, p);
            }
        }
    }

    /// <summary>
    /// Whether a reduction pass's expression is costly enough to run apart (<c>RowPass.ReduceApart</c>:
    /// one accumulator, in a method of its own): any vector-math function but a lone exponential, or
    /// an exponential while another reduction pass of the row computes a function too. Four
    /// accumulators inline the expression five times (the unrolled loop and the loop after it), and
    /// the JIT limits what it inlines into one method, which the row method's passes share: a softmax
    /// whose passes computed a logarithm and a tanh per element, a softmax of tanh-capped logits (a
    /// tanh in one pass, an exponential in the next) and a layer norm of a GELU ran past it that way,
    /// their vector operations became calls, 2-35x slower (docs/performance.md). With a function in
    /// the loop its one accumulator's latency is hidden by the function's own work. A softmax's one
    /// exponential keeps four, inlined.
    /// </summary>
    private static bool IsCostly(RowProgram program, RowPass pass)
    {
        // Loaded values (inputs, scratch buffers, what an earlier pass stored) compute nothing here.
        Op[] Functions(RowPass p) => p.Body.Where(s => s.Value != p.Reloaded && !program.Leaves.Any(l => l.Node == s.Value) && OpInfo.IsVectorMathFunction(s.Node.Op))
            .Select(s => s.Node.Op).ToArray();
        Op[] own = Functions(pass);
        return own.Length >= 2
            || own.Length == 1 && (own[0] != Op.Exp || program.Passes.Where(p => p.Reduction >= 0).Sum(p => Functions(p).Length) >= 2);
    }

    private static void RenderPass(CodeWriter w, RowProgram program, int index)
    {
        RowPass pass = program.Passes[index];
        RenderRowScalars(w, program, pass.Before);
        w.Line();
        string what = pass.Expression is null ? "" : ": " + pass.Expression;
        string position = $"Pass {index + 1} of {program.Passes.Count}";
        int mask = PrefetchMask(program, index);
        string prefetch = mask == 0 ? "prefetch: 0" : $"prefetch: 0b{System.Convert.ToString(mask, 2)}";
        string create = $"new {PassName(index)}({PassArguments(program, pass)})";

        if (pass.Reduction < 0)
        {
            w.Line($"// {position}, the output{what}.");
            if (mask != 0)
            {
                w.Line(PrefetchComment);
            }

            w.Line($"{Runtime}::RowPass.Write<V, {PassName(index)}>({create}, length, in row, {prefetch}, ref destination);");
            return;
        }

        string combiner = pass.ReductionOp switch
        {
            Op.Prod => "RowProduct",
            Op.ReduceMax => "RowMax",
            Op.ReduceMin => "RowMin",
            _ => "RowSum",
        };
        string stored = pass.AlsoStores ? $" Each value is also stored in the destination, for {Reloading(program, index)} to reuse."
            : pass.KeptValue >= 0 ? $" Its {Expression(pass, pass.KeptValue) ?? "value"} at each element is also stored in the destination, for {Reloading(program, index)} to reuse."
            : "";
        w.Line($"// {position}, reduced along the row{what}.{stored}");
        if (mask != 0)
        {
            w.Line(PrefetchComment);
        }

        string typeArguments = $"<V, {PassName(index)}, {Runtime}::{combiner}>";
        string call;
        if (IsCostly(program, pass))
        {
            // The prefetched slots are the pass struct's (PrefetchedSlots), a constant where its method is compiled.
            w.Line("// Its expression is costly: its loop runs in a method of its own with one accumulator, rather than inlined here five times (the JIT limits what one method inlines).");
            call = pass.AlsoStores
                ? $"{Runtime}::RowPass.ReduceAndStoreApart{typeArguments}({create}, length, in row, ref destination)"
                : $"{Runtime}::RowPass.ReduceApart{typeArguments}({create}, length, in row)";
        }
        else
        {
            call = pass.AlsoStores
                ? $"{Runtime}::RowPass.ReduceAndStore{typeArguments}({create}, length, in row, {prefetch}, ref destination)"
                : $"{Runtime}::RowPass.Reduce{typeArguments}({create}, length, in row, {prefetch})";
        }

        string result = pass.ReductionOp == Op.Mean ? $"{call} / length" : call;
        w.Line($"{Scalar} {ValueName(pass.Reduction)} = {Scalar}.Create({result});");
        StorePerRowCompanion(w, program, pass.Reduction);
    }

    /// <summary>The passes after <paramref name="index"/> that reload its stored value, in words ("the last pass", "passes 2 and 3").</summary>
    private static string Reloading(RowProgram program, int index)
    {
        int value = StoredValue(program.Passes[index]);
        int[] numbers = Enumerable.Range(index + 1, program.Passes.Count - index - 1).Where(p => program.Passes[p].Reloaded == value).Select(p => p + 1).ToArray();
        return numbers.Length == 0 ? "the later passes"
            : numbers.Length == 1 && numbers[0] == program.Passes.Count ? "the last pass"
            : numbers.Length == 1 ? "pass " + numbers[0].ToString(CultureInfo.InvariantCulture)
            : "passes " + string.Join(", ", numbers.Take(numbers.Length - 1).Select(n => n.ToString(CultureInfo.InvariantCulture))) + " and " + numbers[numbers.Length - 1].ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>The value a pass stores in the destination for later passes, -1 if none.</summary>
    private static int StoredValue(RowPass pass) => pass.AlsoStores ? pass.Value : pass.KeptValue;

    /// <summary>The expression a value of the pass's body computes, as its comment shows it.</summary>
    private static string? Expression(RowPass pass, int value) => pass.Body.FirstOrDefault(s => s.Value == value)?.Expression;

    /// <summary>Stores a companion of one value per row (<see cref="RowProgram.CompanionsPerRow"/>) right after it is computed.</summary>
    private static void StorePerRowCompanion(CodeWriter w, RowProgram program, int value)
    {
        if (program.CompanionsPerRow.Contains(value))
        {
            w.Line($"{CompanionName(value)} = {ValueName(value)}.Value; // another value the group writes: one per row");
        }
    }

    private const string PrefetchComment = "// Meanwhile the next row's inputs are fetched, so the next row's first pass finds them in cache.";

    /// <summary>
    /// The operand slots whose next row the pass prefetches, as <c>RowPass</c>'s bit mask (bit k for
    /// slot k): the second pass of a kernel with several passes fetches what the first pass reads
    /// from memory, so memory works while the row is computed in cache. Inputs broadcast along the
    /// row are read once per row and left alone.
    /// </summary>
    private static int PrefetchMask(RowProgram program, int index)
        => index != 1
            ? 0
            : program.Leaves
                .Where(l => l.Slot >= 0 && !l.RowScalar && program.Passes[0].Inputs.Contains(l.Node))
                .Aggregate(0, (mask, l) => mask | (1 << l.Slot));

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
            else if (OpInfo.IsVectorMathFunction(s.Node.Op))
            {
                // Out of line (RowScalarMath): inlined, one lane's worth spends the row method's inlining budget.
                // (Exp serves a non-positive operand too: ExpOfNonPositive gives the same bits, only faster in a vector loop.)
                code = $"{Runtime}::RowScalarMath.{s.Node.Op}({string.Join(", ", s.Node.Operands.Select(ValueName))})";
            }
            else
            {
                code = CSharpExpressions.Elementwise(s.Node, Scalar, ValueName);
            }

            string line = $"{Scalar} {ValueName(s.Value)} = {code};";
            w.Line(s.Expression is null ? line : line + " // " + s.Expression);
            StorePerRowCompanion(w, program, s.Value);
        }
    }

    /// <summary>
    /// A pass as a <c>ref struct</c> the runtime's loops call per element: refs to the rows it reads,
    /// the per-row values and scalar parameters it uses, and its expression for any vector width.
    /// </summary>
    private static void RenderPassStruct(CodeWriter w, RowProgram program, int index)
    {
        RowPass pass = program.Passes[index];
        var fields = PassFields(program, pass).ToArray();
        string summary = pass.Expression is null ? "" : ": " + Escape(pass.Expression);
        w.Line($"/// <summary>Pass {index + 1}'s value at an element of the row{summary}.</summary>");
        using (w.Block($"private readonly ref struct {PassName(index)} : {Runtime}::IRowPass"))
        {
            foreach ((string type, string name) in fields)
            {
                w.Line(type == "ref float" ? $"private readonly ref float {name};" : $"private readonly {type} {name};");
            }

            w.Line();
            using (w.Block($"public {PassName(index)}({string.Join(", ", fields.Select(f => f.Type + " " + f.Name))})"))
            {
                foreach ((string type, string name) in fields)
                {
                    w.Line(type == "ref float" ? $"this.{name} = ref {name};" : $"this.{name} = {name};");
                }
            }

            w.Line();
            if (pass.Companions.Count > 0)
            {
                w.Line("/// <summary>The other values are stored by <see cref=\"At{W}\"/> itself, so each element is computed once (no overlapping last vector).</summary>");
                w.Line("public static bool StoresOtherResults => true;");
                w.Line();
            }

            int mask = PrefetchMask(program, index);
            if (pass.Reduction >= 0 && IsCostly(program, pass) && mask != 0)
            {
                w.Line("/// <summary>The operand slots whose next row this pass fetches, in its loop's own method.</summary>");
                w.Line($"public static int PrefetchedSlots => 0b{System.Convert.ToString(mask, 2)};");
                w.Line();
            }

            RenderAt(w, program, index);
        }
    }

    /// <summary>The fields of a pass struct, in constructor order: its rows, then its per-row values and scalar parameters.</summary>
    private static System.Collections.Generic.IEnumerable<(string Type, string Name)> PassFields(RowProgram program, RowPass pass)
        => pass.Inputs.Select(n => ("ref float", LeafName(program, n)))
            .Concat(pass.Reloaded >= 0 || pass.KeptValue >= 0 ? new[] { ("ref float", "destination") } : new (string, string)[0])
            .Concat(pass.Companions.Select(c => ("ref float", CompanionName(c))))
            .Concat(pass.RowScalars.Select(n => ("float", "p" + n.ToString(CultureInfo.InvariantCulture))))
            .Concat(ScalarParameters(program, pass).Select(p => ("float", ScalarName(p))));

    /// <summary>The scalar kernel parameters the pass's body reads.</summary>
    private static System.Collections.Generic.IEnumerable<KernelParameter> ScalarParameters(RowProgram program, RowPass pass)
        => pass.Body.Where(s => s.Node.Op == Op.ScalarInput).Select(s => s.Node.Parameter).Distinct().OrderBy(p => p)
            .Select(p => program.Parameters[p]);

    private static void RenderAt(CodeWriter w, RowProgram program, int index)
    {
        RowPass pass = program.Passes[index];
        w.Line("[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]");
        w.Line("public W At<W>(nint i)");
        w.Line($"    where W : struct, {Runtime}::ISimdFloat<W>");
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
                    int storing = program.Passes.Take(index).ToList().FindLastIndex(p => StoredValue(p) == pass.Reloaded);
                    w.Line($"W {ValueName(s.Value)} = W.Load(ref destination, i); // stored by pass {storing + 1}: {s.Expression ?? "the value it reduced"}");
                    continue;
                }

                string code = leaf is not null ? $"W.Load(ref {LeafName(program, s.Value)}, i)"
                    : s.Node.Op == Op.ScalarInput ? $"W.Create({ScalarName(program.Parameters[s.Node.Parameter])})"
                    : s.Node.Op == Op.Div && divisors.Contains(s.Node.Operands[1]) ? $"{ValueName(s.Node.Operands[0])} * {ReciprocalName(s.Node.Operands[1])}"
                    : CSharpExpressions.Elementwise(s.Node, "W", ValueName);
                string line = $"W {ValueName(s.Value)} = {code};";
                w.Line(s.Expression is null || leaf is not null ? line : line + " // " + s.Expression);
            }

            if (pass.KeptValue >= 0)
            {
                // Stored here rather than by the runtime's loop, which stores the value it reduces.
                w.Line($"W.Store({ValueName(pass.KeptValue)}, ref destination, i); // kept for {Reloading(program, index)}");
            }

            foreach (int companion in pass.Companions)
            {
                // The other values are stored here, the pass's value by the runtime's loop, at the
                // same elements: the loop's first vector may reach past the elements it takes
                // (rewriting the same values later), and it computes its tail element by element
                // (StoresOtherResults) rather than through a vector overlapping stored elements.
                string? expression = pass.Body.FirstOrDefault(s => s.Value == companion)?.Expression;
                w.Line($"W.Store({ValueName(companion)}, ref {CompanionName(companion)}, i);" + (expression is null ? "" : " // " + expression));
            }

            w.Line($"return {ValueName(pass.Value)};");
        }
    }

    /// <summary>The pass struct's constructor arguments in ExecuteRow, in <see cref="PassFields"/> order.</summary>
    private static string PassArguments(RowProgram program, RowPass pass)
        => string.Join(", ", pass.Inputs.Select(n => "ref " + LeafRef(program.Leaves.First(l => l.Node == n)))
            .Concat(pass.Reloaded >= 0 || pass.KeptValue >= 0 ? new[] { "ref destination" } : new string[0])
            .Concat(pass.Companions.Select(c => "ref " + CompanionName(c)))
            .Concat(pass.RowScalars.Select(n => ValueName(n) + ".Value"))
            .Concat(ScalarParameters(program, pass).Select(ScalarName)));

    private static string LeafName(RowProgram program, int node) => program.Leaves.First(l => l.Node == node).Name;

    /// <summary>The ref a leaf is read through in ExecuteRow: the product lives in the destination.</summary>
    private static string LeafRef(RowLeaf leaf) => leaf.Kind == RowLeafKind.Product ? "destination" : leaf.Name;

    /// <summary>The ref to the row of another value the group writes (<see cref="RowProgram.Companions"/>).</summary>
    private static string CompanionName(int node) => "out" + node.ToString(CultureInfo.InvariantCulture);

    private static string PassName(int index) => "Pass" + (index + 1).ToString(CultureInfo.InvariantCulture);

    private static string ReciprocalName(int value) => "reciprocal" + value.ToString(CultureInfo.InvariantCulture);

    private static string ValueName(int value) => "v" + value.ToString(CultureInfo.InvariantCulture);

    public static string ScalarName(KernelParameter parameter) => "arg_" + parameter.Name.TrimStart('@');

    private static string Escape(string text) => text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");
}
