using System.Collections.Generic;
using System.Linq;
using KernelDsl.Compiler.Common;
using KernelDsl.Compiler.Graph;
using KernelDsl.Compiler.Loops;

namespace KernelDsl.Compiler.Rendering;

/// <summary>
/// Writes the generated C# file of one kernel: the header, the entry points (destination-passing
/// overloads over spans and tensor spans, and the allocating <c>NameFused</c>), which validate the
/// arguments and hand the operands to the runtime, and the fused loop struct.
/// </summary>
public static class KernelFileEmitter
{
    public const string GeneratorName = "KernelDsl.Generators";
    public const string GeneratorVersion = "0.1.0";
    public const string GeneratedCodeAttribute = "[global::System.CodeDom.Compiler.GeneratedCode(\"" + GeneratorName + "\", \"" + GeneratorVersion + "\")]";

    private const string Tensors = "global::System.Numerics.Tensors";
    private const string Args = CSharpLoopRenderer.Runtime + "::KernelArguments";

    public static string Emit(KernelSpec spec, LoopProgram program, IReadOnlyList<(string Stage, string Text)>? stageDumps = null)
        => GeneratedFile.Write(spec, stageDumps, w =>
        {
            string destination = DestinationName(spec.Graph.Parameters);
            EmitSpanOverload(w, spec, program, destination);
            w.Line();
            EmitTensorSpanOverload(w, spec, destination);
            w.Line();
            EmitAllocatingOverload(w, spec, destination);
            w.Line();
            CSharpLoopRenderer.Render(w, spec, program);
        });

    private static void EmitSpanOverload(CodeWriter w, KernelSpec spec, LoopProgram program, string destination)
    {
        string signature = ParameterList(spec, "global::System.ReadOnlySpan<float>", "global::System.Span<float> " + destination);

        w.Line("/// <summary>");
        w.Line($"/// Computes <c>{spec.MethodName}</c> elementwise into <paramref name=\"{destination}\"/> in one fused pass over memory.");
        w.Line($"/// <paramref name=\"{destination}\"/> may be the same memory as an input (in place), but must not partially overlap one.");
        w.Line("/// </summary>");
        w.Line("/// <exception cref=\"global::System.ArgumentException\">An input's length differs from the destination's, or an input partially overlaps it.</exception>");
        w.Line(GeneratedCodeAttribute);
        using (w.Block($"{spec.Accessibility} static void {spec.MethodName}({signature})"))
        {
            foreach (KernelParameter p in program.TensorInputs)
            {
                w.Line($"{Args}.RequireSameLength({p.Name}.Length, \"{Plain(p)}\", {destination}.Length, \"{destination}\");");
            }

            foreach (KernelParameter p in program.TensorInputs)
            {
                w.Line($"{Args}.RequireNoPartialOverlap({p.Name}, \"{Plain(p)}\", {destination}, \"{destination}\");");
            }

            string loop = CSharpLoopRenderer.StructName(spec.MethodName);
            string scalars = string.Join(", ", program.ScalarInputs.Select(p => p.Name));
            string inputs = string.Concat(program.TensorInputs.Select(p => ", " + p.Name));
            w.Line($"{CSharpLoopRenderer.Runtime}::ElementwiseRunner.Run(new {loop}({scalars}), {destination}{inputs});");
        }
    }

    private static void EmitTensorSpanOverload(CodeWriter w, KernelSpec spec, string destination)
    {
        IEnumerable<KernelParameter> parameters = spec.Graph.Parameters;
        string signature = ParameterList(spec, $"in {Tensors}.ReadOnlyTensorSpan<float>", $"in {Tensors}.TensorSpan<float> {destination}");

        w.Line("/// <summary>");
        w.Line($"/// Computes <c>{spec.MethodName}</c> elementwise into <paramref name=\"{destination}\"/> in one fused pass over memory.");
        w.Line("/// Every tensor argument must have the destination's shape; strided inputs are copied first (into pooled arrays), and a strided destination is computed in scratch memory and copied into.");
        w.Line("/// </summary>");
        w.Line("/// <exception cref=\"global::System.ArgumentException\">A shape differs from the destination's, the destination's elements share memory, or an input partially overlaps it.</exception>");
        w.Line(GeneratedCodeAttribute);
        using (w.Block($"{spec.Accessibility} static void {spec.MethodName}({signature})"))
        {
            foreach (KernelParameter p in parameters.Where(p => p.Kind == ParameterKind.Tensor))
            {
                w.Line($"{Args}.RequireSameShape({p.Name}.Lengths, \"{Plain(p)}\", {destination}.Lengths, \"{destination}\");");
            }

            // A strided input (a transpose, a slice) is copied to dense memory first, into pooled
            // arrays returned afterwards; a strided destination is computed in scratch memory, then copied into.
            string local = GeneratedLocals.Prefix(spec.Graph.Parameters);
            string scratch = local + destination + "Scratch", copies = local + "__copies";
            w.Line($"float[]? {scratch} = {Args}.ScratchFor({destination}, \"{destination}\");");
            w.Line($"{CSharpLoopRenderer.Runtime}::InputCopies {copies} = default;");
            using (w.Block("try"))
            {
                string arguments = ArgumentList(spec, p => $"{CSharpLoopRenderer.Runtime}::InputCopies.DenseSpan(ref {copies}, {p.Name}, \"{Plain(p)}\")", $"{Args}.ScratchSpan({scratch}, {destination}, \"{destination}\")");
                w.Line($"{spec.MethodName}({arguments});");
                w.Line($"{Args}.CopyBack({scratch}, {destination});");
            }

            using (w.Block("finally"))
            {
                w.Line($"{copies}.Return();");
            }
        }
    }

    private static void EmitAllocatingOverload(CodeWriter w, KernelSpec spec, string destination)
    {
        IReadOnlyList<KernelParameter> parameters = spec.Graph.Parameters.ToList();
        KernelParameter first = parameters.First(p => p.Kind == ParameterKind.Tensor);
        string signature = ParameterList(spec, $"{Tensors}.Tensor<float>", destination: null);

        w.Line("/// <summary>");
        w.Line($"/// Computes <c>{spec.MethodName}</c> in one fused pass into a new tensor of <paramref name=\"{first.Name.TrimStart('@')}\"/>'s shape:");
        w.Line($"/// the fused equivalent of calling <c>{spec.MethodName}</c> itself, which evaluates the expression eagerly.");
        w.Line("/// </summary>");
        w.Line("/// <exception cref=\"global::System.ArgumentNullException\">A tensor argument is null.</exception>");
        w.Line("/// <exception cref=\"global::System.ArgumentException\">The tensors' shapes differ.</exception>");
        w.Line(GeneratedCodeAttribute);
        using (w.Block($"{spec.Accessibility} static {Tensors}.Tensor<float> {spec.MethodName}Fused({signature})"))
        {
            foreach (KernelParameter p in parameters.Where(p => p.Kind == ParameterKind.Tensor))
            {
                w.Line($"global::System.ArgumentNullException.ThrowIfNull({p.Name});");
            }

            w.Line($"{Tensors}.Tensor<float> {destination} = {Tensors}.Tensor.CreateFromShapeUninitialized<float>({first.Name}.Lengths);");
            string arguments = ArgumentList(spec, p => p.Name + ".AsReadOnlyTensorSpan()", destination + ".AsTensorSpan()");
            w.Line($"{spec.MethodName}({arguments});");
            w.Line($"return {destination};");
        }
    }

    /// <summary>The kernel's parameters with tensors declared as <paramref name="tensorType"/>, then <paramref name="destination"/> if any.</summary>
    private static string ParameterList(KernelSpec spec, string tensorType, string? destination)
        => string.Join(", ", spec.Graph.Parameters.Select(p => (p.Kind == ParameterKind.Tensor ? tensorType : "float") + " " + p.Name)
            .Concat(destination is null ? Enumerable.Empty<string>() : new[] { destination }));

    /// <summary>The kernel's arguments with tensors passed as <paramref name="tensorArgument"/> makes them, then the destination.</summary>
    private static string ArgumentList(KernelSpec spec, System.Func<KernelParameter, string> tensorArgument, string destination)
        => string.Join(", ", spec.Graph.Parameters.Select(p => p.Kind == ParameterKind.Tensor ? tensorArgument(p) : p.Name).Concat(new[] { destination }));

    /// <summary>"destination", unless a kernel parameter already has that name.</summary>
    private static string DestinationName(EquatableArray<KernelParameter> parameters)
    {
        string name = "destination";
        while (parameters.Any(p => p.Name.TrimStart('@') == name))
        {
            name += "_";
        }

        return name;
    }

    private static string Plain(KernelParameter parameter) => parameter.Name.TrimStart('@');
}
