using System.Collections.Generic;
using System.Linq;
using KernelDsl.Compiler.Graph;
using KernelDsl.Generators.Diagnostics;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;
using System.Runtime.CompilerServices;
using KernelDsl.Composites;

namespace KernelDsl.Generators.Parsing;

/// <summary>
/// The C# front end: turns the bound operation tree of a kernel body into graph nodes. Each
/// construct it does not support becomes a KD0005 diagnostic on that construct; it never throws on
/// user code. When the body does not bind (the user is mid-edit) it gives up quietly, since the C#
/// compiler already reports why.
/// </summary>
internal sealed partial class BodyLowering
{
    private static readonly string Supported = "a kernel body may use the Tensor<float> operators + - * / and unary -, float literals and parameters, 'var' locals, the functions of KernelDsl.Ops and other [Kernel] methods, and MathF."
        + OpsCatalog.MathFFunctionList + " on float values";

    private readonly GraphBuilder _builder;
    private readonly Dictionary<ILocalSymbol, int> _locals = new(SymbolEqualityComparer.Default);
    private readonly List<DiagnosticInfo> _diagnostics = new();
    private readonly Dictionary<int, LocationInfo?> _nodeLocations = new();

    /// <summary>For an inlined kernel's body: the caller's node for each parameter (by ordinal); null for the kernel being compiled.</summary>
    private readonly int[]? _arguments;

    /// <summary>The kernels whose bodies are being lowered, outermost first: a call to one of them again would recurse.</summary>
    private readonly IReadOnlyList<IMethodSymbol> _callers;

    /// <summary>Every kernel called so far, as read, shared with the nested lowerings.</summary>
    private readonly Dictionary<IMethodSymbol, Callee> _callees;

    private BodyLowering(GraphBuilder builder, IMethodSymbol method, int[]? arguments = null, IReadOnlyList<IMethodSymbol>? callers = null, Dictionary<IMethodSymbol, Callee>? callees = null)
    {
        _builder = builder;
        _arguments = arguments;
        _callers = callers ?? new[] { method };
        _callees = callees ?? new Dictionary<IMethodSymbol, Callee>(SymbolEqualityComparer.Default);
    }

    /// <summary>True when the body contains code that does not bind; the C# compiler reports it.</summary>
    public bool HasCompileErrors { get; private set; }

    public IReadOnlyList<DiagnosticInfo> Diagnostics => _diagnostics;

    /// <summary>For each builder node, the source construct that created it (for shape diagnostics).</summary>
    public IReadOnlyDictionary<int, LocationInfo?> NodeLocations => _nodeLocations;

    /// <summary>The other kernels this body calls in source, directly or through each other, with the text they were read from (the result depends on it).</summary>
    public IEnumerable<(IMethodSymbol Kernel, string Text)> InlinedKernels
        => _callees.Where(c => c.Value.Text is not null).Select(c => (c.Key, c.Value.Text!));

    /// <summary>Lowers <paramref name="body"/> (an <see cref="IMethodBodyOperation"/>) and returns the output node, or null on failure.</summary>
    public static (int? Output, BodyLowering Lowering) Lower(IOperation body, GraphBuilder builder, IMethodSymbol method)
    {
        var lowering = new BodyLowering(builder, method);
        int? output = lowering.LowerMethodBody(body);
        return (lowering._diagnostics.Count == 0 && !lowering.HasCompileErrors ? output : null, lowering);
    }

    private int? LowerMethodBody(IOperation body)
    {
        IBlockOperation? block = body switch
        {
            IMethodBodyOperation m => m.BlockBody ?? m.ExpressionBody,
            IBlockOperation b => b,
            _ => null,
        };

        if (block is null)
        {
            HasCompileErrors = true;
            return null;
        }

        foreach (IOperation statement in block.Operations)
        {
            switch (statement)
            {
                case IVariableDeclarationGroupOperation group:
                    foreach (IVariableDeclaratorOperation declarator in group.Declarations.SelectMany(d => d.Declarators))
                    {
                        IVariableInitializerOperation? initializer = declarator.Initializer ?? (declarator.Parent as IVariableDeclarationOperation)?.Initializer;
                        if (initializer is null)
                        {
                            Report(declarator, $"the local '{declarator.Symbol.Name}' without an initializer", "declare each local with its value: var y = x * x;");
                            continue;
                        }

                        if (Lower(initializer.Value) is int value)
                        {
                            _locals[declarator.Symbol] = value;
                        }
                    }

                    break;
                case IExpressionStatementOperation { Operation: IDeconstructionAssignmentOperation deconstruction }
                    when Unconverted(deconstruction.Value) is IInvocationOperation call && KernelParser.IsKernel(call.TargetMethod):
                    DeconstructKernelCall(deconstruction, call);
                    break;
                case IReturnOperation { ReturnedValue: { } returned }:
                    return Lower(returned);
                case IInvalidOperation:
                    HasCompileErrors = true;
                    return null;
                default:
                    Report(statement, Describe(statement), "a kernel body is a single expression, or 'var' locals followed by 'return'");
                    break;
            }
        }

        // No return: the body does not compile, and the C# compiler says so.
        HasCompileErrors = true;
        return null;
    }

    /// <summary>Lowers one operation; the nodes it creates are attributed to it (operands keep their own).</summary>
    private int? Lower(IOperation operation)
    {
        int before = _builder.Count;
        int? result = LowerCore(operation);
        for (int i = before; i < _builder.Count; i++)
        {
            if (!_nodeLocations.ContainsKey(i))
            {
                _nodeLocations[i] = LocationInfo.From(operation.Syntax);
            }
        }

        return result;
    }

    private int? LowerCore(IOperation operation)
    {
        if (operation is IInvalidOperation || operation.Type?.TypeKind == TypeKind.Error)
        {
            HasCompileErrors = true;
            return null;
        }

        if (operation.ConstantValue is { HasValue: true, Value: { } constant } && IsNumeric(constant))
        {
            return _builder.Constant(System.Convert.ToSingle(constant, System.Globalization.CultureInfo.InvariantCulture));
        }

        switch (operation)
        {
            case IParameterReferenceOperation parameter:
                return _arguments is null ? _builder.Parameter(parameter.Parameter.Ordinal) : _arguments[parameter.Parameter.Ordinal];

            case ILocalReferenceOperation local:
                // A local missing from the table failed to lower, and that was reported already.
                return _locals.TryGetValue(local.Local, out int value) ? value : null;

            case IConversionOperation conversion when IsTransparent(conversion) || conversion.Operand is ITupleOperation:
                return Lower(conversion.Operand);

            case ITupleOperation tuple when tuple.Parent is IReturnOperation or IConversionOperation { Parent: IReturnOperation }:
                // Several results: a kernel that returns a tuple of tensors.
                return Apply(Op.Tuple, tuple.Elements.ToArray());

            case IUnaryOperation { OperatorKind: UnaryOperatorKind.Minus } unary:
                return Apply(Op.Neg, unary.Operand);

            case IUnaryOperation { OperatorKind: UnaryOperatorKind.Plus } unary:
                return Lower(unary.Operand);

            case IBinaryOperation binary when ArithmeticOp(binary) is Op op:
                return Apply(op, binary.LeftOperand, binary.RightOperand);

            case IBinaryOperation binary when IsComparison(binary.OperatorKind):
                Report(binary, $"the comparison operator in '{Snippet(binary)}'", "compare with KernelDsl.Ops.LessThan, GreaterThan, Equal, ... and choose with Where(condition, a, b)");
                return null;

            case IInvocationOperation invocation:
                return LowerInvocation(invocation);

            case IConditionalOperation conditional:
                Report(conditional, "the conditional operator ?:", "choose elementwise with KernelDsl.Ops.Where(condition, whenTrue, whenFalse)");
                return null;

            case IFieldReferenceOperation { Instance: IInvocationOperation call, Field.ContainingType.IsTupleType: true } element
                when KernelParser.IsKernel(call.TargetMethod):
                return LowerResultOfKernelCall(call, element.Field);

            case IFieldReferenceOperation or IPropertyReferenceOperation:
                Report(operation, $"reading '{Snippet(operation)}'", "a kernel may read only its parameters and constants; pass the value as a float parameter");
                return null;

            default:
                Report(operation, Describe(operation), Supported);
                return null;
        }
    }

    private int? LowerInvocation(IInvocationOperation invocation)
    {
        IMethodSymbol target = invocation.TargetMethod;
        if (KernelParser.IsKernel(target))
        {
            return LowerKernelCall(invocation, target);
        }

        if (target.ContainingType?.ToDisplayString() == OpsCatalog.MathFTypeName && OpsCatalog.FindMathF(target.Name, target.Parameters.Length) is Op scalar)
        {
            // Scalar math on float values, computed as the Ops function of the same name would on a tensor.
            return Apply(scalar, ArgumentsInOrder(invocation));
        }

        if (target.ContainingType?.ToDisplayString() != OpsCatalog.OpsTypeName)
        {
            Report(invocation, $"the call to '{target.ContainingType?.Name}.{target.Name}'",
                $"call only the functions of KernelDsl.Ops, other [Kernel] methods (whose bodies are inlined) and MathF's {OpsCatalog.MathFFunctionList}, or write the computation out in the kernel body");
            return null;
        }

        if (LowerStructuredCall(invocation) is { } structured)
        {
            return structured.Value;
        }

        if (OpsCatalog.Find(target.Name, target.Parameters.Length) is not Op op)
        {
            Report(invocation, $"'Ops.{target.Name}' with {target.Parameters.Length} arguments", "this KernelDsl.Ops function runs eagerly but has no fused form yet");
            return null;
        }

        return Apply(op, ArgumentsInOrder(invocation));
    }

    /// <summary>The operand under any implicit conversions (a deconstruction's value is converted to the tuple it fills).</summary>
    private static IOperation Unconverted(IOperation operation)
    {
        while (operation is IConversionOperation { IsImplicit: true } conversion)
        {
            operation = conversion.Operand;
        }

        return operation;
    }

    /// <summary>A call's argument values in the order of the parameters (named arguments may be written in any order; omitted optional ones are their defaults).</summary>
    private static IOperation[] ArgumentsInOrder(IInvocationOperation invocation)
        => invocation.Arguments.OrderBy(a => a.Parameter?.Ordinal ?? 0).Select(a => a.Value).ToArray();

    /// <summary>
    /// Calls with axes, shapes or layers: reductions, Softmax and the normalizations (expanded from
    /// the shared composite definitions), MatMul and Transpose. Returns null when the call is not one
    /// of them; otherwise a box holding the node (or null on failure).
    /// </summary>
    private StrongBox<int?>? LowerStructuredCall(IInvocationOperation invocation)
    {
        IMethodSymbol target = invocation.TargetMethod;
        IOperation Arg(int ordinal) => invocation.Arguments.First(a => a.Parameter?.Ordinal == ordinal).Value;
        var algebra = new GraphAlgebra(_builder);
        switch (target.Name)
        {
            case "Sum" or "Mean" or "Prod" or "Max" or "Min" when ReductionLowering.ReductionOf(target) is Op op:
            {
                int? x = Lower(Arg(0));
                int[]? axes = target.Parameters[1].Type.SpecialType == SpecialType.System_Int32
                    ? ConstantInt(Arg(1), "axis") is int axis ? new[] { axis } : null
                    : ConstantInts(Arg(1), "axes");
                bool? keepDims = ConstantBool(Arg(2), "keepDims");
                return Box(x is int xi && axes is not null && keepDims is bool keep ? Reduce(op, xi, keep, axes) : null);
            }

            case "Softmax" or "LogSoftmax" when target.Parameters.Length == 2:
            {
                int? x = Lower(Arg(0));
                int? axis = ConstantInt(Arg(1), "axis");
                if (x is not int xi || axis is not int a)
                {
                    return Box(null);
                }

                return Box(ReductionLowering.AlongLastAxis(_builder, xi, a, (operand, along) => target.Name == "Softmax"
                    ? LayerComposites.Softmax(algebra, operand, along)
                    : LayerComposites.LogSoftmax(algebra, operand, along)));
            }

            case "LayerNorm" when target.Parameters.Length == 4:
            {
                int? x = Lower(Arg(0)), gamma = Lower(Arg(1)), beta = Lower(Arg(2));
                float? epsilon = ConstantFloat(Arg(3), "epsilon");
                return Box(x is int xi && gamma is int g && beta is int b && epsilon is float e ? LayerComposites.LayerNorm(algebra, xi, g, b, e) : null);
            }

            case "RmsNorm" when target.Parameters.Length == 3:
            {
                int? x = Lower(Arg(0)), gamma = Lower(Arg(1));
                float? epsilon = ConstantFloat(Arg(2), "epsilon");
                return Box(x is int xi && gamma is int g && epsilon is float e ? LayerComposites.RmsNorm(algebra, xi, g, e) : null);
            }

            case "Einsum" when target.Parameters.Length == 3:
            {
                IOperation specArgument = Arg(0);
                int? a = Lower(Arg(1)), b = Lower(Arg(2));
                if (specArgument.ConstantValue is not { HasValue: true, Value: string text })
                {
                    ReportNotConstant(specArgument, "Einsum spec");
                    return Box(null);
                }

                if (a is not int ai || b is not int bi)
                {
                    return Box(null);
                }

                if (EinsumLowering.Parse(text, out string? problem) is not { } spec)
                {
                    ReportEinsum(invocation, text, problem!);
                    return Box(null);
                }

                foreach ((string subscripts, int node, string name) in new[] { (spec.Left, ai, "the first operand"), (spec.Right, bi, "the second operand") })
                {
                    if (ShapeOf(node) is { } shape && shape.Rank != subscripts.Length)
                    {
                        ReportEinsum(invocation, text, $"\"{subscripts}\" names {subscripts.Length} dimensions, but {name} has shape {shape} (rank {shape.Rank})");
                        return Box(null);
                    }
                }

                int? result = EinsumLowering.Lower(_builder, spec, ai, bi, out problem);
                if (result is null)
                {
                    ReportEinsum(invocation, text, problem!);
                }

                return Box(result);
            }

            case "MatMul" when target.Parameters.Length == 2:
                return Box(Apply(Op.MatMul, Arg(0), Arg(1)));

            case "Reshape" when target.Parameters.Length == 2:
            {
                int? x = Lower(Arg(0));
                int[]? lengths = ConstantInts(Arg(1), "lengths");
                return Box(x is int xi && lengths is not null ? _builder.Reshape(xi, lengths) : null);
            }

            case "Slice" when target.Parameters.Length == 4:
            {
                int? x = Lower(Arg(0));
                int? axis = ConstantInt(Arg(1), "axis"), start = ConstantInt(Arg(2), "start"), length = ConstantInt(Arg(3), "length");
                return Box(x is int xi && axis is int a && start is int s0 && length is int l ? _builder.Slice(xi, a, s0, l) : null);
            }

            case "Concat" when target.Parameters.Length >= 3:
            {
                // Concat(x, y, ..., axis): the tensors, then the axis.
                int?[] pieces = Enumerable.Range(0, target.Parameters.Length - 1).Select(k => Lower(Arg(k))).ToArray();
                int? axis = ConstantInt(Arg(target.Parameters.Length - 1), "axis");
                return Box(axis is int a && pieces.All(p => p is not null) ? _builder.Concat(a, pieces.Select(p => p!.Value).ToArray()) : null);
            }

            case "Chunk" when target.Parameters.Length == 4:
            {
                int? x = Lower(Arg(0));
                int? chunks = ConstantInt(Arg(1), "chunk count"), index = ConstantInt(Arg(2), "chunk index"), axis = ConstantInt(Arg(3), "axis");
                if (x is not int xi || chunks is not int c || index is not int i || axis is not int a)
                {
                    return Box(null);
                }

                int? chunk = ChunkLowering.Lower(_builder, xi, c, i, a, out string? problem);
                if (problem is not null && !HasBindingErrors(invocation))
                {
                    _diagnostics.Add(DiagnosticInfo.Create(KernelDiagnostics.ConcatOrChunkMismatch, LocationInfo.From(invocation.Syntax), problem));
                }

                return Box(chunk);
            }

            case "Transpose" when target.Parameters.Length == 1:
                return Box(Lower(Arg(0)) is int t ? _builder.Transpose(t) : null);

            case "Transpose" when target.Parameters.Length == 2:
            {
                int? x = Lower(Arg(0));
                int[]? permutation = ConstantInts(Arg(1), "permutation");
                return Box(x is int xi && permutation is not null ? _builder.Transpose(xi, permutation) : null);
            }

            default:
                return null;
        }
    }

    private static StrongBox<int?> Box(int? value) => new(value);

    private int Reduce(Op op, int operand, bool keepDims, int[] axes) => ReductionLowering.Reduce(_builder, op, operand, keepDims, axes);

    private KernelDsl.Compiler.Shapes.Shape? ShapeOf(int node) => ReductionLowering.ShapeOf(_builder, node);

    private void ReportEinsum(IOperation invocation, string spec, string problem)
    {
        if (HasBindingErrors(invocation))
        {
            HasCompileErrors = true;
            return;
        }

        _diagnostics.Add(DiagnosticInfo.Create(KernelDiagnostics.InvalidEinsum, LocationInfo.From(invocation.Syntax), spec, problem));
    }

    private int? ConstantInt(IOperation value, string what)
    {
        if (value.ConstantValue is { HasValue: true, Value: int constant })
        {
            return constant;
        }

        ReportNotConstant(value, what);
        return null;
    }

    private bool? ConstantBool(IOperation value, string what)
    {
        if (value.ConstantValue is { HasValue: true, Value: bool constant })
        {
            return constant;
        }

        ReportNotConstant(value, what);
        return null;
    }

    private float? ConstantFloat(IOperation value, string what)
    {
        if (value.ConstantValue is { HasValue: true, Value: { } constant } && IsNumeric(constant))
        {
            return System.Convert.ToSingle(constant, System.Globalization.CultureInfo.InvariantCulture);
        }

        ReportNotConstant(value, what);
        return null;
    }

    /// <summary>The constant elements of <c>[0, 2]</c>, <c>new[] { 0, 2 }</c> or a params list.</summary>
    private int[]? ConstantInts(IOperation value, string what)
    {
        while (value is IConversionOperation conversion)
        {
            value = conversion.Operand;
        }

        IEnumerable<IOperation>? elements = value switch
        {
            IArrayCreationOperation { Initializer: { } initializer } => initializer.ElementValues,
            ICollectionExpressionOperation collection => collection.Elements,
            _ => null,
        };
        int[]? result = elements?.Select(e => e.ConstantValue is { HasValue: true, Value: int i } ? i : (int?)null).ToArray() is { } items && items.All(i => i.HasValue)
            ? items.Select(i => i!.Value).ToArray()
            : null;
        if (result is null)
        {
            ReportNotConstant(value, what);
        }

        return result;
    }

    private void ReportNotConstant(IOperation value, string what)
        => Report(value, $"the non-constant {what} '{Snippet(value)}'", $"the {what} decides the kernel's loop structure, so it must be a compile-time constant");

    private int? Apply(Op op, params IOperation[] operands)
    {
        var lowered = new int[operands.Length];
        bool failed = false;
        for (int i = 0; i < operands.Length; i++)
        {
            // Lower every operand, even after a failure, so every problem in the body is reported.
            if (Lower(operands[i]) is int value)
            {
                lowered[i] = value;
            }
            else
            {
                failed = true;
            }
        }

        return failed ? null : _builder.Apply(op, lowered);
    }

    private static Op? ArithmeticOp(IBinaryOperation binary)
    {
        if (binary.OperatorMethod is { } method && !IsTensorsNamespace(method.ContainingNamespace))
        {
            return null; // a user-defined operator
        }

        return binary.OperatorKind switch
        {
            BinaryOperatorKind.Add => Op.Add,
            BinaryOperatorKind.Subtract => Op.Sub,
            BinaryOperatorKind.Multiply => Op.Mul,
            BinaryOperatorKind.Divide => Op.Div,
            _ => null,
        };
    }

    private static bool IsComparison(BinaryOperatorKind kind) => kind is BinaryOperatorKind.LessThan or BinaryOperatorKind.LessThanOrEqual
        or BinaryOperatorKind.GreaterThan or BinaryOperatorKind.GreaterThanOrEqual or BinaryOperatorKind.Equals or BinaryOperatorKind.NotEquals;

    private static bool IsTensorsNamespace(INamespaceSymbol? ns) => ns?.ToDisplayString() == "System.Numerics.Tensors";

    /// <summary>Conversions that do not change values: numeric widening to float, and a tensor viewed as a tensor span.</summary>
    private static bool IsTransparent(IConversionOperation conversion)
    {
        if (conversion.Conversion.IsIdentity)
        {
            return true;
        }

        ITypeSymbol? from = conversion.Operand.Type;
        ITypeSymbol? to = conversion.Type;
        if (to?.SpecialType == SpecialType.System_Single && conversion.Conversion.IsImplicit && conversion.Conversion.IsNumeric)
        {
            return true;
        }

        return from is INamedTypeSymbol { Name: "Tensor" } && IsTensorsNamespace(from.ContainingNamespace)
            && to is INamedTypeSymbol { Name: "ReadOnlyTensorSpan" or "TensorSpan" } && IsTensorsNamespace(to.ContainingNamespace);
    }

    private static bool IsNumeric(object value) => value is float or double or int or long or short or byte or sbyte or uint or ulong or ushort or decimal;

    private void Report(IOperation operation, string construct, string hint)
    {
        if (HasBindingErrors(operation))
        {
            // Mid-edit code: the C# compiler's own error is the useful one.
            HasCompileErrors = true;
            return;
        }

        _diagnostics.Add(DiagnosticInfo.Create(KernelDiagnostics.UnsupportedConstruct, LocationInfo.From(operation.Syntax), Capitalize(construct), hint));
    }

    private static bool HasBindingErrors(IOperation operation)
        => operation.DescendantsAndSelf().Any(o => o is IInvalidOperation || o.Type?.TypeKind == TypeKind.Error)
           || (operation.SemanticModel?.GetDiagnostics(operation.Syntax.Span).Any(d => d.Severity == DiagnosticSeverity.Error) ?? false);

    private static string Describe(IOperation operation) => operation.Kind switch
    {
        OperationKind.Loop => "a loop",
        OperationKind.Conditional => "an if statement",
        OperationKind.ExpressionStatement => $"the statement '{Snippet(operation)}'",
        OperationKind.SimpleAssignment or OperationKind.CompoundAssignment => $"the assignment '{Snippet(operation)}'",
        OperationKind.AnonymousFunction => "a lambda",
        OperationKind.ObjectCreation => $"creating an object ('{Snippet(operation)}')",
        OperationKind.ArrayCreation => "creating an array",
        _ => $"'{Snippet(operation)}'",
    };

    private static string Snippet(IOperation operation)
    {
        string text = string.Join(" ", operation.Syntax.ToString().Split((char[]?)null, System.StringSplitOptions.RemoveEmptyEntries));
        return text.Length <= 48 ? text : text.Substring(0, 45) + "...";
    }

    private static string Capitalize(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text.Substring(1);
}
