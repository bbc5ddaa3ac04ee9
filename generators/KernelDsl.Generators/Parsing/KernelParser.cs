using System.Collections.Generic;
using System.Linq;
using System.Threading;
using KernelDsl.Compiler;
using KernelDsl.Compiler.Common;
using KernelDsl.Compiler.Graph;
using KernelDsl.Compiler.Shapes;
using KernelDsl.Generators.Diagnostics;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace KernelDsl.Generators.Parsing;

/// <summary>
/// Reads one [Kernel] method from the semantic model into a <see cref="KernelSpec"/>: checks the
/// declaration (KD0006), lowers the body (KD0005), and keeps nothing Roslyn-owned.
/// </summary>
internal static class KernelParser
{
    /// <summary>The runtime's <c>KernelOperands.MaxInputs</c>.</summary>
    private const int MaxTensorInputs = 8;

    /// <summary>The runtime's <c>RowRunner.MaxOuterRank</c> plus the row.</summary>
    private const int MaxRank = 9;

    private const string ShapeAttributeName = "KernelDsl.ShapeAttribute";

    /// <summary>The most tensors a kernel may return as a tuple.</summary>
    private const int MaxResults = 4;

    /// <summary>
    /// Parses a kernel, turning any failure of the front end itself into KD9999 at the method's name:
    /// the generator and the analyzer both call this, and neither may throw on user code.
    /// </summary>
    /// <param name="fromSyntaxFirst">
    /// Try <see cref="SyntaxLowering"/> before binding the body, as the generator and the analyzer
    /// do: a body the syntax settles then costs no binding, and gives the same spec and the same
    /// diagnostics. A body with shape errors is bound after all, so that its errors point at the
    /// sub-expressions (the syntax front end records no locations).
    /// </param>
    public static KernelParseResult ParseSafely(IMethodSymbol method, MethodDeclarationSyntax syntax, SemanticModel semanticModel, CancellationToken cancellationToken, bool fromSyntaxFirst = false)
    {
        try
        {
            return Parse(method, syntax, semanticModel, cancellationToken, fromSyntaxFirst);
        }
        catch (System.Exception e) when (e is not System.OperationCanceledException)
        {
            return new KernelParseResult(null, EquatableArray.Create(DiagnosticInfo.InternalError(LocationInfo.From(syntax.Identifier), method.Name, e)));
        }
    }

    /// <summary>
    /// Reads one kernel: the declaration, the body, the shapes. The spec is null when there is an
    /// error (warnings, such as an unused parameter, still give a spec).
    /// </summary>
    public static KernelParseResult Parse(IMethodSymbol method, MethodDeclarationSyntax syntax, SemanticModel semanticModel, CancellationToken cancellationToken, bool fromSyntaxFirst = false)
    {
        var diagnostics = new List<DiagnosticInfo>();
        if (!ReadDeclaration(method, syntax, diagnostics, out EquatableArray<KernelParameter> parameters, out Shape? declaredResult))
        {
            return new KernelParseResult(null, diagnostics.ToEquatableArray());
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (fromSyntaxFirst && FromSyntax(method, syntax, semanticModel, parameters, declaredResult, diagnostics) is { } fast)
        {
            return fast;
        }

        IOperation? body = semanticModel.GetOperation(syntax, cancellationToken);
        if (body is null)
        {
            return new KernelParseResult(null, diagnostics.ToEquatableArray());
        }

        (GraphBuilder builder, (int? output, BodyLowering lowering)) = LowerImplyingShapes(parameters, b => BodyLowering.Lower(body, b, method), lowered => lowered.Output);
        EquatableArray<InlinedKernel> inlined = InlinedKernels(lowering);
        if (output is not int result)
        {
            diagnostics.AddRange(lowering.Diagnostics);
            return new KernelParseResult(null, diagnostics.ToEquatableArray()) { Inlined = inlined };
        }

        KernelGraph graph = builder.Build(result, out int[] graphIndex);
        int errorsBefore = diagnostics.Count;
        diagnostics.AddRange(ShapeDiagnostics.Check(graph, graphIndex, lowering.NodeLocations, LocationInfo.From(syntax.Identifier), declaredResult, LocationInfo.From(ReturnedExpression(syntax) ?? (SyntaxNode)syntax)));
        bool hasErrors = diagnostics.Count > errorsBefore;
        diagnostics.AddRange(UnusedParameters(method, graph));
        if (hasErrors)
        {
            return new KernelParseResult(null, diagnostics.ToEquatableArray()) { Inlined = inlined };
        }

        return new KernelParseResult(SpecOf(method, syntax, graph), diagnostics.ToEquatableArray()) { Inlined = inlined };
    }

    /// <summary>The kernels the body inlined, each once, with the text each was read from.</summary>
    private static EquatableArray<InlinedKernel> InlinedKernels(BodyLowering lowering)
        => lowering.InlinedKernels
            .Select(callee => new InlinedKernel(DocumentationCommentId.CreateDeclarationId(callee.Kernel) ?? "", callee.Text))
            .ToEquatableArray();

    /// <summary>A method's declaration in source, or null when it has none (it is compiled in another assembly).</summary>
    internal static MethodDeclarationSyntax? DeclarationOf(IMethodSymbol method)
        => method.DeclaringSyntaxReferences.Select(r => r.GetSyntax()).OfType<MethodDeclarationSyntax>().FirstOrDefault();

    /// <summary>A method's declaration as written (attributes, signature and body), or null when it has no source.</summary>
    internal static string? DeclarationText(IMethodSymbol method) => DeclarationOf(method)?.ToString();

    /// <summary>
    /// The kernel as <see cref="SyntaxLowering"/> alone reads it, for tests that hold it to the bound
    /// front end: null when the declaration is invalid, the syntax does not settle the body or the
    /// body has shape errors.
    /// </summary>
    internal static KernelParseResult? ParseFromSyntaxOnly(IMethodSymbol method, MethodDeclarationSyntax syntax, SemanticModel semanticModel)
    {
        var diagnostics = new List<DiagnosticInfo>();
        return ReadDeclaration(method, syntax, diagnostics, out EquatableArray<KernelParameter> parameters, out Shape? declaredResult)
            ? FromSyntax(method, syntax, semanticModel, parameters, declaredResult, diagnostics)
            : null;
    }

    /// <summary>Checks the declaration (KD0006) and reads the parameters and the declared result shape; false when it is invalid.</summary>
    internal static bool ReadDeclaration(IMethodSymbol method, MethodDeclarationSyntax syntax, List<DiagnosticInfo> diagnostics,
        out EquatableArray<KernelParameter> parameters, out Shape? declaredResult)
    {
        void Invalid(string problem, string? fix)
        {
            DiagnosticInfo diagnostic = DiagnosticInfo.Create(KernelDiagnostics.InvalidKernelMethod, LocationInfo.From(syntax.Identifier), method.Name, problem);
            diagnostics.Add(fix is null ? diagnostic : diagnostic.WithProperty(FixProperties.Fix, fix));
        }

        CheckDeclaration(method, syntax, Invalid);
        parameters = ReadParameters(method, problem => Invalid(problem, null));
        declaredResult = ReadReturnShape(method, parameters, problem => Invalid(problem, null));
        diagnostics.AddRange(SymbolSpellings.Check(method, declaredResult));
        return !diagnostics.Any(d => d.Id == KernelDiagnostics.InvalidKernelMethod.Id);
    }

    /// <summary>
    /// The kernel read by <see cref="SyntaxLowering"/>, or null when the syntax does not settle the
    /// body or the body has shape errors. Then the same steps as the bound path: shapes implied for
    /// an unshaped kernel that needs them, the shape checks, and the unused parameters' warnings.
    /// </summary>
    private static KernelParseResult? FromSyntax(IMethodSymbol method, MethodDeclarationSyntax syntax, SemanticModel semanticModel,
        EquatableArray<KernelParameter> parameters, Shape? declaredResult, List<DiagnosticInfo> diagnostics)
    {
        (GraphBuilder builder, int? lowered) = LowerImplyingShapes(parameters, b => SyntaxLowering.TryLower(syntax, method, semanticModel, b), output => output);
        if (lowered is not int output)
        {
            return null;
        }

        KernelGraph graph = builder.Build(output, out int[] graphIndex);
        var noLocations = new Dictionary<int, LocationInfo?>();
        if (ShapeDiagnostics.Check(graph, graphIndex, noLocations, LocationInfo.From(syntax.Identifier), declaredResult, null).Any())
        {
            // Left to the bound front end, which reports the errors where they are.
            return null;
        }

        return new KernelParseResult(SpecOf(method, syntax, graph), diagnostics.Concat(UnusedParameters(method, graph)).ToEquatableArray());
    }

    /// <summary>
    /// Lowers the body with <paramref name="lower"/>; when the kernel declares no [Shape] but the body
    /// reduces, views or returns several tensors, lowers it again with every tensor parameter a
    /// vector of one length N. Gives the builder of the lowering that counts.
    /// </summary>
    private static (GraphBuilder Builder, T Lowered) LowerImplyingShapes<T>(EquatableArray<KernelParameter> parameters, System.Func<GraphBuilder, T> lower, System.Func<T, int?> outputOf)
    {
        var builder = new GraphBuilder(parameters);
        T lowered = lower(builder);
        if (outputOf(lowered) is int output && VectorShapes.AreUndeclared(parameters) && VectorShapes.AreNeeded(builder.Build(output)))
        {
            builder = new GraphBuilder(VectorShapes.Imply(parameters));
            lowered = lower(builder);
        }

        return (builder, lowered);
    }

    private static KernelSpec SpecOf(IMethodSymbol method, MethodDeclarationSyntax syntax, KernelGraph graph) => new(
        NamespaceOf(method),
        ContainingTypes(method),
        method.Name,
        Accessibility(method),
        System.IO.Path.GetFileName(syntax.SyntaxTree.FilePath),
        ReturnedExpressionText(syntax),
        graph);

    /// <summary>KD0009 for each parameter no node of the graph reads (the graph holds only live nodes).</summary>
    private static IEnumerable<DiagnosticInfo> UnusedParameters(IMethodSymbol method, KernelGraph graph)
    {
        var used = new HashSet<int>(graph.Nodes.Where(n => n.Op is Op.Input or Op.ScalarInput).Select(n => n.Parameter));
        for (int i = 0; i < method.Parameters.Length; i++)
        {
            if (!used.Contains(i))
            {
                IParameterSymbol parameter = method.Parameters[i];
                yield return DiagnosticInfo.Create(KernelDiagnostics.UnusedParameter, LocationInfo.From(parameter.Locations.FirstOrDefault()), parameter.Name, method.Name);
            }
        }
    }

    /// <summary>
    /// The declared <c>[return: Shape(...)]</c>, or null without one. It needs shaped parameters (its
    /// symbols are theirs) and a single result.
    /// </summary>
    private static Shape? ReadReturnShape(IMethodSymbol method, EquatableArray<KernelParameter> parameters, System.Action<string> invalid)
    {
        AttributeData? attribute = method.GetReturnTypeAttributes().FirstOrDefault(IsShapeAttribute);
        if (attribute is null)
        {
            return null;
        }

        if (method.ReturnType is INamedTypeSymbol { IsTupleType: true })
        {
            invalid("declares [return: Shape] but returns a tuple; the shape of each result is inferred from the body");
            return null;
        }

        if (!parameters.Any(p => p.Shape is not null))
        {
            invalid("declares [return: Shape] but none of its parameters has [Shape(...)]; declare the parameters' shapes, whose symbols the result's shape uses");
            return null;
        }

        return ReadDimensions(attribute, "its result", invalid);
    }

    private static void CheckDeclaration(IMethodSymbol method, MethodDeclarationSyntax syntax, System.Action<string, string?> invalid)
    {
        if (!method.IsStatic)
        {
            invalid("must be static", FixProperties.FixMakeStatic);
        }

        if (method.IsGenericMethod)
        {
            invalid("must not be generic: kernels are compiled for float tensors", null);
        }

        if (syntax.Body is null && syntax.ExpressionBody is null)
        {
            invalid("must have a body: the body is the kernel's expression", null);
        }

        for (INamedTypeSymbol? type = method.ContainingType; type is not null; type = type.ContainingType)
        {
            if (type.IsGenericType)
            {
                invalid($"must not be in the generic type '{type.Name}'", null);
            }

            bool isPartial = type.DeclaringSyntaxReferences
                .Select(r => r.GetSyntax())
                .OfType<TypeDeclarationSyntax>()
                .Any(d => d.Modifiers.Any(SyntaxKind.PartialKeyword));
            if (!isPartial)
            {
                invalid($"is in type '{type.Name}', which must be declared partial so the fused kernels can be added to it", FixProperties.FixMakePartial);
            }
        }

        if (method.ContainingType is { } containing)
        {
            int kernelsOfThisName = containing.GetMembers(method.Name).OfType<IMethodSymbol>().Count(IsKernel);
            if (kernelsOfThisName > 1)
            {
                invalid("is overloaded; kernels in one type need distinct names, since each name gets its own fused overloads and loop", null);
            }

            string fusedName = method.Name + "Fused";
            if (containing.GetMembers(fusedName).Any(member => !IsGeneratedByKernelDsl(member)))
            {
                invalid($"needs the name '{fusedName}' for its allocating fused overload, but '{containing.Name}' already has a member of that name", null);
            }
        }

        if (!IsFloatTensor(method.ReturnType) && !IsTupleOfFloatTensors(method.ReturnType))
        {
            invalid($"must return Tensor<float> or a tuple of 2 to {MaxResults} of them, not '{method.ReturnType.ToDisplayString()}'", null);
        }
    }

    private static EquatableArray<KernelParameter> ReadParameters(IMethodSymbol method, System.Action<string> invalid)
    {
        var parameters = new List<KernelParameter>();
        foreach (IParameterSymbol parameter in method.Parameters)
        {
            string name = SyntaxFacts.GetKeywordKind(parameter.Name) == SyntaxKind.None ? parameter.Name : "@" + parameter.Name;
            if (parameter.RefKind != RefKind.None || parameter.IsParams)
            {
                invalid($"has parameter '{parameter.Name}' passed by reference or as params; kernel parameters are plain Tensor<float> or float");
            }
            else if (IsFloatTensor(parameter.Type))
            {
                parameters.Add(new KernelParameter(name, ParameterKind.Tensor, ReadShape(parameter, invalid)));
            }
            else if (parameter.Type.SpecialType == SpecialType.System_Single)
            {
                parameters.Add(new KernelParameter(name, ParameterKind.Scalar));
            }
            else
            {
                invalid($"has parameter '{parameter.Name}' of type '{parameter.Type.ToDisplayString()}'; kernel parameters are Tensor<float> or float");
            }
        }

        // A product such as H*D, or a sum such as T+1, binds no symbol: each of its symbols is some
        // parameter's dimension on its own. A multiple of one symbol (2*H) binds it by division where
        // nothing else does.
        var bound = new HashSet<string>(parameters.Where(p => p.Shape is not null).SelectMany(p => p.Shape!.Dims)
            .Where(d => !d.IsLiteral && !d.IsSum && (!d.IsProduct || d.Factors.Count == 1)).SelectMany(d => d.Factors));
        foreach (KernelParameter p in parameters.Where(p => p.Shape is not null))
        {
            foreach (Dim derived in p.Shape!.Dims.Where(d => d.IsProduct || d.IsSum))
            {
                string? unbound = derived.Symbols.FirstOrDefault(f => !bound.Contains(f));
                if (unbound is not null)
                {
                    invalid($"has parameter '{p.Name.TrimStart('@')}' with the dimension '{derived}' in [Shape], but {unbound} is no parameter's dimension on its own; each symbol of a {(derived.IsSum ? "sum" : "product")} must be, so its size is known");
                }
            }
        }

        int tensors = parameters.Count(p => p.Kind == ParameterKind.Tensor);
        KernelParameter? shaped = parameters.FirstOrDefault(p => p.Shape is not null);
        KernelParameter? unshaped = parameters.FirstOrDefault(p => p.Kind == ParameterKind.Tensor && p.Shape is null);
        if (shaped is not null && unshaped is not null)
        {
            invalid($"declares the shape of '{shaped.Name.TrimStart('@')}' but not of '{unshaped.Name.TrimStart('@')}'; when one tensor parameter has [Shape(...)], every one needs it");
        }

        if (tensors == 0 && parameters.Count == method.Parameters.Length)
        {
            invalid("has no Tensor<float> parameter; a kernel needs at least one tensor input to take its shape from");
        }
        else if (tensors > MaxTensorInputs)
        {
            invalid($"has {tensors} tensor parameters; a fused kernel reads at most {MaxTensorInputs}");
        }

        return parameters.ToEquatableArray();
    }

    /// <summary>The parameter's [Shape(...)] dimensions, or null without the attribute.</summary>
    private static Shape? ReadShape(IParameterSymbol parameter, System.Action<string> invalid)
    {
        AttributeData? attribute = parameter.GetAttributes().FirstOrDefault(IsShapeAttribute);
        return attribute is null ? null : ReadDimensions(attribute, $"parameter '{parameter.Name}'", invalid);
    }

    /// <summary>The dimensions a [Shape(...)] attribute lists, checked; null (and a KD0006) when they are not valid.</summary>
    private static Shape? ReadDimensions(AttributeData attribute, string owner, System.Action<string> invalid)
    {
        string?[]? texts = ShapeAttributeTexts(attribute);
        if (texts is null)
        {
            return null;
        }

        if (texts.Length == 0 || texts.Length > MaxRank)
        {
            invalid($"has {owner} with {texts.Length} dimensions in [Shape]; a kernel tensor has 1 to {MaxRank}");
            return null;
        }

        var dims = new List<Dim>(texts.Length);
        foreach (string? text in texts)
        {
            if (text is null || !text.Split('+').All(term => term.Split('*').All(f => IsDimensionFactor(f.Trim()))))
            {
                invalid($"has {owner} with the dimension '{text}' in [Shape]; a dimension is a symbol (an identifier such as B or seqLen), a size (digits), a product of them (H*D) or a sum of those (T+1, D+E)");
                return null;
            }

            try
            {
                dims.Add(Dim.Parse(text));
            }
            catch (System.OverflowException)
            {
                invalid($"has {owner} with the dimension '{text}' in [Shape], whose size does not fit in 64 bits");
                return null;
            }
        }

        return new Shape(dims.ToEquatableArray());
    }

    /// <summary>A symbol (an identifier) or a size (digits), alone or as one factor of a product or a sum's term.</summary>
    private static bool IsDimensionFactor(string text)
        => text.Length > 0 && text.All(c => c >= '0' && c <= '9') ? long.TryParse(text, out _) : SyntaxFacts.IsValidIdentifier(text);

    /// <summary>The strings of a [Shape(...)] attribute; null when it does not bind (the C# compiler reports that).</summary>
    internal static string?[]? ShapeAttributeTexts(AttributeData attribute)
    {
        if (attribute.ConstructorArguments.Length != 1)
        {
            return null;
        }

        TypedConstant argument = attribute.ConstructorArguments[0];
        return argument.Kind == TypedConstantKind.Array
            ? argument.Values.Select(v => v.Value as string).ToArray()
            : new[] { argument.Value as string };
    }

    internal static bool IsShapeAttribute(AttributeData attribute) => attribute.AttributeClass?.ToDisplayString() == ShapeAttributeName;

    /// <summary>
    /// Whether a member is one this generator emitted (it marks each with
    /// <c>[GeneratedCode("KernelDsl.Generators", ...)]</c>). The analyzer sees the compilation with
    /// the generated files added, where a kernel's <c>...Fused</c> overload exists already; that one
    /// is no conflict.
    /// </summary>
    private static bool IsGeneratedByKernelDsl(ISymbol member)
        => member.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == "System.CodeDom.Compiler.GeneratedCodeAttribute"
            && a.ConstructorArguments.Length > 0 && a.ConstructorArguments[0].Value as string == Compiler.Rendering.KernelFileEmitter.GeneratorName);

    private static bool IsTupleOfFloatTensors(ITypeSymbol type)
        => type is INamedTypeSymbol { IsTupleType: true } tuple
           && tuple.TupleElements.Length is >= 2 and <= MaxResults
           && tuple.TupleElements.All(e => IsFloatTensor(e.Type));

    internal static bool IsKernel(IMethodSymbol method)
        => method.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == "KernelDsl.KernelAttribute");

    private static bool IsFloatTensor(ITypeSymbol type)
        => type is INamedTypeSymbol { Name: "Tensor", TypeArguments.Length: 1 } named
           && named.TypeArguments[0].SpecialType == SpecialType.System_Single
           && named.ContainingNamespace.ToDisplayString() == "System.Numerics.Tensors";

    /// <summary>
    /// The generated file's name for a kernel method (<see cref="KernelSpec.HintName"/>), from its
    /// symbol alone: what the generator pairs a cached compilation with the method's current location by.
    /// </summary>
    public static string HintNameOf(IMethodSymbol method)
        => KernelSpec.HintNameOf(NamespaceOf(method), TypeNameOf(method), method.Name);

    private static string? NamespaceOf(IMethodSymbol method)
        => method.ContainingNamespace.IsGlobalNamespace ? null : method.ContainingNamespace.ToDisplayString();

    /// <summary>The kernel method's containing types joined with dots (<see cref="KernelSpec.TypeName"/>).</summary>
    public static string TypeNameOf(IMethodSymbol method) => string.Join(".", ContainingTypes(method).Select(t => t.Name));

    private static EquatableArray<ContainingType> ContainingTypes(IMethodSymbol method)
    {
        var types = new List<ContainingType>();
        for (INamedTypeSymbol? type = method.ContainingType; type is not null; type = type.ContainingType)
        {
            string keyword = type switch
            {
                { IsRecord: true, TypeKind: TypeKind.Struct } => "record struct",
                { IsRecord: true } => "record",
                { TypeKind: TypeKind.Struct } => "struct",
                { TypeKind: TypeKind.Interface } => "interface",
                _ => "class",
            };
            types.Insert(0, new ContainingType(keyword, type.Name));
        }

        return types.ToEquatableArray();
    }

    private static string Accessibility(IMethodSymbol method) => method.DeclaredAccessibility switch
    {
        Microsoft.CodeAnalysis.Accessibility.Public => "public",
        Microsoft.CodeAnalysis.Accessibility.Internal => "internal",
        Microsoft.CodeAnalysis.Accessibility.Protected => "protected",
        Microsoft.CodeAnalysis.Accessibility.ProtectedOrInternal => "protected internal",
        Microsoft.CodeAnalysis.Accessibility.ProtectedAndInternal => "private protected",
        _ => "private",
    };

    /// <summary>The expression the kernel returns: the expression body, or the last return statement's value.</summary>
    private static ExpressionSyntax? ReturnedExpression(MethodDeclarationSyntax syntax)
        => syntax.ExpressionBody?.Expression ?? syntax.Body?.Statements.OfType<ReturnStatementSyntax>().LastOrDefault()?.Expression;

    /// <summary>The returned expression as written, on one line, for the generated file's header.</summary>
    private static string ReturnedExpressionText(MethodDeclarationSyntax syntax)
    {
        string text = ReturnedExpression(syntax)?.ToString() ?? "";
        return string.Join(" ", text.Split((char[]?)null, System.StringSplitOptions.RemoveEmptyEntries));
    }
}
