using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using KernelDsl.Compiler.Common;
using KernelDsl.Compiler.Fusion;
using KernelDsl.Compiler.Graph;
using KernelDsl.Compiler.Loops;
using KernelDsl.Compiler.Shapes;

namespace KernelDsl.Compiler.Rendering;

/// <summary>
/// Writes the generated C# file of a kernel with declared shapes: the tensor-span entry point, which
/// binds the dimension symbols from the arguments (and checks every other use against them), checks
/// strides and overlap, rents scratch buffers, and runs the plan's groups in order; the allocating
/// <c>NameFused</c>; and one struct per row group or epilogue.
/// </summary>
public static class ShapedKernelEmitter
{
    private const string Tensors = "global::System.Numerics.Tensors";
    private const string Runtime = CSharpLoopRenderer.Runtime;
    private const string Args = Runtime + "::KernelArguments";

    /// <summary>The runtime's <c>Dims.Capacity</c>: longer lists (never emitted for the ranks kernels accept) stay collection expressions.</summary>
    public const int DimsCapacity = 9;

    /// <summary>The inputs a row kernel may read (the runtime's operand slots) and an epilogue may read besides the product.</summary>
    public const int MaxRowInputs = 8;
    public const int MaxEpilogueInputs = 6;

    public static string Emit(KernelSpec spec, KernelGraph graph, Shape?[] shapes, NdPlan plan, IReadOnlyList<RowProgram?> programs,
        IReadOnlyList<(string Stage, string Text)>? stageDumps = null)
    {
        return GeneratedFile.Write(spec, stageDumps, w =>
        {
            var context = new Context(spec, graph, shapes, plan, programs);
            context.EmitEntryPoint(w);
            w.Line();
            context.EmitAllocatingOverload(w);
            for (int g = 0; g < plan.Groups.Count; g++)
            {
                if (programs[g] is RowProgram program)
                {
                    w.Line();
                    string what = plan.Groups[g].Kind == NdGroupKind.Contraction ? "The epilogue of group" : "Group";
                    string[] outputs = plan.Groups[g].Outputs.Select(o => Describe(graph, o, 120)).ToArray();
                    string computing = outputs.Length == 1 ? outputs[0] : string.Join(", ", outputs.Take(outputs.Length - 1)) + " and " + outputs[outputs.Length - 1];
                    CSharpRowRenderer.Render(w, program, $"{what} {g + 1} of {plan.Groups.Count} of <c>{spec.MethodName}</c>, computing {computing}.");
                }
            }
        });
    }

    /// <summary>The name of the struct generated for group <paramref name="index"/> of a kernel.</summary>
    public static string StructName(string methodName, NdGroup group, int index)
        => "__" + methodName + (group.Kind == NdGroupKind.Contraction ? "Epilogue" : "Rows") + index.ToString(CultureInfo.InvariantCulture);

    /// <summary>A contraction whose epilogue is empty: a plain product.</summary>
    public static bool IsBareProduct(NdGroup group) => group.Output == group.Product;

    /// <summary>A value for a doc comment: its expression in <c>c</c> tags, or a plain phrase when that would be too long.</summary>
    private static string Describe(KernelGraph graph, int node, int maxLength)
        => graph.TryToExpression(node, maxLength) is string expression
            ? "<c>" + Escape(expression) + "</c>"
            : node == graph.Output ? "the kernel's result"
            : graph.Results.ToList().IndexOf(node) is int result and >= 0 ? $"result {result + 1}"
            : $"intermediate value %{node}";

    private static string Escape(string text) => text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");

    private sealed class Context(KernelSpec spec, KernelGraph graph, Shape?[] shapes, NdPlan plan, IReadOnlyList<RowProgram?> programs)
    {
        private readonly Dictionary<string, string> _boundFrom = new();

        /// <summary>One destination per result: "destination", or "destination1", "destination2", ... for a tuple.</summary>
        private IReadOnlyList<string> Destinations { get; } = DestinationNames(graph.Parameters, plan.Results.Count);

        /// <summary>What every local of the entry points starts with: nothing, unless a parameter could be named like one (<see cref="GeneratedLocals"/>).</summary>
        private readonly string _local = GeneratedLocals.Prefix(graph.Parameters);

        /// <summary>The destination's memory, as the runners write it.</summary>
        private string MemoryOf(string destination) => _local + destination + "Memory";

        /// <summary>The scratch a strided destination is computed in, or null.</summary>
        private string ScratchOf(string destination) => _local + destination + "Scratch";

        /// <summary>The input copies' owner.</summary>
        private string Copies => _local + "__copies";

        private bool IsTuple => plan.Results.Count > 1;

        private string DestinationOf(int node) => Destinations[plan.Results.ToList().IndexOf(node)];

        /// <summary>The memory a materialized node lives in: its destination if it is a result, its place in a join (<see cref="Placed"/>), else its scratch buffer.</summary>
        private string BufferOf(int node)
            => plan.Results.Contains(node) ? MemoryOf(DestinationOf(node))
            : Placed.TryGetValue(node, out Place place) ? (place.Offset is null ? BufferOf(place.Concat) : $"{Args}.Into({BufferOf(place.Concat)}, {place.Offset})")
            : ScratchName(node);

        /// <summary>Where a Concat operand lies in the joined value: the Concat node, and the offset of its first element (null for the first operand).</summary>
        private readonly record struct Place(int Concat, string? Offset);

        private Dictionary<int, Place>? _placed;

        /// <summary>
        /// The Concat operands that their own group writes straight into their place in the join,
        /// through the join's strides, instead of into scratch memory the Concat group copies from: an
        /// operand computed by a row group or a matrix product that writes whole rows of its shape,
        /// read by nothing but the Concat (once), and neither streamed nor written over another value.
        /// </summary>
        private Dictionary<int, Place> Placed => _placed ??= FindPlaced();

        private Dictionary<int, Place> FindPlaced()
        {
            var placed = new Dictionary<int, Place>();
            foreach (NdGroup group in plan.Groups.Where(g => g.Kind == NdGroupKind.Concat))
            {
                EquatableArray<int> operands = graph.Nodes[group.Output].Operands;
                string?[] offsets = JoinOffsets(group.Output);
                for (int k = 0; k < operands.Count; k++)
                {
                    if (CanBePlaced(operands[k], group.Output))
                    {
                        placed[operands[k]] = new Place(group.Output, offsets[k]);
                    }
                }
            }

            return placed;
        }

        /// <summary>Where each operand of a Concat starts in the joined value: its element offset as C# (null for the first operand, at 0).</summary>
        private string?[] JoinOffsets(int concat)
        {
            GraphNode node = graph.Nodes[concat];
            int axis = ShapeInference.ConcatAxis(node, shapes[concat]!.Rank);
            var offsets = new string?[node.Operands.Count];
            var before = new List<string>(); // the sizes along the axis of the operands before this one
            for (int k = 0; k < offsets.Length; k++)
            {
                offsets[k] = before.Count == 0 ? null : $"({string.Join(" + ", before)}) * {SourceStride(RowLeafKind.Temporary, concat, axis)}";
                before.Add(DimExpression(shapes[node.Operands[k]]!.Dims[axis]));
            }

            return offsets;
        }

        private bool CanBePlaced(int operand, int concat)
        {
            int g = GroupIndex(group => group.Outputs.Contains(operand));
            if (g < 0 || !plan.Temporaries.Contains(operand) || graph.Nodes[concat].Operands.Count(o => o == operand) != 1
                || Users(operand).Any(u => u != concat) || StreamedInto(operand) >= 0 || ScratchHosts.ContainsKey(operand))
            {
                return false;
            }

            int rank = shapes[operand]!.Rank;
            NdGroup producer = plan.Groups[g];
            return producer.Kind switch
            {
                // A companion goes through the join's strides like the main value: rows stored by the
                // output pass, a value of one per row at its row's place (stride 0 along the row).
                NdGroupKind.Rows => programs[g] is { OutputIsRowScalar: false } program && program.Domain.Count == rank,
                NdGroupKind.Contraction => shapes[producer.Product]!.Rank == rank,
                _ => false,
            };
        }

        /// <summary>A comment for each Concat operand written straight into its place (<see cref="Placed"/>), which has no buffer of its own.</summary>
        private void EmitPlacedComments(CodeWriter w)
        {
            foreach (int t in plan.Temporaries.Where(Placed.ContainsKey))
            {
                w.Line($"// {graph.TryToExpression(t, 72) ?? $"Intermediate %{t}"} (group {GroupIndex(g => g.Outputs.Contains(t)) + 1}) is written straight into its place in {TempOrResult(Placed[t].Concat)}, which joins it with the others.");
            }
        }

        /// <summary>How a comment names a materialized value: its scratch buffer, or the result.</summary>
        private string TempOrResult(int node) => plan.Results.Contains(node) ? "the result" : TempName(node);

        /// <summary>A join's dense strides, as a placed operand's group writes through them.</summary>
        private string JoinStrides(int concat) => List(Enumerable.Range(0, shapes[concat]!.Rank).Select(d => SourceStride(RowLeafKind.Temporary, concat, d)));

        private Dictionary<int, int>? _scratchHosts;

        /// <summary>The scratch values written over another's buffer (ScratchReuse), each with the value that rents it.</summary>
        private Dictionary<int, int> ScratchHosts => _scratchHosts ??= ScratchReuse.Plan(graph, shapes, plan, programs, value => StreamedInto(value) >= 0);

        /// <summary>The scratch buffer holding <paramref name="node"/>: its own, or the one it takes over.</summary>
        private string ScratchName(int node) => TempName(ScratchHosts.TryGetValue(node, out int host) ? host : node);

        private string?[]? _directRowLengths;

        /// <summary>
        /// For each result, the row length (an expression) when the group that computes it writes it
        /// whole rows at a time (a row group, or a matrix product with its epilogue) and no later
        /// group reads it back: then a destination whose rows are contiguous and separate (a slice of
        /// a wider tensor, a permutation of its outer axes) is written in place through its strides,
        /// unless an input shares its memory. Null where a strided destination goes through scratch
        /// memory: a row's single value, a value read again by a later group (which reads it densely),
        /// a result returned twice (copied densely).
        /// </summary>
        private IReadOnlyList<string?> DirectRowLengths => _directRowLengths ??= Enumerable.Range(0, plan.Results.Count).Select(FindDirectRowLength).ToArray();

        /// <summary>Whether any destination may be written in place through its strides.</summary>
        private bool AnyDirect => DirectRowLengths.Any(length => length is not null);

        private string? FindDirectRowLength(int r)
        {
            // Every tensor parameter goes to ScratchFor's overlap check, which takes eight: as many
            // as a kernel may have (KernelParser).
            int node = plan.Results[r];
            Shape result = shapes[node]!;
            int g = plan.Groups.ToList().FindIndex(group => group.Outputs.Contains(node));
            if (result.Rank == 0 || g < 0 || plan.Results.Count(n => n == node) > 1 || ScratchReuse.ReadAfter(graph, plan, g, node))
            {
                return null;
            }

            NdGroup group = plan.Groups[g];
            bool writesRows = group.Kind switch
            {
                NdGroupKind.Rows => programs[g] is { OutputIsRowScalar: false } program && program.Domain.Count == result.Rank,
                NdGroupKind.Contraction => shapes[group.Product]!.Rank == result.Rank,
                _ => false,
            };
            return writesRows ? DimExpression(result.Dims[result.Rank - 1]) : null;
        }

        public void EmitEntryPoint(CodeWriter w)
        {
            string signature = string.Join(", ", graph.Parameters.Select(p => (p.Kind == ParameterKind.Tensor ? $"in {Tensors}.ReadOnlyTensorSpan<float>" : "float") + " " + p.Name)
                .Concat(Destinations.Select(d => $"in {Tensors}.TensorSpan<float> {d}")));
            w.Line("/// <summary>");
            w.Line($"/// Computes <c>{spec.MethodName}</c> into {DescribeDestinations()}, in {Describe(plan)}.");
            w.Line(!AnyDirect
                ? "/// Inputs may be strided views (read in place where the kernel can, else copied first); a strided destination (a slice of a wider tensor) is computed in scratch memory and copied into."
                : "/// Inputs may be strided views (read in place where the kernel can, else copied first); a destination whose rows are contiguous (a slice of a wider tensor, a permutation of its outer axes) is written in place unless an input shares its memory, and other strided destinations are computed in scratch memory and copied into.");
            w.Line("/// </summary>");
            w.Line("/// <exception cref=\"global::System.ArgumentException\">A shape contradicts the declared shapes (the message names the dimension, the parameters and both sizes), a destination's elements share memory, or it overlaps an input unsafely.</exception>");
            w.Line(KernelFileEmitter.GeneratedCodeAttribute);
            using (w.Block($"{spec.Accessibility} static void {spec.MethodName}({signature})"))
            {
                EmitBinding(w);
                for (int r = 0; r < plan.Results.Count; r++)
                {
                    Shape output = shapes[plan.Results[r]]!;
                    w.Line($"{Args}.RequireShape({Destinations[r]}.Lengths, {DimList(output)}, \"{Destinations[r]}\", \"{output}\");");
                }

                EmitSliceChecks(w);
                EmitCopiesOfViews(w);
                EmitDestinationPairChecks(w);
                EmitScratchDestinations(w);
                EmitOverlapChecks(w);
                EmitScratchIfShared(w);
                for (int r = 0; r < Destinations.Count; r++)
                {
                    string memory = DirectRowLengths[r] is null ? "DenseMemory" : "RowMemory";
                    w.Line($"global::System.Span<float> {MemoryOf(Destinations[r])} = {Args}.{memory}({Destinations[r]}, \"{Destinations[r]}\");");
                }
                int[] rented = plan.Temporaries.Where(t => !ScratchHosts.ContainsKey(t) && !Placed.ContainsKey(t)).ToArray();
                if (rented.Length == 0)
                {
                    EmitPlacedComments(w);
                    EmitGroups(w);
                    return;
                }

                w.Line();
                w.Line("// Scratch buffers for the values passed between groups.");
                EmitPlacedComments(w);
                foreach (int t in plan.Temporaries.Where(t => !Placed.ContainsKey(t)))
                {
                    if (ScratchHosts.TryGetValue(t, out int host))
                    {
                        int writer = GroupIndex(g => g.Output == t) + 1;
                        w.Line($"// {graph.TryToExpression(t, 72) ?? $"Intermediate %{t}"} (group {writer}) is written over {TempName(host)}, which group {writer} is the last to read, element by element in place.");
                        continue;
                    }

                    Shape shape = shapes[t]!;
                    IEnumerable<string> lengths = shape.Dims.Select(DimExpression);
                    string holds = shape.ToString();
                    if (StreamedInto(t) >= 0)
                    {
                        string slice = SliceSize(shape);
                        w.Line($"nint {StreamRows(t)} = {Runtime}::AxisReduction.StreamedRows({slice}); // slices of %{t} along its first axis per piece");
                        lengths = lengths.Skip(1).Prepend(StreamRows(t));
                        holds = $"a piece of {holds}";
                    }

                    // The runtime checks the size: a value too large for one array is an error naming its shape.
                    w.Line($"float[] {TempName(t)} = {Runtime}::KernelArguments.RentScratch({List(lengths)}, \"{holds}\"); // {graph.TryToExpression(t, 72) ?? $"intermediate %{t}"}");
                }

                w.Line("try");
                using (w.Indented("{", "}"))
                {
                    EmitGroups(w);
                }

                w.Line("finally");
                using (w.Indented("{", "}"))
                {
                    foreach (int t in rented)
                    {
                        w.Line($"global::System.Buffers.ArrayPool<float>.Shared.Return({TempName(t)});");
                    }
                }
            }
        }

        public void EmitAllocatingOverload(CodeWriter w)
        {
            string signature = string.Join(", ", graph.Parameters.Select(p => (p.Kind == ParameterKind.Tensor ? $"{Tensors}.Tensor<float>" : "float") + " " + p.Name));
            string returnType = IsTuple ? "(" + string.Join(", ", Destinations.Select(_ => $"{Tensors}.Tensor<float>")) + ")" : $"{Tensors}.Tensor<float>";
            string what = IsTuple
                ? "new tensors of shapes " + string.Join(", ", plan.Results.Select(r => $"<c>{shapes[r]}</c>"))
                : $"a new tensor of shape <c>{shapes[graph.Output]}</c>";
            w.Line("/// <summary>");
            w.Line($"/// Computes <c>{spec.MethodName}</c> into {what}: the fused equivalent of calling");
            w.Line($"/// <c>{spec.MethodName}</c> itself, which evaluates the expression eagerly.");
            w.Line("/// </summary>");
            w.Line("/// <exception cref=\"global::System.ArgumentNullException\">A tensor argument is null.</exception>");
            w.Line("/// <exception cref=\"global::System.ArgumentException\">A shape contradicts the declared shapes.</exception>");
            w.Line(KernelFileEmitter.GeneratedCodeAttribute);
            using (w.Block($"{spec.Accessibility} static {returnType} {spec.MethodName}Fused({signature})"))
            {
                foreach (KernelParameter p in graph.Parameters.Where(p => p.Kind == ParameterKind.Tensor))
                {
                    w.Line($"global::System.ArgumentNullException.ThrowIfNull({p.Name});");
                }

                EmitBinding(w, checkEveryUse: false);
                for (int r = 0; r < plan.Results.Count; r++)
                {
                    w.Line($"{Tensors}.Tensor<float> {Destinations[r]} = {Tensors}.Tensor.CreateFromShapeUninitialized<float>({DimList(shapes[plan.Results[r]]!)});");
                }

                string arguments = string.Join(", ", graph.Parameters.Select(p => p.Kind == ParameterKind.Tensor ? $"{p.Name}.AsReadOnlyTensorSpan()" : p.Name)
                    .Concat(Destinations.Select(d => d + ".AsTensorSpan()")));
                w.Line($"{spec.MethodName}({arguments});");
                w.Line(IsTuple ? $"return ({string.Join(", ", Destinations)});" : $"return {Destinations[0]};");
            }
        }

        /// <summary>Whether <paramref name="dim"/> is a multiple of one symbol (<c>2*H</c>) that nothing has bound yet: it binds the symbol by division.</summary>
        private bool BindsByDivision(Dim dim) => dim.IsProduct && dim.Factors.Count == 1 && !_boundFrom.ContainsKey(dim.Factors[0]);

        /// <summary>The parameter dimensions that bound a symbol by division (checked by the division itself).</summary>
        private readonly HashSet<(string Parameter, int Dimension)> _bindingUses = new();

        /// <summary>
        /// Checks each tensor's rank and binds each symbol from its first use. With
        /// <paramref name="checkEveryUse"/>, also checks literal sizes and every other use of a symbol;
        /// without (the allocating overload, which only needs the result's shape before it calls the
        /// entry point that checks everything), the ranks alone are checked, so that reading a
        /// dimension is in range and the result is allocated only as large as the arguments' sizes.
        /// </summary>
        private void EmitBinding(CodeWriter w, bool checkEveryUse = true)
        {
            _boundFrom.Clear();
            _bindingUses.Clear();
            w.Line(checkEveryUse
                ? "// Dimension symbols are bound from their first use; every other use must agree."
                : "// Dimension symbols are bound from their first use, to allocate the result; the entry point called below checks every other use.");
            foreach (KernelParameter p in graph.Parameters.Where(p => p.Kind == ParameterKind.Tensor))
            {
                Shape shape = p.Shape!;
                string name = Plain(p);
                w.Line($"{Args}.RequireRank({p.Name}.Lengths, {shape.Rank}, \"{name}\", \"{shape}\");");
                for (int d = 0; d < shape.Rank; d++)
                {
                    Dim dim = shape.Dims[d];
                    string length = $"{p.Name}.Lengths[{d}]";
                    if (BindsByDivision(dim))
                    {
                        // A multiple of one symbol no earlier use has bound (2*H): the symbol is the
                        // length divided by the multiple, which must divide it.
                        string factor = dim.Factors[0];
                        _boundFrom[factor] = name;
                        _bindingUses.Add((p.Name, d));
                        w.Line($"nint {SymbolLocal(factor)} = {Args}.BindMultiple(\"{dim.Symbol}\", {dim.Coefficient}, {length}, \"{name}\");");
                        continue;
                    }

                    if (dim.IsProduct || dim.IsSum || !checkEveryUse && (dim.IsLiteral || _boundFrom.ContainsKey(dim.Symbol!)))
                    {
                        continue; // products and sums are checked below, once every symbol is bound
                    }

                    if (dim.IsLiteral)
                    {
                        w.Line($"{Args}.RequireLength({p.Name}.Lengths, {d}, {SizeLiteral(dim.Size)}, \"{name}\", \"{shape}\");");
                    }
                    else if (_boundFrom.TryGetValue(dim.Symbol!, out string? first))
                    {
                        w.Line($"{Args}.RequireSymbol(\"{dim.Symbol}\", {SymbolLocal(dim.Symbol!)}, \"{first}\", {length}, \"{name}\");");
                    }
                    else
                    {
                        _boundFrom[dim.Symbol!] = name;
                        w.Line($"nint {SymbolLocal(dim.Symbol!)} = {length};");
                    }
                }
            }

            if (!checkEveryUse)
            {
                return;
            }

            // A product or sum dimension ([Shape("H*D")], [Shape("T+1")]) binds nothing: each of its
            // symbols is bound on its own by some parameter, or a multiple of one symbol bound it
            // above (KernelParser checks), so it is checked after all of them.
            foreach (KernelParameter p in graph.Parameters.Where(p => p.Kind == ParameterKind.Tensor))
            {
                for (int d = 0; d < p.Shape!.Rank; d++)
                {
                    Dim dim = p.Shape.Dims[d];
                    if ((dim.IsProduct || dim.IsSum) && !_bindingUses.Contains((p.Name, d)))
                    {
                        string bound = string.Join(", ", dim.Symbols.Select(f => $"{f} in {_boundFrom[f]}"));
                        w.Line($"{Args}.RequireProduct(\"{dim.Symbol}\", {DimExpression(dim)}, \"{bound}\", {p.Name}.Lengths[{d}], \"{Plain(p)}\");");
                    }
                }
            }
        }

        /// <summary>A slice of a dimension whose size is bound at the call is checked at the call.</summary>
        private void EmitSliceChecks(CodeWriter w)
        {
            for (int n = 0; n < graph.Nodes.Count; n++)
            {
                GraphNode node = graph.Nodes[n];
                if (node.Op != Op.Slice)
                {
                    continue;
                }

                Shape operand = shapes[node.Operands[0]]!;
                Dim dim = operand.Dims[ShapeInference.SliceAxis(node, operand.Rank)];
                if (!dim.IsLiteral)
                {
                    int root = NdPlanner.StripViews(graph, node.Operands[0]);
                    string name = graph.Nodes[root].Op == Op.Input ? Plain(graph.Parameters[graph.Nodes[root].Parameter]) : $"intermediate %{root}";
                    string text = graph.TryToExpression(n, 96) ?? "a slice";
                    w.Line($"{Args}.RequireSlice({DimExpression(dim)}, {node.Attributes[1]}, {node.Attributes[2]}, \"{text.Replace("\"", "'")}\", \"{name}\");");
                }
            }
        }

        /// <summary>
        /// A view the kernel cannot read in place (rows that are not contiguous; a reshaped view that is
        /// not dense) is copied, and the entry point runs again on the copies: one branch, taken only
        /// for such views.
        /// </summary>
        private void EmitCopiesOfViews(CodeWriter w)
        {
            var rowAxes = new SortedDictionary<int, int>();
            foreach (RowProgram program in programs.OfType<RowProgram>())
            {
                foreach (RowLeaf leaf in program.Leaves.Where(l => l.Kind == RowLeafKind.Parameter && !l.RowScalar))
                {
                    int last = leaf.Shape.Rank - 1;
                    rowAxes[leaf.Source] = leaf.Permutation.Count == 0 ? last : leaf.Permutation[last];
                }
            }

            var reshaped = new SortedSet<int>(graph.Nodes.Where(n => n.Op == Op.Reshape && graph.Nodes[n.Operands[0]].Op == Op.Input)
                .Select(n => graph.Nodes[n.Operands[0]].Parameter));
            var dense = new SortedSet<int>(reshaped.Concat(graph.Nodes.Where(n => n.Op == Op.Concat)
                .SelectMany(n => n.Operands.Where(o => graph.Nodes[o].Op == Op.Input).Select(o => graph.Nodes[o].Parameter))));
            int[] viewed = rowAxes.Keys.Union(dense).OrderBy(p => p).ToArray();
            if (viewed.Length == 0)
            {
                return;
            }

            string Requirement(int p) => $"{graph.Parameters[p].Name}, {(rowAxes.TryGetValue(p, out int axis) ? axis : -1)}, dense: {(dense.Contains(p) ? "true" : "false")}";
            string Need(int p) => dense.Contains(p) ? $"{Plain(graph.Parameters[p])} dense (it is {(reshaped.Contains(p) ? "reshaped" : "concatenated")})" : $"{Plain(graph.Parameters[p])} contiguous along dimension {rowAxes[p]}";
            w.Line($"// An input the kernel cannot read in place is copied (into arrays from the shared pool, returned afterwards), and the kernel runs on the copies. It needs {string.Join(", ", viewed.Select(Need))}.");
            string[] tests = viewed.Select(p => $"!{Args}.IsReadableInPlace({Requirement(p)})").ToArray();
            for (int i = 0; i < tests.Length; i++)
            {
                w.Line((i == 0 ? "if (" : "    || ") + tests[i] + (i == tests.Length - 1 ? ")" : ""));
            }

            using (w.Indented("{", "}"))
            {
                // The copies are pooled arrays, returned when the call on them ends.
                string arguments = string.Join(", ", graph.Parameters.Select((p, i) => viewed.Contains(i) ? $"{Runtime}::InputCopies.InPlaceOrCopy(ref {Copies}, {Requirement(i)}, \"{Plain(p)}\")" : p.Name).Concat(Destinations));
                w.Line($"{Runtime}::InputCopies {Copies} = default;");
                using (w.Block("try"))
                {
                    w.Line($"{spec.MethodName}({arguments});");
                }

                using (w.Block("finally"))
                {
                    w.Line($"{Copies}.Return();");
                }

                w.Line();
                w.Line("return;");
            }

            w.Line();
        }

        /// <summary>Several results must go to separate memory, strided or not.</summary>
        private void EmitDestinationPairChecks(CodeWriter w)
        {
            for (int i = 0; i < Destinations.Count; i++)
            {
                for (int j = i + 1; j < Destinations.Count; j++)
                {
                    w.Line($"{Args}.RequireSeparateDestinations({Destinations[i]}, \"{Destinations[i]}\", {Destinations[j]}, \"{Destinations[j]}\");");
                }
            }
        }

        /// <summary>
        /// A strided destination gets dense scratch memory: the entry point runs again into the
        /// scratch (where no input can overlap it) and copies the result into the view.
        /// </summary>
        private void EmitScratchDestinations(CodeWriter w)
        {
            w.Line(AnyDirect
                ? "// A destination whose rows are contiguous and separate (a slice of a wider tensor, a permutation of its outer axes) is written in place through its strides when no input shares its memory; any other strided destination (a transpose of the last axis) is computed in dense scratch memory, then copied into."
                : "// A strided destination (a slice of a wider tensor, a transpose) is computed in dense scratch memory, then copied into.");
            string inputs = string.Concat(graph.Parameters.Where(p => p.Kind == ParameterKind.Tensor).Select(p => ", " + p.Name));
            for (int r = 0; r < Destinations.Count; r++)
            {
                string destination = Destinations[r];
                w.Line(DirectRowLengths[r] is string rowLength
                    ? $"float[]? {ScratchOf(destination)} = {Args}.ScratchFor({destination}, \"{destination}\", {rowLength}{inputs});"
                    : $"float[]? {ScratchOf(destination)} = {Args}.ScratchFor({destination}, \"{destination}\");");
            }

            w.Line("if (" + string.Join(" || ", Destinations.Select(d => $"{ScratchOf(d)} is not null")) + ")");
            using (w.Indented("{", "}"))
            {
                string arguments = string.Join(", ", graph.Parameters.Select(p => p.Name).Concat(Destinations.Select(d => $"{Args}.ScratchView({ScratchOf(d)}, {d})")));
                w.Line($"{spec.MethodName}({arguments});");
                foreach (string destination in Destinations)
                {
                    w.Line($"{Args}.CopyBack({ScratchOf(destination)}, {destination});");
                }

                w.Line("return;");
            }

            w.Line();
        }

        /// <summary>The destination is written only by the last group; inputs it reads must not overlap it, except an elementwise read of the very same elements.</summary>
        private void EmitOverlapChecks(CodeWriter w)
        {
            if (IsTuple)
            {
                // Several results: each group writes its own destination while later groups may read
                // the inputs and earlier results, so nothing may share memory with a destination.
                foreach (KernelParameter p in graph.Parameters.Where(p => p.Kind == ParameterKind.Tensor))
                {
                    foreach (string destination in Destinations)
                    {
                        w.Line($"{Args}.RequireDisjointFromResults({p.Name}, \"{Plain(p)}\", {destination}, \"{destination}\");");
                    }
                }

                return;
            }

            NdGroup last = plan.Groups[plan.Groups.Count - 1];
            RowProgram? program = programs[plan.Groups.Count - 1];
            var sameAllowed = new SortedDictionary<int, bool>();
            void Use(int parameter, bool allowed) => sameAllowed[parameter] = allowed && (!sameAllowed.TryGetValue(parameter, out bool before) || before);

            if (program is not null)
            {
                // An input may be the destination itself only where each element is read at the
                // position it is written to: not a vector every row reads along the row (a layer norm's
                // beta against a destination of one value per row, the same length when B = N).
                Shape result = shapes[plan.Results[0]]!;
                foreach (RowLeaf leaf in program.Leaves.Where(l => l.Kind == RowLeafKind.Parameter))
                {
                    Use(leaf.Source, last.Kind == NdGroupKind.Rows && leaf.Permutation.Count == 0 && leaf.Offsets.Count == 0
                        && leaf.RowScalar == program.OutputIsRowScalar && leaf.Shape.Equals(result));
                }

                foreach (int parameter in ParametersReadThroughReshape(program))
                {
                    Use(parameter, false);
                }
            }

            if (last.Kind == NdGroupKind.Contraction)
            {
                foreach (int operand in graph.Nodes[last.Product].Operands)
                {
                    (RowLeafKind kind, int source, _, _) = RowLowering.Resolve(graph, shapes, operand, -1, plan.Materialized.ToList());
                    if (kind == RowLeafKind.Parameter)
                    {
                        Use(source, false);
                    }
                }
            }
            else if (last.Kind == NdGroupKind.Concat)
            {
                // Operands are copied into the destination one after another: none may share its
                // memory. An operand written straight into its place is written by an earlier group,
                // while later ones may still read inputs: then no input may share it.
                EquatableArray<int> operands = graph.Nodes[last.Output].Operands;
                bool placedEarly = operands.Any(Placed.ContainsKey);
                for (int p = 0; p < graph.Parameters.Count; p++)
                {
                    if (graph.Parameters[p].Kind == ParameterKind.Tensor && (placedEarly || operands.Any(o => graph.Nodes[o].Op == Op.Input && graph.Nodes[o].Parameter == p)))
                    {
                        Use(p, false);
                    }
                }
            }
            else if (last.Kind is NdGroupKind.Copy or NdGroupKind.AxisReduction)
            {
                (RowLeafKind kind, int source, _, _) = ViewRead(last);
                if (kind == RowLeafKind.Parameter)
                {
                    Use(source, false);
                }

                // A streamed producer reads its inputs while the destination fills piece by piece.
                if (last.Kind == NdGroupKind.AxisReduction && StreamedProducer(last) is int producer)
                {
                    foreach (int parameter in ParametersRead(programs[producer]!))
                    {
                        Use(parameter, false);
                    }
                }
            }

            foreach (KeyValuePair<int, bool> use in sameAllowed)
            {
                KernelParameter p = graph.Parameters[use.Key];
                w.Line($"{Args}.RequireDisjointOrSame({p.Name}, \"{Plain(p)}\", {Destinations[0]}, \"{Destinations[0]}\", sameAllowed: {(use.Value ? "true" : "false")});");
            }
        }

        /// <summary>
        /// When the last group stores values in the destination before it reads an input that may be
        /// the destination itself (<see cref="RowProgram.ParametersReadAfterStore"/>), an in-place call
        /// with that input is computed into scratch memory and copied in.
        /// </summary>
        private void EmitScratchIfShared(CodeWriter w)
        {
            if (IsTuple || programs[plan.Groups.Count - 1] is not { ParametersReadAfterStore.Count: > 0 } program)
            {
                return;
            }

            string destination = Destinations[0];
            string scratch = _local + destination + "SharedScratch";
            KernelParameter[] read = program.ParametersReadAfterStore.Select(p => graph.Parameters[p]).ToArray();
            string names = string.Join(" or ", read.Select(Plain));
            w.Line();
            w.Line($"// The last group stores values in the destination before it is done reading {names}: an in-place call on {(read.Length == 1 ? "it" : "one of them")} is computed in scratch memory, then copied in.");
            // The runtime compares four inputs per call.
            IEnumerable<string> calls = read.Select((p, i) => (p, i)).GroupBy(x => x.i / 4)
                .Select(g => $"{Args}.ScratchIfShared({destination}, \"{destination}\", {string.Join(", ", g.Select(x => x.p.Name))})");
            w.Line($"float[]? {scratch} = {string.Join(" ?? ", calls)};");
            w.Line($"if ({scratch} is not null)");
            using (w.Indented("{", "}"))
            {
                string arguments = string.Join(", ", graph.Parameters.Select(p => p.Name).Append($"{Args}.ScratchView({scratch}, {destination})"));
                w.Line($"{spec.MethodName}({arguments});");
                w.Line($"{Args}.CopyBack({scratch}, {destination});");
                w.Line("return;");
            }

            w.Line();
        }

        private void EmitGroups(CodeWriter w)
        {
            EmitEachGroup(w);

            // A value returned more than once is computed into its first destination and copied.
            for (int r = 0; r < plan.Results.Count; r++)
            {
                int first = plan.Results.ToList().IndexOf(plan.Results[r]);
                if (first < r)
                {
                    w.Line();
                    w.Line($"// Result {r + 1} is result {first + 1} again: a copy of it.");
                    w.Line($"{MemoryOf(Destinations[first])}.CopyTo({MemoryOf(Destinations[r])});");
                }
            }
        }

        private void EmitEachGroup(CodeWriter w)
        {
            for (int g = 0; g < plan.Groups.Count; g++)
            {
                NdGroup group = plan.Groups[g];
                if (g > 0 || plan.Temporaries.Count == 0)
                {
                    w.Line();
                }

                w.Line($"// Group {g + 1} of {plan.Groups.Count}: {WhatIsWritten(group)}");
                w.Line($"// {group.Reason}");
                string target = BufferOf(group.Output);
                int reduction = StreamedInto(group.Output);
                if (reduction >= 0)
                {
                    w.Line($"// Computed piece by piece by group {reduction + 1}, which reduces each piece while it is in cache.");
                    continue;
                }

                if (group.Kind == NdGroupKind.AxisReduction && StreamedProducer(group) is int producer)
                {
                    EmitStreamedReduction(w, group, producer, target);
                    continue;
                }

                switch (group.Kind)
                {
                    case NdGroupKind.Rows:
                        EmitRows(w, programs[g]!, target);
                        break;
                    case NdGroupKind.Contraction:
                        EmitContraction(w, group, programs[g], target);
                        break;
                    case NdGroupKind.AxisReduction:
                        EmitAxisReduction(w, group, target);
                        break;
                    case NdGroupKind.Concat:
                        EmitConcat(w, group, target);
                        break;
                    default:
                        EmitCopy(w, group, target);
                        break;
                }
            }
        }

        /// <param name="slice">For a streamed producer: the variables holding the first slice along the leading axis and the number of slices.</param>
        private void EmitRows(CodeWriter w, RowProgram program, string target, (string First, string Count)? slice = null)
        {
            var domain = program.Domain.ToList();
            var outerDims = domain.Take(domain.Count - 1).Select(DimExpression).ToList();
            if (slice is { } s)
            {
                outerDims[0] = s.Count;
            }

            string outer = List(outerDims);
            string rowLength = DimExpression(domain[domain.Count - 1]);
            bool splits = program.Passes.All(p => p.Reduction < 0);
            var arguments = new List<string>
            {
                $"new {program.StructName}({string.Join(", ", program.ScalarInputs.Select(p => p.Name))})",
                outer,
                rowLength,
                "rowsMaySplit: " + (splits ? "true" : "false"),
                target,
                program.OutputIsRowScalar ? "1" : rowLength,
            };
            AddLeafArguments(arguments, program, domain, slice?.First);
            AddCompanionArguments(arguments, program);
            AddDestinationStrides(arguments, target);
            w.Line($"{Runtime}::RowRunner.Run(");
            WriteArguments(w, arguments);
        }

        /// <summary>
        /// A reduction over the leading axis of a value no other group reads: the value is computed a
        /// few slices of that axis at a time into a scratch buffer that stays in cache, and each piece
        /// is reduced at once, continuing from the previous pieces (the same order, so the same result).
        /// </summary>
        private void EmitStreamedReduction(CodeWriter w, NdGroup group, int producer, string target)
        {
            NdGroup source = plan.Groups[producer];
            int value = source.Output;
            Shape shape = shapes[value]!;
            string leading = DimExpression(shape.Dims[0]);
            GraphNode reduction = graph.Nodes[group.Output];
            string method = reduction.Op == Op.Mean ? "Sum" : ReductionMethod(reduction.Op);
            w.Line($"// Streamed: {graph.TryToExpression(value, 72) ?? $"%{value}"} (group {producer + 1}) is computed {StreamRows(value)} slices of its first axis at a time and reduced while in cache, so it never goes to memory whole.");
            string first = _local + "__first", count = _local + "__count";
            using (w.Block($"for (nint {first} = 0; {first} == 0 || {first} < {leading}; {first} += {StreamRows(value)})"))
            {
                w.Line($"nint {count} = global::System.Math.Min({StreamRows(value)}, {leading} - {first});");
                EmitRows(w, programs[producer]!, TempName(value), (first, count));

                // The piece is dense [__count, ...]: the view moves its first axis last.
                var lengths = Enumerable.Range(1, shape.Rank - 1).Select(d => DimExpression(shape.Dims[d])).Append(count);
                var strides = Enumerable.Range(1, shape.Rank - 1).Select(d => SourceStride(RowLeafKind.Temporary, value, d)).Append(SourceStride(RowLeafKind.Temporary, value, 0));
                w.Line($"{Runtime}::AxisReduction.{method}({TempName(value)}, {List(lengths)}, {List(strides)}, {target}, continuing: {first} > 0);");
            }

            if (reduction.Op == Op.Mean)
            {
                w.Line();
                w.Line($"{Runtime}::AxisReduction.DivideSums({target}, {Size(shapes[group.Output]!)}, {leading});");
            }
        }

        /// <summary>The group whose output is the producer streamed into <paramref name="group"/> (an in-place reduction), or null.</summary>
        private int? StreamedProducer(NdGroup group)
        {
            int value = graph.Nodes[graph.Nodes[group.Output].Operands[0]].Operands[0];
            return StreamedInto(value) >= 0 ? GroupIndex(g => g.Output == value) : null;
        }

        /// <summary>
        /// The index of the in-place reduction group that computes <paramref name="value"/> piece by
        /// piece, or -1: a scratch value computed by a row group (one row per element of its outer
        /// axes, not one value per row), read only by one transpose that moves its first axis last,
        /// which only that reduction reads.
        /// </summary>
        private int StreamedInto(int value)
        {
            int g = GroupIndex(group => group.Output == value);
            if (g < 0 || plan.Groups[g].Kind != NdGroupKind.Rows || plan.Results.Contains(value) || programs[g] is not { OutputIsRowScalar: false } program || program.Domain.Count != shapes[value]!.Rank)
            {
                return -1;
            }

            int[] users = Users(value);
            if (users.Length != 1 || graph.Nodes[users[0]].Op != Op.Transpose)
            {
                return -1;
            }

            int view = users[0], rank = shapes[value]!.Rank;
            int[] moveFirstLast = Enumerable.Range(1, rank - 1).Append(0).ToArray();
            int[] reductions = Users(view);
            if (reductions.Length != 1 || !ShapeInference.Permutation(graph.Nodes[view], rank)!.SequenceEqual(moveFirstLast))
            {
                return -1;
            }

            return GroupIndex(group => group.Output == reductions[0] && group.Kind == NdGroupKind.AxisReduction);
        }

        /// <summary>The index of the first group that matches, or -1.</summary>
        private int GroupIndex(System.Func<NdGroup, bool> match)
        {
            for (int g = 0; g < plan.Groups.Count; g++)
            {
                if (match(plan.Groups[g]))
                {
                    return g;
                }
            }

            return -1;
        }

        /// <summary>The kernel parameters a row program reads, directly or through a reshape.</summary>
        private IEnumerable<int> ParametersRead(RowProgram program)
            => program.Leaves.Where(l => l.Kind == RowLeafKind.Parameter).Select(l => l.Source).Concat(ParametersReadThroughReshape(program)).Distinct();

        /// <summary>The kernel parameters a row program reads through a reshape (not element for element, so never in place).</summary>
        private IEnumerable<int> ParametersReadThroughReshape(RowProgram program)
            => program.Leaves.Where(l => l.Kind == RowLeafKind.Reshaped && graph.Nodes[graph.Nodes[l.Source].Operands[0]].Op == Op.Input)
                .Select(l => graph.Nodes[graph.Nodes[l.Source].Operands[0]].Parameter);

        private int[] Users(int node) => Enumerable.Range(node + 1, graph.Nodes.Count - node - 1).Where(u => graph.Nodes[u].Operands.Contains(node)).ToArray();

        private string StreamRows(int value) => _local + "__rows" + value.ToString(CultureInfo.InvariantCulture);

        /// <summary>The elements of one slice of a shape along its first axis.</summary>
        private string SliceSize(Shape shape) => shape.Rank == 1 ? "1" : string.Join(" * ", shape.Dims.Skip(1).Select(DimExpression));

        private static string ReductionMethod(Op op) => op switch
        {
            Op.Sum => "Sum",
            Op.Mean => "Mean",
            Op.Prod => "Prod",
            Op.ReduceMax => "Max",
            _ => "Min",
        };

        private void EmitContraction(CodeWriter w, NdGroup group, RowProgram? program, string target)
        {
            Shape productShape = shapes[group.Product]!;
            int batchRank = productShape.Rank - 2;
            GraphNode product = graph.Nodes[group.Product];
            Shape a = shapes[product.Operands[0]]!;
            var arguments = new List<string>();
            bool bare = IsBareProduct(group);
            if (!bare)
            {
                arguments.Add($"new {program!.StructName}({string.Join(", ", program.ScalarInputs.Select(p => p.Name))})");
            }

            arguments.Add(List(productShape.Dims.Take(batchRank).Select(DimExpression)));
            arguments.Add(DimExpression(productShape.Dims[batchRank]));
            arguments.Add(DimExpression(productShape.Dims[batchRank + 1]));
            arguments.Add(DimExpression(a.Dims[a.Rank - 1]));
            foreach (int operand in product.Operands)
            {
                (RowLeafKind kind, int source, int[] permutation, int[] offsets) = RowLowering.Resolve(graph, shapes, operand, -1, plan.Materialized.ToList());
                Shape shape = shapes[operand]!;
                var strides = new List<string>();
                for (int axis = 0; axis < batchRank + 2; axis++)
                {
                    int j = axis - (batchRank + 2 - shape.Rank);
                    strides.Add(j < 0 || axis < batchRank && shape.Dims[j].IsOne ? "0" : SourceStride(kind, source, permutation.Length == 0 ? j : permutation[j]));
                }

                arguments.Add(Memory(kind, source, offsets));
                arguments.Add(List(strides));
            }

            arguments.Add(target);
            if (!bare)
            {
                AddLeafArguments(arguments, program!, productShape.Dims.ToList());
            }

            AddDestinationStrides(arguments, target);

            w.Line($"{Runtime}::Gemm.{(bare ? "Multiply" : "Run")}(");
            WriteArguments(w, arguments);
        }

        /// <summary>
        /// The destination's own strides, when its group writes it in place and it may be a view
        /// (<see cref="DirectRowLengths"/>); a placed Concat operand's, the join's (<see cref="Placed"/>).
        /// </summary>
        private void AddDestinationStrides(List<string> arguments, string target)
        {
            foreach (KeyValuePair<int, Place> placed in Placed)
            {
                if (target == BufferOf(placed.Key))
                {
                    arguments.Add($"destinationStrides: {JoinStrides(placed.Value.Concat)}");
                    return;
                }
            }

            for (int r = 0; r < Destinations.Count; r++)
            {
                if (DirectRowLengths[r] is not null && target == MemoryOf(Destinations[r]))
                {
                    arguments.Add($"destinationStrides: {Destinations[r]}.Strides");
                }
            }
        }

        private void EmitCopy(CodeWriter w, NdGroup group, string target)
            => w.Line($"{Runtime}::StridedCopy.Run({ViewArguments(group)}, {target});");

        /// <summary>
        /// Each operand of a Concat, dense in memory (a scratch buffer, a result, or an input that
        /// <see cref="EmitCopiesOfViews"/> made dense), copied into its place: the result's elements
        /// from its offset along the axis on, through the result's dense strides.
        /// </summary>
        private void EmitConcat(CodeWriter w, NdGroup group, string target)
        {
            EquatableArray<int> operands = graph.Nodes[group.Output].Operands;
            string?[] offsets = JoinOffsets(group.Output);
            int[] inPlace = Enumerable.Range(0, operands.Count).Where(k => Placed.ContainsKey(operands[k])).ToArray();
            if (inPlace.Length > 0)
            {
                w.Line($"// Already in place, written there by the groups that computed them: operand{(inPlace.Length == 1 ? "" : "s")} {string.Join(", ", inPlace.Select(k => (k + 1).ToString(CultureInfo.InvariantCulture)))}.");
            }

            for (int k = 0; k < operands.Count; k++)
            {
                int operand = operands[k];
                if (Placed.ContainsKey(operand))
                {
                    continue;
                }

                string source = graph.Nodes[operand].Op == Op.Input ? $"{Args}.Memory({graph.Parameters[graph.Nodes[operand].Parameter].Name})" : BufferOf(operand);
                string place = offsets[k] is string offset ? $"{Args}.Into({target}, {offset})" : target;
                w.Line($"{Runtime}::StridedCopy.Scatter({source}, {DimList(shapes[operand]!)}, {JoinStrides(group.Output)}, {place});");
            }
        }

        private void EmitAxisReduction(CodeWriter w, NdGroup group, string target)
            => w.Line($"{Runtime}::AxisReduction.{ReductionMethod(graph.Nodes[group.Output].Op)}({ViewArguments(group)}, {target});");

        /// <summary>The strided view a copy or an in-place reduction reads: a copy's output, a reduction's operand.</summary>
        private int ViewOf(NdGroup group) => group.Kind == NdGroupKind.AxisReduction ? graph.Nodes[group.Output].Operands[0] : group.Output;

        private (RowLeafKind Kind, int Source, int[] Permutation, int[] Offsets) ViewRead(NdGroup group)
            => RowLowering.Resolve(graph, shapes, ViewOf(group), -1, plan.Materialized.Where(t => t != group.Output).ToList());

        /// <summary>The view's memory, lengths and strides, as the runtime's strided copy and reduction take them.</summary>
        private string ViewArguments(NdGroup group)
        {
            (RowLeafKind kind, int source, int[] permutation, int[] offsets) = ViewRead(group);
            Shape shape = shapes[ViewOf(group)]!;
            string strides = List(Enumerable.Range(0, shape.Rank).Select(d => SourceStride(kind, source, permutation.Length == 0 ? d : permutation[d])));
            return $"{Memory(kind, source, offsets)}, {DimList(shape)}, {strides}";
        }

        /// <summary>
        /// Each leaf's memory and its strides aligned to the domain (0 where broadcast; the row's own
        /// stride last); from slice <paramref name="first"/> of the leading axis when set.
        /// </summary>
        private void AddLeafArguments(List<string> arguments, RowProgram program, List<Dim> domain, string? first = null)
        {
            int rank = domain.Count;
            foreach (RowLeaf leaf in program.Leaves.Where(l => l.Slot >= 0).OrderBy(l => l.Slot))
            {
                var strides = new List<string>();
                for (int axis = 0; axis < rank; axis++)
                {
                    int j = axis - (rank - leaf.Shape.Rank);
                    if (j < 0 || leaf.Shape.Dims[j].IsOne)
                    {
                        strides.Add("0");
                    }
                    else if (axis == rank - 1)
                    {
                        strides.Add("1"); // contiguous: checked above for parameters, dense for scratch buffers
                    }
                    else
                    {
                        strides.Add(SourceStride(leaf.Kind, leaf.Source, leaf.Permutation.Count == 0 ? j : leaf.Permutation[j]));
                    }
                }

                string slot = leaf.Slot.ToString(CultureInfo.InvariantCulture);
                string memory = Memory(leaf.Kind, leaf.Source, leaf.Offsets.ToArray());
                if (first is not null && strides[0] != "0")
                {
                    memory = $"{Args}.From({memory}, {first} * ({strides[0]}))";
                }

                arguments.Add($"input{slot}: {memory}");
                arguments.Add($"strides{slot}: {List(strides)}");
            }
        }

        /// <summary>
        /// The memory of the other values a row group writes (<see cref="NdGroup.Companions"/>), in
        /// the operand slots after its leaves: a result's destination (through its strides when its
        /// rows are contiguous, else densely), a piece's place in its join (through the join's
        /// strides), or a scratch buffer.
        /// </summary>
        private void AddCompanionArguments(List<string> arguments, RowProgram program)
        {
            for (int k = 0; k < program.Companions.Count; k++)
            {
                int node = program.Companions[k];
                Shape shape = shapes[node]!;
                string? direct = plan.Results.Contains(node) && DirectRowLengths[plan.Results.ToList().IndexOf(node)] is not null ? DestinationOf(node) : null;
                int? join = Placed.TryGetValue(node, out Place place) ? place.Concat : null;
                // A size-1 dimension takes stride 0, as for inputs: one value per row is written at the row's first element.
                IEnumerable<string> strides = Enumerable.Range(0, shape.Rank)
                    .Select(axis => shape.Dims[axis].IsOne ? "0"
                        : join is int concat ? SourceStride(RowLeafKind.Temporary, concat, axis)
                        : axis == shape.Rank - 1 ? "1"
                        : direct is not null ? $"{direct}.Strides[{axis}]"
                        : SourceStride(RowLeafKind.Temporary, node, axis));
                string slot = program.CompanionSlot(k).ToString(CultureInfo.InvariantCulture);
                arguments.Add($"input{slot}: {BufferOf(node)}");
                arguments.Add($"strides{slot}: {List(strides)}");
            }
        }

        /// <summary>How a group's comment names what it writes: the expression of a short value, else which result or intermediate it is.</summary>
        private string WhatIsWritten(NdGroup group)
        {
            if (group.Companions.Count == 0)
            {
                return graph.TryToExpression(group.Output, 96) ?? (plan.Results.Contains(group.Output) ? IsTuple ? $"result {ResultNumber(group.Output)}" : "the result" : $"the intermediate %{group.Output}");
            }

            if (group.Outputs.All(plan.Results.Contains))
            {
                string[] numbers = group.Outputs.Select(ResultNumber).OrderBy(n => int.Parse(n, CultureInfo.InvariantCulture)).ToArray();
                return $"results {string.Join(", ", numbers.Take(numbers.Length - 1))} and {numbers[numbers.Length - 1]}";
            }

            string[] names = group.Outputs.OrderBy(o => o).Select(o => plan.Results.Contains(o) ? $"result {ResultNumber(o)}" : graph.TryToExpression(o, 96) ?? $"the intermediate %{o}").ToArray();
            return string.Join("; ", names);
        }

        /// <summary>A result's place in the tuple, from 1, as the destinations are numbered.</summary>
        private string ResultNumber(int node) => (plan.Results.ToList().IndexOf(node) + 1).ToString(CultureInfo.InvariantCulture);

        private static void WriteArguments(CodeWriter w, List<string> arguments)
        {
            for (int i = 0; i < arguments.Count; i++)
            {
                w.Line("    " + arguments[i] + (i == arguments.Count - 1 ? ");" : ","));
            }
        }

        /// <summary>The memory a leaf is read from: its source's, from the view's first element when it slices.</summary>
        private string Memory(RowLeafKind kind, int source, int[] offsets)
        {
            string memory = kind switch
            {
                RowLeafKind.Parameter => $"{Args}.Memory({graph.Parameters[source].Name})",
                RowLeafKind.Reshaped => ReshapedMemory(source),
                _ => BufferOf(source),
            };
            if (offsets.Length == 0)
            {
                return memory;
            }

            var terms = new List<string>();
            for (int i = 0; i < offsets.Length; i += 2)
            {
                terms.Add($"{offsets[i + 1].ToString(CultureInfo.InvariantCulture)} * ({SourceStride(kind, source, offsets[i])})");
            }

            return $"{Args}.From({memory}, {string.Join(" + ", terms)})";
        }

        /// <summary>The memory under a reshape: its operand's (a dense parameter or a scratch buffer).</summary>
        private string ReshapedMemory(int reshape)
        {
            GraphNode operand = graph.Nodes[graph.Nodes[reshape].Operands[0]];
            return operand.Op == Op.Input ? $"{Args}.Memory({graph.Parameters[operand.Parameter].Name})" : BufferOf(graph.Nodes[reshape].Operands[0]);
        }

        /// <summary>The stride of dimension <paramref name="axis"/> of a parameter (from its span) or a dense scratch buffer.</summary>
        private string SourceStride(RowLeafKind kind, int source, int axis)
        {
            if (kind == RowLeafKind.Parameter)
            {
                return $"{graph.Parameters[source].Name}.Strides[{axis}]";
            }

            Shape shape = shapes[source]!;
            string[] later = shape.Dims.Skip(axis + 1).Select(DimExpression).ToArray();
            return later.Length == 0 ? "1" : string.Join(" * ", later);
        }

        private string Size(Shape shape) => shape.Rank == 0 ? "1" : string.Join(" * ", shape.Dims.Select(DimExpression));

        private string DimList(Shape shape) => List(shape.Dims.Select(DimExpression));

        /// <summary>
        /// A list of sizes or strides as the runtime takes it: <c>Dims.Of(...)</c>, which costs the C#
        /// compiler less than a collection expression converted to a span (see the runtime's Dims);
        /// <c>[]</c> when empty.
        /// </summary>
        private static string List(IEnumerable<string> items)
        {
            var list = items.ToList();
            return list.Count == 0 ? "[]"
                : list.Count > DimsCapacity ? "[" + string.Join(", ", list) + "]"
                : $"{Runtime}::Dims.Of({string.Join(", ", list)})";
        }

        /// <summary>A dimension's size as C#: a literal, a symbol's local, or a product or sum of them in parentheses.</summary>
        private string DimExpression(Dim dim)
        {
            if (dim.IsLiteral)
            {
                return SizeLiteral(dim.Size);
            }

            if (dim.IsSum)
            {
                return "(" + string.Join(" + ", dim.Terms.Select(DimExpression)) + ")";
            }

            if (!dim.IsProduct)
            {
                return SymbolLocal(dim.Symbol!);
            }

            IEnumerable<string> factors = dim.Factors.Select(SymbolLocal);
            return "(" + string.Join(" * ", dim.Coefficient == 1 ? factors : factors.Prepend(SizeLiteral(dim.Coefficient))) + ")";
        }

        /// <summary>
        /// A literal size as C# of type <see langword="nint"/>: a long constant past the range of int
        /// does not convert to nint implicitly (a [Shape("8589934592")], or a join of two halves that
        /// large), so it is cast.
        /// </summary>
        private static string SizeLiteral(long size)
            => size is >= int.MinValue and <= int.MaxValue
                ? size.ToString(CultureInfo.InvariantCulture)
                : "(nint)" + size.ToString(CultureInfo.InvariantCulture) + "L";

        private string SymbolLocal(string symbol) => _local + "dim_" + symbol;

        private string TempName(int node) => _local + "tmp" + node.ToString(CultureInfo.InvariantCulture);

        private static string Plain(KernelParameter p) => p.Name.TrimStart('@');

        private static string Describe(NdPlan plan) => plan.Groups.Count == 1
            ? "one fused kernel"
            : $"{plan.Groups.Count} fused kernels ({string.Join(", ", plan.Groups.Select(g => g.Kind.ToString().ToLowerInvariant()))})";

        private string DescribeDestinations() => IsTuple
            ? string.Join(", ", plan.Results.Select((r, i) => $"<paramref name=\"{Destinations[i]}\"/> (shape <c>{shapes[r]}</c>)"))
            : $"<paramref name=\"{Destinations[0]}\"/>, of shape <c>{shapes[graph.Output]}</c>";

        private static IReadOnlyList<string> DestinationNames(EquatableArray<KernelParameter> parameters, int count)
        {
            var names = new List<string>();
            for (int i = 0; i < count; i++)
            {
                string name = count == 1 ? "destination" : "destination" + (i + 1).ToString(CultureInfo.InvariantCulture);
                while (parameters.Any(p => p.Name.TrimStart('@') == name))
                {
                    name += "_";
                }

                names.Add(name);
            }

            return names;
        }
    }
}
