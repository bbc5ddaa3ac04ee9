using System.Collections.Generic;
using System.Linq;
using KernelDsl.Compiler.Common;
using KernelDsl.Compiler.Graph;
using KernelDsl.Compiler.Shapes;
using KernelDsl.Generators.Diagnostics;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace KernelDsl.Generators.Parsing;

/// <summary>
/// Calls from one kernel to another: the callee's body is inlined into the caller's graph, its
/// parameters standing for the caller's arguments, so the two fuse as if written out in one body
/// (what the call computes eagerly). The arguments must fit the callee's declared shapes, its
/// dimension symbols standing for the caller's dimensions (KD0012 otherwise, on the argument). A
/// callee that returns a tuple is returned whole, deconstructed into new locals, or one of its
/// results is read by name or position (<c>Moments(x).Variance</c>, <c>.Item2</c>).
/// </summary>
internal sealed partial class BodyLowering
{
    /// <summary>How deep kernels may call kernels; deeper nesting is reported rather than followed.</summary>
    private const int MaxInlineDepth = 16;

    /// <summary>Why this body (or a kernel it inlines) could not inline a call, when the reason is the chain of calls itself rather than one body's content: each caller up the chain reports it on its own call.</summary>
    private ChainProblem _chainProblem;

    private enum ChainProblem
    {
        None,
        /// <summary>A call to a kernel that is being inlined already.</summary>
        Recursion,
        /// <summary>Kernels calling kernels more than <see cref="MaxInlineDepth"/> levels deep.</summary>
        TooDeep,
    }

    private int? LowerKernelCall(IInvocationOperation invocation, IMethodSymbol callee)
    {
        string name = $"{callee.ContainingType?.Name}.{callee.Name}";
        if (_callers.Any(caller => SymbolEqualityComparer.Default.Equals(caller.OriginalDefinition, callee.OriginalDefinition)))
        {
            return ChainFailure(ChainProblem.Recursion, invocation, name);
        }

        if (_callers.Count >= MaxInlineDepth)
        {
            return ChainFailure(ChainProblem.TooDeep, invocation, name);
        }

        if (!_callees.TryGetValue(callee, out Callee? read))
        {
            read = ReadCallee(callee, invocation.SemanticModel?.Compilation);
            _callees[callee] = read;
        }

        if (read.Body is null)
        {
            if (read.IsInSource)
            {
                Report(invocation, $"the call to kernel '{name}', whose declaration is not valid,", "fix the errors reported on its declaration");
            }
            else
            {
                Report(invocation, $"the call to kernel '{name}', which is compiled in another assembly,",
                    "a kernel inlines only kernels whose source is in its own project; call that kernel's fused overload from ordinary code, or write its body out here");
            }

            return null;
        }

        IOperation[] arguments = ArgumentsInOrder(invocation);
        var nodes = new int[arguments.Length];
        bool failed = arguments.Length != callee.Parameters.Length;
        for (int i = 0; i < arguments.Length; i++)
        {
            // Every argument is lowered, even after a failure, so every problem in them is reported.
            if (Lower(arguments[i]) is int node)
            {
                nodes[i] = node;
            }
            else
            {
                failed = true;
            }
        }

        if (failed || !ArgumentsFitDeclaredShapes(name, read.Parameters, arguments, nodes))
        {
            return null;
        }

        var callers = _callers.Concat(new[] { callee }).ToArray();
        var nested = new BodyLowering(_builder, callee, nodes, callers, _callees);
        int? output = nested.LowerMethodBody(read.Body);
        if (nested._chainProblem != ChainProblem.None)
        {
            // Found further down the chain (the callee calls back into a kernel being inlined, or
            // the chain is too deep): reported here, on this body's call into it.
            return ChainFailure(nested._chainProblem, invocation, name);
        }

        if (nested.HasCompileErrors && nested._diagnostics.Count == 0)
        {
            // The callee does not compile yet (mid-edit): the C# compiler reports why, there.
            HasCompileErrors = true;
            return null;
        }

        if (output is null || nested._diagnostics.Count > 0)
        {
            Report(invocation, $"the call to kernel '{name}', whose body has errors,", "fix the errors reported in its body");
            return null;
        }

        return output;
    }

    private int? ChainFailure(ChainProblem problem, IInvocationOperation invocation, string name)
    {
        _chainProblem = problem;
        if (problem == ChainProblem.Recursion)
        {
            Report(invocation, $"the recursive call to '{name}'",
                "calls between kernels are inlined, so a kernel cannot call itself, directly or through other kernels; write the computation out");
        }
        else
        {
            Report(invocation, $"the call to kernel '{name}', which calls kernels more than {MaxInlineDepth} levels deep,",
                $"calls between kernels are inlined, up to {MaxInlineDepth} levels deep; write some of the computation out");
        }

        return null;
    }

    /// <summary>
    /// A called kernel's declaration and bound body, read once per kernel being compiled however
    /// often it is called (binding a body is the front end's most expensive step). The body is null
    /// when the kernel cannot be inlined: compiled in another assembly, or its declaration invalid.
    /// </summary>
    private sealed record Callee(bool IsInSource, string? Text, EquatableArray<KernelParameter> Parameters, IOperation? Body);

    private static Callee ReadCallee(IMethodSymbol callee, Compilation? compilation)
    {
        MethodDeclarationSyntax? syntax = KernelParser.DeclarationOf(callee);
        if (syntax is null || compilation is null)
        {
            return new Callee(false, null, EquatableArray<KernelParameter>.Empty, null);
        }

        if (!KernelParser.ReadDeclaration(callee, syntax, new List<DiagnosticInfo>(), out EquatableArray<KernelParameter> parameters, out _))
        {
            return new Callee(true, syntax.ToString(), parameters, null);
        }

        IOperation? body = compilation.GetSemanticModel(syntax.SyntaxTree).GetOperation(syntax);
        return new Callee(true, syntax.ToString(), parameters, body);
    }

    /// <summary>
    /// One result of a kernel that returns several (<c>Moments(x).Variance</c>, or <c>.Item2</c>):
    /// the callee is inlined and the element taken from its tuple, so only what the caller reads is
    /// computed (the graph keeps only live nodes).
    /// </summary>
    private int? LowerResultOfKernelCall(IInvocationOperation call, IFieldSymbol element)
    {
        if (Lower(call) is not int tuple)
        {
            return null;
        }

        IFieldSymbol position = element.CorrespondingTupleField ?? element;
        int index = element.ContainingType.TupleElements.ToList()
            .FindIndex(e => SymbolEqualityComparer.Default.Equals(e.CorrespondingTupleField ?? e, position));
        GraphNode node = _builder[tuple];
        return node.Op == Op.Tuple && index >= 0 && index < node.Operands.Count
            ? node.Operands[index]
            : throw new System.InvalidOperationException($"element {element.Name} of the call to '{call.TargetMethod.Name}' is not one of its results");
    }

    /// <summary>
    /// <c>var (mean, variance) = Moments(x);</c>: each declared local (a discard takes nothing) is
    /// the corresponding result of the inlined kernel.
    /// </summary>
    private void DeconstructKernelCall(IDeconstructionAssignmentOperation deconstruction, IInvocationOperation call)
    {
        IOperation targets = deconstruction.Target is IDeclarationExpressionOperation declaration ? declaration.Expression : deconstruction.Target;
        if (targets is not ITupleOperation tuple)
        {
            HasCompileErrors = true; // C# deconstructs only into tuples; anything else does not compile
            return;
        }

        if (Lower(call) is not int results)
        {
            return;
        }

        GraphNode node = _builder[results];
        for (int i = 0; i < tuple.Elements.Length && node.Op == Op.Tuple && i < node.Operands.Count; i++)
        {
            IOperation target = tuple.Elements[i] is IDeclarationExpressionOperation { Expression: { } declared } ? declared : tuple.Elements[i];
            switch (target)
            {
                case ILocalReferenceOperation { IsDeclaration: true } local:
                    _locals[local.Local] = node.Operands[i];
                    break;
                case IDiscardOperation:
                    break;
                default:
                    Report(target, $"assigning to '{Snippet(target)}'", "declare the results as new locals: var (a, b) = Kernel(x);");
                    break;
            }
        }
    }

    /// <summary>
    /// Whether each tensor argument has the shape its parameter declares, the callee's symbols bound
    /// from the arguments in order (a symbol's first use binds it to the caller's dimension there;
    /// every other use must be provably that dimension). Reports KD0012 on the first argument that
    /// does not fit. A callee without [Shape] declarations takes any shapes, as its body does eagerly;
    /// so does a caller whose own shapes are not declared (its shapes are checked when implied).
    /// </summary>
    private bool ArgumentsFitDeclaredShapes(string callee, EquatableArray<KernelParameter> parameters, IOperation[] arguments, int[] nodes)
    {
        var bound = new Dictionary<string, (Dim Dim, string Parameter)>(System.StringComparer.Ordinal);
        // Products (H*D) and sums (T+1) are checked after every symbol they use has been bound.
        var products = new List<(int Argument, int Axis, Dim Declared)>();
        for (int i = 0; i < parameters.Count; i++)
        {
            if (parameters[i].Shape is not { } declared || ShapeOf(nodes[i]) is not { } actual)
            {
                continue;
            }

            string parameter = parameters[i].Name.TrimStart('@');
            if (actual.Rank != declared.Rank)
            {
                return ShapeMismatch(arguments[i], $"the argument '{Snippet(arguments[i])}' has shape {actual}, but '{callee}' declares its parameter '{parameter}' {declared} (rank {declared.Rank}, not {actual.Rank})");
            }

            for (int axis = 0; axis < declared.Rank; axis++)
            {
                Dim want = declared.Dims[axis], have = actual.Dims[axis];
                if (want.IsProduct || want.IsSum)
                {
                    products.Add((i, axis, want));
                }
                else if (want.IsLiteral)
                {
                    if (!Dim.ProvablyEqual(want, have))
                    {
                        return ShapeMismatch(arguments[i], $"the argument '{Snippet(arguments[i])}' has shape {actual}, but '{callee}' declares its parameter '{parameter}' {declared}: dimension {axis} must be {want}, not {have}");
                    }
                }
                else if (!bound.TryGetValue(want.Symbol!, out var first))
                {
                    bound[want.Symbol!] = (have, parameter);
                }
                else if (!Dim.ProvablyEqual(first.Dim, have))
                {
                    return ShapeMismatch(arguments[i], $"in the call to '{callee}', {want} is {first.Dim} in '{first.Parameter}' but {have} in '{parameter}' (argument '{Snippet(arguments[i])}')");
                }
            }
        }

        foreach ((int i, int axis, Dim declared) in products)
        {
            Dim have = ShapeOf(nodes[i])!.Dims[axis];
            // Each factor is some parameter's dimension on its own (KernelParser checks that), but
            // that argument's shape may be unknown here (a shape error reported elsewhere).
            if (declared.Symbols.Any(symbol => !bound.ContainsKey(symbol)))
            {
                continue;
            }

            if (Substitute(declared, bound) is { } want && !Dim.ProvablyEqual(want, have))
            {
                string parameter = parameters[i].Name.TrimStart('@');
                return ShapeMismatch(arguments[i], $"in the call to '{callee}', dimension {axis} of '{parameter}' is declared {declared}, which is {want} here, but the argument '{Snippet(arguments[i])}' has {have}");
            }
        }

        return true;
    }

    /// <summary>
    /// A declared product or sum with each symbol replaced by the caller's dimension it stands for,
    /// multiplied out (<c>H*D</c> with <c>D</c> standing for <c>T+1</c> is <c>H*T+H</c>); null if its
    /// size overflows 64 bits.
    /// </summary>
    private static Dim? Substitute(Dim declared, Dictionary<string, (Dim Dim, string Parameter)> bound)
    {
        Dim? total = Dim.Literal(0);
        foreach (Dim term in declared.Terms)
        {
            Dim? value = Dim.Literal(term.Coefficient);
            foreach (string factor in term.Factors)
            {
                value = value is Dim v ? Dim.Multiply(v, bound[factor].Dim) : null;
            }

            total = total is Dim t && value is Dim add ? Dim.Sum(t, add) : null;
        }

        return total;
    }

    private bool ShapeMismatch(IOperation argument, string message)
    {
        _diagnostics.Add(DiagnosticInfo.Create(KernelDiagnostics.ArgumentShapeMismatch, LocationInfo.From(argument.Syntax), message));
        return false;
    }
}
