using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Linq;
using KernelDsl.Composites;
using KernelDsl.Compiler.Graph;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace KernelDsl.Generators.Parsing;

/// <summary>
/// The generator's fast front end: lowers a kernel body from its syntax alone, for the bodies whose
/// meaning the syntax settles, and answers "not sure" (null) for everything else, which
/// <see cref="BodyLowering"/> then reads from the bound operation tree.
/// </summary>
/// <remarks>
/// <para>Binding a kernel body is most of what the generator costs a cold build: each tensor operator
/// makes the C# compiler weigh every built-in operator and the tensor types' conversions (about half
/// of the generator's time with 200 kernels, docs/performance.md), and the compiler binds the same
/// bodies again to compile them. The DSL is small enough that most bodies need none of that: their
/// identifiers are parameters, locals or functions of <c>KernelDsl.Ops</c>, their operators apply to
/// tensors and floats, and their constants are literals.</para>
/// <para>It must build exactly the graph <see cref="BodyLowering"/> builds (the same nodes in the
/// same order), or give up. So it gives up on anything that needs a judgement the C# compiler would
/// make: a name that does not resolve to the parameters, the locals or <c>Ops</c> alone (checked
/// with a name lookup, which binds nothing), a call where more than one overload could apply,
/// arithmetic on two constants (folded by C#), casts, other literals, and every construct the DSL
/// rejects (the semantic front end reports those). It never reports a diagnostic itself.
/// <c>FastFrontEndTests</c> checks it against the semantic front end on every test kernel and on
/// random ones.</para>
/// </remarks>
internal sealed class SyntaxLowering
{
    private const string OpsTypeName = OpsCatalog.OpsTypeName;

    private readonly GraphBuilder _builder;
    private readonly IMethodSymbol _method;
    private readonly SemanticModel _model;
    private readonly int _lookupPosition;
    private readonly Dictionary<string, Value> _locals = new();
    private readonly Dictionary<string, OpsOverloads?> _lookups = new();
    private readonly Dictionary<InvocationExpressionSyntax, Call?> _calls = new();

    private SyntaxLowering(GraphBuilder builder, IMethodSymbol method, MethodDeclarationSyntax syntax, SemanticModel model)
    {
        _builder = builder;
        _method = method;
        _model = model;

        // Names are looked up inside the containing type, outside any member: in the kernel's body
        // the same names are in scope, plus its parameters and locals, which this class resolves
        // itself first. (At a position inside the method, the lookup would bind its body.)
        _lookupPosition = syntax.Parent is TypeDeclarationSyntax { OpenBraceToken.RawKind: not 0 } type ? type.OpenBraceToken.Span.End : syntax.SpanStart;
    }

    /// <summary>What a lowered expression is, as far as choosing an operator or an overload needs.</summary>
    private enum Kind
    {
        /// <summary>A Tensor&lt;float&gt;.</summary>
        Tensor,
        /// <summary>A Tensor&lt;bool&gt;: a comparison's result.</summary>
        BoolTensor,
        /// <summary>A float that is not a constant (a float parameter, or arithmetic on one).</summary>
        Scalar,
        /// <summary>A float literal (with its sign).</summary>
        FloatConstant,
        /// <summary>An int literal (with its sign): converts to int or to float.</summary>
        IntConstant,
    }

    /// <summary>A lowered expression: its graph node (none for an int constant not yet used as a float) and kind.</summary>
    private readonly record struct Value(int Node, Kind Kind, double Constant = 0);

    /// <summary>The methods of <c>Ops</c> a name resolves to, or null when it resolves to anything else.</summary>
    private sealed record OpsOverloads(IReadOnlyList<IMethodSymbol> Methods);

    /// <summary>
    /// Lowers the body of <paramref name="syntax"/> into <paramref name="builder"/>, returning the
    /// output node; null when the syntax alone does not settle what the body means.
    /// </summary>
    public static int? TryLower(MethodDeclarationSyntax syntax, IMethodSymbol method, SemanticModel model, GraphBuilder builder)
    {
        if (DeclaresTensorOperators(model.Compilation))
        {
            return null;
        }

        var lowering = new SyntaxLowering(builder, method, syntax, model);
        ExpressionSyntax? returned = lowering.LowerStatements(syntax);
        if (returned is null)
        {
            return null;
        }

        if (returned is TupleExpressionSyntax tuple)
        {
            // Several results: the method returns a tuple of as many tensors (its declaration was checked).
            if (method.ReturnType is not INamedTypeSymbol { IsTupleType: true } type || type.TupleElements.Length != tuple.Arguments.Count
                || tuple.Arguments.Any(a => a.NameColon is not null || a.RefKindKeyword.RawKind != 0))
            {
                return null;
            }

            var elements = new int[tuple.Arguments.Count];
            for (int i = 0; i < elements.Length; i++)
            {
                if (lowering.Lower(tuple.Arguments[i].Expression) is not { Kind: Kind.Tensor } element)
                {
                    return null;
                }

                elements[i] = element.Node;
            }

            return builder.Apply(Op.Tuple, elements);
        }

        return method.ReturnType is INamedTypeSymbol { IsTupleType: false } && lowering.Lower(returned) is { Kind: Kind.Tensor } result ? result.Node : null;
    }

    /// <summary>Per compilation: whether its source or a library it references declares an operator on tensors (see <see cref="DeclaresTensorOperators"/>).</summary>
    private static readonly ConditionalWeakTable<Compilation, StrongBox<bool>> TensorOperatorsDeclared = new();

    /// <summary>
    /// Per referenced assembly: whether it declares an operator on tensors. Keyed by the assembly's
    /// symbol, which the compiler shares between the compilations of successive edits while the
    /// references stay the same, so each library is searched once.
    /// </summary>
    private static readonly ConditionalWeakTable<IAssemblySymbol, StrongBox<bool>> TensorOperatorsInReference = new();

    /// <summary>
    /// Whether an operator taking a tensor is declared where a kernel might bind it: a C# 14
    /// extension operator on <c>Tensor&lt;float&gt;</c>, say, in the project's own code or in a
    /// library it references. Such an operator could be what <c>x * y</c> means in a kernel, which
    /// the syntax cannot tell, so then every body is left to the bound front end (which rejects a
    /// user-defined operator with KD0005).
    /// </summary>
    private static bool DeclaresTensorOperators(Compilation compilation)
        => TensorOperatorsDeclared.GetValue(compilation, static c => new StrongBox<bool>(
            c.GetSymbolsWithName(name => name.StartsWith("op_", System.StringComparison.Ordinal), SymbolFilter.Member)
                .OfType<IMethodSymbol>()
                .Any(TakesATensor)
            || c.SourceModule.ReferencedAssemblySymbols.Any(ReferenceDeclaresTensorOperators))).Value;

    /// <summary>
    /// Whether a referenced assembly declares an operator on tensors. Only an assembly that itself
    /// references System.Numerics.Tensors can (the framework's assemblies do not), and only those
    /// are searched: every type, nested ones included (an extension block is a nested type, its
    /// operators also compiled as <c>op_</c> methods of the static class around it).
    /// </summary>
    private static bool ReferenceDeclaresTensorOperators(IAssemblySymbol assembly)
        => TensorOperatorsInReference.GetValue(assembly, static a => new StrongBox<bool>(
            a.Name != TensorsAssembly
            && a.Modules.Any(m => m.ReferencedAssemblies.Any(r => r.Name == TensorsAssembly))
            && ContainsTensorOperators(a.GlobalNamespace))).Value;

    private const string TensorsAssembly = "System.Numerics.Tensors";

    /// <summary>Whether a namespace or type, or one nested in it, has an <c>op_</c> method taking a tensor.</summary>
    private static bool ContainsTensorOperators(INamespaceOrTypeSymbol container)
    {
        foreach (ISymbol member in container.GetMembers())
        {
            switch (member)
            {
                case INamespaceOrTypeSymbol inner when ContainsTensorOperators(inner):
                case IMethodSymbol method when method.Name.StartsWith("op_", System.StringComparison.Ordinal) && TakesATensor(method):
                    return true;
            }
        }

        return false;
    }

    private static bool TakesATensor(IMethodSymbol method)
        => method.Parameters.Any(p => p.Type is INamedTypeSymbol { Name: "Tensor" or "TensorSpan" or "ReadOnlyTensorSpan" });

    /// <summary>Lowers the 'var' locals before the return; gives the returned expression, or null.</summary>
    private ExpressionSyntax? LowerStatements(MethodDeclarationSyntax syntax)
    {
        if (syntax.ExpressionBody is { } arrow)
        {
            return syntax.Body is null ? arrow.Expression : null;
        }

        if (syntax.Body is not { } body || body.Statements.Count == 0)
        {
            return null;
        }

        for (int i = 0; i < body.Statements.Count - 1; i++)
        {
            if (body.Statements[i] is not LocalDeclarationStatementSyntax
                {
                    Declaration: { Type: IdentifierNameSyntax { IsVar: true }, Variables: { Count: 1 } variables },
                    Modifiers.Count: 0,
                    UsingKeyword.RawKind: 0,
                    AwaitKeyword.RawKind: 0,
                }
                || variables[0] is not { Initializer: { } initializer, ArgumentList: null } variable)
            {
                return null;
            }

            string name = variable.Identifier.ValueText;
            if (_locals.ContainsKey(name) || IsParameter(name) || Lower(initializer.Value) is not { } value || value.Kind is Kind.IntConstant or Kind.FloatConstant)
            {
                // A constant local ('var k = 2;') is an int or a float by its literal, which the
                // expressions using it would have to follow: left to the semantic front end.
                return null;
            }

            _locals[name] = value;
        }

        return body.Statements[body.Statements.Count - 1] is ReturnStatementSyntax { Expression: { } returned } ? returned : null;
    }

    private bool IsParameter(string name) => _method.Parameters.Any(p => p.Name == name);

    /// <summary>Lowers an expression; null when the syntax does not settle its meaning.</summary>
    private Value? Lower(ExpressionSyntax expression)
    {
        switch (expression)
        {
            case ParenthesizedExpressionSyntax parenthesized:
                return Lower(parenthesized.Expression);

            case LiteralExpressionSyntax { RawKind: (int)SyntaxKind.NumericLiteralExpression } literal:
                return literal.Token.Value switch
                {
                    float f => new Value(-1, Kind.FloatConstant, f),
                    int i => new Value(-1, Kind.IntConstant, i),
                    _ => null, // double, decimal, long, ...: not a float, or not converted as an int would be
                };

            case PrefixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.UnaryMinusExpression or (int)SyntaxKind.UnaryPlusExpression } unary:
            {
                bool minus = unary.IsKind(SyntaxKind.UnaryMinusExpression);
                if (Lower(unary.Operand) is not { } operand)
                {
                    return null;
                }

                switch (operand.Kind)
                {
                    case Kind.FloatConstant:
                        // C# folds the sign into the constant.
                        return minus ? new Value(-1, Kind.FloatConstant, (double)-(float)operand.Constant) : operand;
                    case Kind.IntConstant:
                        return minus ? (operand.Constant == int.MinValue ? null : new Value(-1, Kind.IntConstant, -operand.Constant)) : operand;
                    case Kind.Tensor or Kind.Scalar:
                        return minus ? new Value(_builder.Apply(Op.Neg, operand.Node), operand.Kind) : operand;
                    default:
                        return null;
                }
            }

            case IdentifierNameSyntax identifier:
            {
                string name = identifier.Identifier.ValueText;
                if (_locals.TryGetValue(name, out Value local))
                {
                    return local;
                }

                IParameterSymbol? parameter = _method.Parameters.FirstOrDefault(p => p.Name == name);
                if (parameter is null || parameter.Ordinal >= _builder.Parameters.Count)
                {
                    return null; // a field, a constant, a property...: the semantic front end decides
                }

                int node = _builder.Parameter(parameter.Ordinal);
                return new Value(node, _builder.Parameters[parameter.Ordinal].Kind == ParameterKind.Tensor ? Kind.Tensor : Kind.Scalar);
            }

            case BinaryExpressionSyntax binary:
                return LowerBinary(binary);

            case InvocationExpressionSyntax invocation:
                return LowerInvocation(invocation);

            default:
                return null;
        }
    }

    private Value? LowerBinary(BinaryExpressionSyntax binary)
    {
        Op? op = binary.Kind() switch
        {
            SyntaxKind.AddExpression => Op.Add,
            SyntaxKind.SubtractExpression => Op.Sub,
            SyntaxKind.MultiplyExpression => Op.Mul,
            SyntaxKind.DivideExpression => Op.Div,
            _ => null,
        };
        // Each operand's nodes, a constant's included, are made before the next operand's: the
        // order the semantic front end makes them in.
        if (op is null || Lower(binary.Left) is not { Kind: not Kind.BoolTensor } left)
        {
            return null;
        }

        int l = AsFloat(left);
        if (Lower(binary.Right) is not { Kind: not Kind.BoolTensor } right || IsConstant(left) && IsConstant(right))
        {
            // Tensor<bool> has no arithmetic; two constants are folded by C# (in its own precision).
            return null;
        }

        int r = AsFloat(right);
        return new Value(_builder.Apply(op.Value, l, r), left.Kind == Kind.Tensor || right.Kind == Kind.Tensor ? Kind.Tensor : Kind.Scalar);
    }

    private static bool IsConstant(Value value) => value.Kind is Kind.FloatConstant or Kind.IntConstant;

    /// <summary>The node of a float operand: a constant becomes its node where it is used, as in the semantic front end.</summary>
    private int AsFloat(Value value) => IsConstant(value) ? _builder.Constant((float)value.Constant) : value.Node;

    private Value? LowerInvocation(InvocationExpressionSyntax invocation)
    {
        if (Resolve(invocation) is not { } call)
        {
            return null;
        }

        SeparatedSyntaxList<ArgumentSyntax> arguments = invocation.ArgumentList.Arguments;
        var argumentOf = new ExpressionSyntax?[call.Target.Parameters.Length];
        for (int i = 0; i < arguments.Count; i++)
        {
            if (call.ParameterOf[i] >= 0)
            {
                argumentOf[call.ParameterOf[i]] = arguments[i].Expression;
            }
        }

        return LowerCall(call.Target, argumentOf, call.Spread);
    }

    /// <summary>
    /// A call's target and, for each argument, the parameter it binds to; with its params list
    /// spread over the last arguments, their values (then those arguments bind to no parameter).
    /// </summary>
    private sealed record Call(IMethodSymbol Target, int[] ParameterOf, int[]? Spread = null);

    /// <summary>
    /// The function of <c>Ops</c> a call binds to, when exactly one overload applies, in its normal
    /// form or with its params list spread; else null (C#'s betterness rules would have to choose).
    /// </summary>
    private Call? Resolve(InvocationExpressionSyntax invocation)
    {
        if (_calls.TryGetValue(invocation, out Call? known))
        {
            return known;
        }

        Call? call = ResolveCore(invocation);
        _calls[invocation] = call;
        return call;
    }

    private Call? ResolveCore(InvocationExpressionSyntax invocation)
    {
        string? name = invocation.Expression switch
        {
            IdentifierNameSyntax simple when !IsLocalOrParameter(simple.Identifier.ValueText) => simple.Identifier.ValueText,
            MemberAccessExpressionSyntax { RawKind: (int)SyntaxKind.SimpleMemberAccessExpression, Expression: IdentifierNameSyntax { Identifier.ValueText: "Ops" }, Name: IdentifierNameSyntax member }
                when !IsLocalOrParameter("Ops") && IsOpsType() => member.Identifier.ValueText,
            _ => null,
        };
        if (name is null || OpsMethods(name, qualified: invocation.Expression is MemberAccessExpressionSyntax) is not { } candidates)
        {
            return null;
        }

        SeparatedSyntaxList<ArgumentSyntax> arguments = invocation.ArgumentList.Arguments;
        var kinds = new ArgumentKind[arguments.Count];
        for (int i = 0; i < kinds.Length; i++)
        {
            if (arguments[i].RefKindKeyword.RawKind != 0 || KindOf(arguments[i].Expression) is not { } kind)
            {
                return null;
            }

            kinds[i] = kind;
        }

        var normal = new List<Call>();
        var spread = new List<Call>();
        var emptySpread = new List<IMethodSymbol>();
        foreach (IMethodSymbol candidate in candidates.Methods)
        {
            if (Applicable(candidate, arguments, kinds) is { } map)
            {
                normal.Add(new Call(candidate, map));
            }
            else if (ApplicableSpread(candidate, arguments, kinds) is { } expanded)
            {
                if (expanded.Spread!.Length == 0)
                {
                    emptySpread.Add(candidate);
                }
                else
                {
                    spread.Add(expanded);
                }
            }
        }

        // A params overload with nothing to spread (Transpose(x) against Transpose(x, params int[]))
        // loses to a normal one whose parameters take the same arguments the same way: C#'s tie-break.
        if (normal.Count == 1 && spread.Count == 0 && emptySpread.All(m => SameParameters(m, normal[0].Target, arguments.Count)))
        {
            return normal[0];
        }

        return normal.Count == 0 && spread.Count == 1 && emptySpread.Count == 0 ? spread[0] : null;
    }

    private static bool SameParameters(IMethodSymbol a, IMethodSymbol b, int count)
        => Enumerable.Range(0, count).All(i => SymbolEqualityComparer.Default.Equals(a.Parameters[i].Type, b.Parameters[i].Type));

    private bool IsLocalOrParameter(string name) => _locals.ContainsKey(name) || IsParameter(name);

    /// <summary>Whether the name <c>Ops</c> means KernelDsl's Ops where the kernel is declared (a member of that name would win over the type).</summary>
    private bool IsOpsType()
    {
        ImmutableArray<ISymbol> found = _model.LookupSymbols(_lookupPosition, name: "Ops");
        return found.Length == 1 && found[0] is INamedTypeSymbol type && type.ToDisplayString() == OpsTypeName;
    }

    /// <summary>
    /// The methods a call by <paramref name="name"/> can bind to, when every one is a function of
    /// <c>Ops</c>: through 'using static' (a member of the kernel's own types of that name would win,
    /// and the lookup then finds it instead), or qualified as <c>Ops.Name</c>.
    /// </summary>
    private OpsOverloads? OpsMethods(string name, bool qualified)
    {
        string key = (qualified ? "Ops." : "") + name;
        if (_lookups.TryGetValue(key, out OpsOverloads? cached))
        {
            return cached;
        }

        OpsOverloads? result;
        if (qualified)
        {
            INamedTypeSymbol? ops = _model.Compilation.GetTypeByMetadataName(OpsTypeName);
            var methods = ops?.GetMembers(name).ToList();
            result = methods is { Count: > 0 } && methods.All(m => m is IMethodSymbol { IsStatic: true, DeclaredAccessibility: Accessibility.Public, IsGenericMethod: false })
                ? new OpsOverloads(methods.Cast<IMethodSymbol>().ToList())
                : null;
        }
        else
        {
            ImmutableArray<ISymbol> found = _model.LookupSymbols(_lookupPosition, name: name);
            result = found.Length > 0 && found.All(s => s is IMethodSymbol { IsStatic: true, IsGenericMethod: false, MethodKind: MethodKind.Ordinary } m
                    && m.ContainingType?.ToDisplayString() == OpsTypeName)
                ? new OpsOverloads(found.Cast<IMethodSymbol>().ToList())
                : null;
        }

        _lookups[key] = result;
        return result;
    }

    /// <summary>What an argument is, for choosing an overload.</summary>
    private enum ArgumentKind
    {
        Tensor,
        BoolTensor,
        Float,
        /// <summary>An int literal: converts to int (an axis) or float (a value).</summary>
        IntLiteral,
        Bool,
        String,
        /// <summary>A list of int literals: <c>[0, 1]</c> or <c>new[] { 0, 1 }</c>.</summary>
        IntList,
    }

    /// <summary>The kind of an argument, read from the syntax without building nodes; null when it is none of the kinds above.</summary>
    private ArgumentKind? KindOf(ExpressionSyntax expression)
    {
        switch (expression)
        {
            case ParenthesizedExpressionSyntax parenthesized:
                return KindOf(parenthesized.Expression);
            case LiteralExpressionSyntax { RawKind: (int)SyntaxKind.TrueLiteralExpression or (int)SyntaxKind.FalseLiteralExpression }:
                return ArgumentKind.Bool;
            case LiteralExpressionSyntax { RawKind: (int)SyntaxKind.StringLiteralExpression }:
                return ArgumentKind.String;
            case LiteralExpressionSyntax { RawKind: (int)SyntaxKind.NumericLiteralExpression } literal:
                return literal.Token.Value switch { float => ArgumentKind.Float, int => ArgumentKind.IntLiteral, _ => null };
            case CollectionExpressionSyntax or ImplicitArrayCreationExpressionSyntax:
                return IntList(expression) is null ? null : ArgumentKind.IntList;
            case PrefixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.UnaryMinusExpression or (int)SyntaxKind.UnaryPlusExpression } unary:
            {
                ArgumentKind? operand = KindOf(unary.Operand);
                return operand is ArgumentKind.Tensor or ArgumentKind.Float or ArgumentKind.IntLiteral ? operand : null;
            }

            case IdentifierNameSyntax identifier:
            {
                string name = identifier.Identifier.ValueText;
                Kind? kind = _locals.TryGetValue(name, out Value local) ? local.Kind
                    : _method.Parameters.FirstOrDefault(p => p.Name == name) is { } parameter && parameter.Ordinal < _builder.Parameters.Count
                        ? (_builder.Parameters[parameter.Ordinal].Kind == ParameterKind.Tensor ? Kind.Tensor : Kind.Scalar)
                        : null;
                return kind switch { Kind.Tensor => ArgumentKind.Tensor, Kind.BoolTensor => ArgumentKind.BoolTensor, Kind.Scalar => ArgumentKind.Float, _ => null };
            }

            case BinaryExpressionSyntax binary when binary.Kind() is SyntaxKind.AddExpression or SyntaxKind.SubtractExpression or SyntaxKind.MultiplyExpression or SyntaxKind.DivideExpression:
            {
                ArgumentKind? left = KindOf(binary.Left), right = KindOf(binary.Right);
                bool leftValue = left is ArgumentKind.Tensor or ArgumentKind.Float or ArgumentKind.IntLiteral;
                bool rightValue = right is ArgumentKind.Tensor or ArgumentKind.Float or ArgumentKind.IntLiteral;
                if (!leftValue || !rightValue || IsLiteral(binary.Left) && IsLiteral(binary.Right))
                {
                    return null;
                }

                return left == ArgumentKind.Tensor || right == ArgumentKind.Tensor ? ArgumentKind.Tensor : ArgumentKind.Float;
            }

            case InvocationExpressionSyntax invocation:
                return Resolve(invocation)?.Target.ReturnType is INamedTypeSymbol returned
                    ? IsTensorOf(returned, SpecialType.System_Single) ? ArgumentKind.Tensor : IsTensorOf(returned, SpecialType.System_Boolean) ? ArgumentKind.BoolTensor : null
                    : null;

            default:
                return null;
        }
    }

    /// <summary>A numeric literal, possibly signed or parenthesized: C# folds arithmetic on two of them.</summary>
    private static bool IsLiteral(ExpressionSyntax expression) => expression switch
    {
        ParenthesizedExpressionSyntax parenthesized => IsLiteral(parenthesized.Expression),
        PrefixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.UnaryMinusExpression or (int)SyntaxKind.UnaryPlusExpression } unary => IsLiteral(unary.Operand),
        LiteralExpressionSyntax { RawKind: (int)SyntaxKind.NumericLiteralExpression } => true,
        _ => false,
    };

    /// <summary>For each argument, the parameter it binds to, when <paramref name="method"/> applies in its normal form; else null.</summary>
    private static int[]? Applicable(IMethodSymbol method, SeparatedSyntaxList<ArgumentSyntax> arguments, ArgumentKind[] kinds)
    {
        if (arguments.Count > method.Parameters.Length)
        {
            return null;
        }

        var parameterOf = new int[arguments.Count];
        var bound = new bool[method.Parameters.Length];
        bool named = false;
        for (int i = 0; i < arguments.Count; i++)
        {
            int p;
            if (arguments[i].NameColon is { } nameColon)
            {
                named = true;
                string name = nameColon.Name.Identifier.ValueText;
                p = method.Parameters.Length - 1;
                while (p >= 0 && method.Parameters[p].Name != name)
                {
                    p--;
                }
            }
            else
            {
                if (named)
                {
                    return null; // a positional argument after a named one: rare, and C#'s rules are subtle
                }

                p = i;
            }

            if (p < 0 || bound[p] || !Converts(kinds[i], method.Parameters[p].Type))
            {
                return null;
            }

            bound[p] = true;
            parameterOf[i] = p;
        }

        for (int p = 0; p < bound.Length; p++)
        {
            if (!bound[p] && !method.Parameters[p].HasExplicitDefaultValue)
            {
                return null;
            }
        }

        return parameterOf;
    }

    /// <summary>
    /// <paramref name="method"/> with its params list of ints spread over the last arguments (all
    /// positional, int literals), when it applies so; else null.
    /// </summary>
    private static Call? ApplicableSpread(IMethodSymbol method, SeparatedSyntaxList<ArgumentSyntax> arguments, ArgumentKind[] kinds)
    {
        int fixedCount = method.Parameters.Length - 1;
        if (fixedCount < 0 || !method.Parameters[fixedCount].IsParams
            || method.Parameters[fixedCount].Type is not IArrayTypeSymbol { ElementType.SpecialType: SpecialType.System_Int32 }
            || arguments.Count < fixedCount || arguments.Any(a => a.NameColon is not null))
        {
            return null;
        }

        var parameterOf = new int[arguments.Count];
        var values = new List<int>();
        for (int i = 0; i < arguments.Count; i++)
        {
            if (i < fixedCount)
            {
                if (!Converts(kinds[i], method.Parameters[i].Type))
                {
                    return null;
                }

                parameterOf[i] = i;
            }
            else if (kinds[i] == ArgumentKind.IntLiteral && IntLiteral(arguments[i].Expression) is int value)
            {
                parameterOf[i] = -1;
                values.Add(value);
            }
            else
            {
                return null;
            }
        }

        return new Call(method, parameterOf, values.ToArray());
    }

    /// <summary>The implicit conversions the DSL's arguments have to the types of Ops' parameters.</summary>
    private static bool Converts(ArgumentKind kind, ITypeSymbol type) => kind switch
    {
        ArgumentKind.Tensor => IsTensorOf(type, SpecialType.System_Single),
        ArgumentKind.BoolTensor => IsTensorOf(type, SpecialType.System_Boolean),
        ArgumentKind.Float => type.SpecialType == SpecialType.System_Single,
        ArgumentKind.IntLiteral => type.SpecialType is SpecialType.System_Int32 or SpecialType.System_Single,
        ArgumentKind.Bool => type.SpecialType == SpecialType.System_Boolean,
        ArgumentKind.String => type.SpecialType == SpecialType.System_String,
        ArgumentKind.IntList => type is IArrayTypeSymbol { Rank: 1, ElementType.SpecialType: SpecialType.System_Int32 },
        _ => false,
    };

    private static bool IsTensorOf(ITypeSymbol type, SpecialType element)
        => type is INamedTypeSymbol { Name: "Tensor", TypeArguments.Length: 1 } named
           && named.TypeArguments[0].SpecialType == element
           && named.ContainingNamespace?.ToDisplayString() == "System.Numerics.Tensors";

    /// <summary>Lowers a call of <paramref name="target"/>, mirroring the semantic front end's order of building nodes.</summary>
    private Value? LowerCall(IMethodSymbol target, ExpressionSyntax?[] argumentOf, int[]? spread)
    {
        var algebra = new GraphAlgebra(_builder);
        switch (target.Name)
        {
            case "Sum" or "Mean" or "Prod" or "Max" or "Min" when ReductionLowering.ReductionOf(target) is Op op:
            {
                int? x = TensorNode(argumentOf[0]);
                int[]? axes = target.Parameters[1].Type.SpecialType == SpecialType.System_Int32
                    ? IntArgument(target, argumentOf, 1) is int axis ? new[] { axis } : null
                    : IntList(argumentOf[1]);
                bool? keepDims = BoolArgument(target, argumentOf, 2);
                return x is int xi && axes is not null && keepDims is bool keep ? TensorValue(ReductionLowering.Reduce(_builder, op, xi, keep, axes)) : null;
            }

            case "Softmax" or "LogSoftmax" when target.Parameters.Length == 2:
            {
                int? x = TensorNode(argumentOf[0]);
                int? axis = IntArgument(target, argumentOf, 1);
                return x is int xi && axis is int a
                    ? TensorValue(ReductionLowering.AlongLastAxis(_builder, xi, a, (operand, along) => target.Name == "Softmax"
                        ? LayerComposites.Softmax(algebra, operand, along)
                        : LayerComposites.LogSoftmax(algebra, operand, along)))
                    : null;
            }

            case "LayerNorm" when target.Parameters.Length == 4:
            {
                int? x = TensorNode(argumentOf[0]), gamma = TensorNode(argumentOf[1]), beta = TensorNode(argumentOf[2]);
                float? epsilon = FloatArgument(target, argumentOf, 3);
                return x is int xi && gamma is int g && beta is int b && epsilon is float e ? TensorValue(LayerComposites.LayerNorm(algebra, xi, g, b, e)) : null;
            }

            case "RmsNorm" when target.Parameters.Length == 3:
            {
                int? x = TensorNode(argumentOf[0]), gamma = TensorNode(argumentOf[1]);
                float? epsilon = FloatArgument(target, argumentOf, 2);
                return x is int xi && gamma is int g && epsilon is float e ? TensorValue(LayerComposites.RmsNorm(algebra, xi, g, e)) : null;
            }

            case "Einsum" when target.Parameters.Length == 3:
            {
                if (argumentOf[0] is not LiteralExpressionSyntax { Token.Value: string text } || TensorNode(argumentOf[1]) is not int a || TensorNode(argumentOf[2]) is not int b
                    || EinsumLowering.Parse(text, out _) is not { } spec
                    || ReductionLowering.ShapeOf(_builder, a) is { } left && left.Rank != spec.Left.Length
                    || ReductionLowering.ShapeOf(_builder, b) is { } right && right.Rank != spec.Right.Length)
                {
                    return null;
                }

                return EinsumLowering.Lower(_builder, spec, a, b, out _) is int result ? TensorValue(result) : null;
            }

            case "MatMul" when target.Parameters.Length == 2:
                return TensorNode(argumentOf[0]) is int ma && TensorNode(argumentOf[1]) is int mb ? TensorValue(_builder.Apply(Op.MatMul, ma, mb)) : null;

            case "Reshape" when target.Parameters.Length == 2:
            {
                int? x = TensorNode(argumentOf[0]);
                int[]? lengths = spread ?? IntList(argumentOf[1]);
                return x is int xi && lengths is not null ? TensorValue(_builder.Reshape(xi, lengths)) : null;
            }

            case "Slice" when target.Parameters.Length == 4:
            {
                int? x = TensorNode(argumentOf[0]);
                int? axis = IntArgument(target, argumentOf, 1), start = IntArgument(target, argumentOf, 2), length = IntArgument(target, argumentOf, 3);
                return x is int xi && axis is int a && start is int s && length is int l ? TensorValue(_builder.Slice(xi, a, s, l)) : null;
            }

            case "Concat" when target.Parameters.Length >= 3:
            {
                int?[] pieces = Enumerable.Range(0, target.Parameters.Length - 1).Select(k => TensorNode(argumentOf[k])).ToArray();
                int? axis = IntArgument(target, argumentOf, target.Parameters.Length - 1);
                return axis is int a && pieces.All(p => p is not null) ? TensorValue(_builder.Concat(a, pieces.Select(p => p!.Value).ToArray())) : null;
            }

            case "Chunk" when target.Parameters.Length == 4:
            {
                // A chunk that does not fit is declined: the bound front end reports it (KD0013).
                int? x = TensorNode(argumentOf[0]);
                int? chunks = IntArgument(target, argumentOf, 1), index = IntArgument(target, argumentOf, 2), axis = IntArgument(target, argumentOf, 3);
                return x is int xi && chunks is int c && index is int i && axis is int a && ChunkLowering.Lower(_builder, xi, c, i, a, out string? problem) is int chunk && problem is null
                    ? TensorValue(chunk)
                    : null;
            }

            case "Transpose" when target.Parameters.Length == 1:
                return TensorNode(argumentOf[0]) is int t ? TensorValue(_builder.Transpose(t)) : null;

            case "Transpose" when target.Parameters.Length == 2:
            {
                int? x = TensorNode(argumentOf[0]);
                int[]? permutation = spread ?? IntList(argumentOf[1]);
                return x is int xi && permutation is not null ? TensorValue(_builder.Transpose(xi, permutation)) : null;
            }
        }

        if (OpsCatalog.Find(target.Name, target.Parameters.Length) is not Op elementwise)
        {
            return null;
        }

        var operands = new int[target.Parameters.Length];
        for (int p = 0; p < operands.Length; p++)
        {
            if (FloatOrTensorArgument(target, argumentOf, p) is not int operand)
            {
                return null;
            }

            operands[p] = operand;
        }

        Kind kind = target.ReturnType is INamedTypeSymbol returned && IsTensorOf(returned, SpecialType.System_Boolean) ? Kind.BoolTensor : Kind.Tensor;
        return new Value(_builder.Apply(elementwise, operands), kind);
    }

    private static Value TensorValue(int node) => new(node, Kind.Tensor);

    private int? TensorNode(ExpressionSyntax? argument) => argument is not null && Lower(argument) is { Kind: Kind.Tensor } value ? value.Node : null;

    /// <summary>A float or tensor operand's node: the argument's (its kind was checked against the parameter), or the parameter's default value as a constant.</summary>
    private int? FloatOrTensorArgument(IMethodSymbol target, ExpressionSyntax?[] argumentOf, int p)
    {
        if (argumentOf[p] is not { } argument)
        {
            return DefaultOf(target.Parameters[p]) is float value ? _builder.Constant(value) : null;
        }

        return Lower(argument) is { } lowered ? AsFloat(lowered) : null;
    }

    private int? IntArgument(IMethodSymbol target, ExpressionSyntax?[] argumentOf, int p)
    {
        if (argumentOf[p] is null)
        {
            return target.Parameters[p].HasExplicitDefaultValue && target.Parameters[p].ExplicitDefaultValue is int value ? value : null;
        }

        return Lower(argumentOf[p]!) is { Kind: Kind.IntConstant } constant ? (int)constant.Constant : null;
    }

    private static bool? BoolArgument(IMethodSymbol target, ExpressionSyntax?[] argumentOf, int p)
    {
        ExpressionSyntax? argument = argumentOf[p];
        while (argument is ParenthesizedExpressionSyntax parenthesized)
        {
            argument = parenthesized.Expression;
        }

        return argument switch
        {
            null => target.Parameters[p].HasExplicitDefaultValue && target.Parameters[p].ExplicitDefaultValue is bool value ? value : null,
            LiteralExpressionSyntax { RawKind: (int)SyntaxKind.TrueLiteralExpression } => true,
            LiteralExpressionSyntax { RawKind: (int)SyntaxKind.FalseLiteralExpression } => false,
            _ => null,
        };
    }

    private float? FloatArgument(IMethodSymbol target, ExpressionSyntax?[] argumentOf, int p)
    {
        if (argumentOf[p] is null)
        {
            return DefaultOf(target.Parameters[p]);
        }

        return Lower(argumentOf[p]!) is { } value && IsConstant(value) ? (float)value.Constant : null;
    }

    private static float? DefaultOf(IParameterSymbol parameter)
        => parameter.HasExplicitDefaultValue && parameter.ExplicitDefaultValue is { } value && value is float or int or double
            ? System.Convert.ToSingle(value, CultureInfo.InvariantCulture)
            : null;

    /// <summary>The ints of <c>[0, -1]</c> or <c>new[] { 0, -1 }</c>, each a literal with its sign; else null.</summary>
    private static int[]? IntList(ExpressionSyntax? expression)
    {
        IEnumerable<ExpressionSyntax>? elements = expression switch
        {
            CollectionExpressionSyntax collection when collection.Elements.All(e => e is ExpressionElementSyntax)
                => collection.Elements.Cast<ExpressionElementSyntax>().Select(e => e.Expression),
            ImplicitArrayCreationExpressionSyntax { Commas.Count: 0 } array => array.Initializer.Expressions,
            _ => null,
        };
        if (elements is null)
        {
            return null;
        }

        var values = new List<int>();
        foreach (ExpressionSyntax element in elements)
        {
            if (IntLiteral(element) is not int value)
            {
                return null;
            }

            values.Add(value);
        }

        return values.ToArray();
    }

    private static int? IntLiteral(ExpressionSyntax expression) => expression switch
    {
        ParenthesizedExpressionSyntax parenthesized => IntLiteral(parenthesized.Expression),
        LiteralExpressionSyntax { Token.Value: int value } => value,
        PrefixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.UnaryMinusExpression, Operand: var operand } when IntLiteral(operand) is int value && value != int.MinValue => -value,
        _ => null,
    };
}
