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

    public static KernelParseResult Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        if (context.TargetSymbol is not IMethodSymbol method || context.TargetNode is not MethodDeclarationSyntax syntax)
        {
            return new KernelParseResult(null, EquatableArray<DiagnosticInfo>.Empty);
        }

        var diagnostics = new List<DiagnosticInfo>();
        void Invalid(string problem) => diagnostics.Add(DiagnosticInfo.Create(KernelDiagnostics.InvalidKernelMethod, LocationInfo.From(syntax.Identifier), method.Name, problem));

        CheckDeclaration(method, syntax, Invalid);
        EquatableArray<KernelParameter> parameters = ReadParameters(method, Invalid);
        if (diagnostics.Count > 0)
        {
            return new KernelParseResult(null, diagnostics.ToEquatableArray());
        }

        cancellationToken.ThrowIfCancellationRequested();
        IOperation? body = context.SemanticModel.GetOperation(syntax, cancellationToken);
        if (body is null)
        {
            return new KernelParseResult(null, EquatableArray<DiagnosticInfo>.Empty);
        }

        var builder = new GraphBuilder(parameters);
        (int? output, BodyLowering lowering) = BodyLowering.Lower(body, builder, method);
        if (output is not int result)
        {
            return new KernelParseResult(null, lowering.Diagnostics.ToEquatableArray());
        }

        KernelGraph graph = builder.Build(result, out int[] graphIndex);
        diagnostics.AddRange(ShapeDiagnostics.Check(graph, graphIndex, lowering.NodeLocations, LocationInfo.From(syntax.Identifier)));
        if (diagnostics.Count > 0)
        {
            return new KernelParseResult(null, diagnostics.ToEquatableArray());
        }

        var spec = new KernelSpec(
            method.ContainingNamespace.IsGlobalNamespace ? null : method.ContainingNamespace.ToDisplayString(),
            ContainingTypes(method),
            method.Name,
            Accessibility(method),
            System.IO.Path.GetFileName(syntax.SyntaxTree.FilePath),
            ReturnedExpressionText(syntax),
            graph);
        return new KernelParseResult(spec, EquatableArray<DiagnosticInfo>.Empty);
    }

    private static void CheckDeclaration(IMethodSymbol method, MethodDeclarationSyntax syntax, System.Action<string> invalid)
    {
        if (!method.IsStatic)
        {
            invalid("must be static");
        }

        if (method.IsGenericMethod)
        {
            invalid("must not be generic: kernels are compiled for float tensors");
        }

        if (syntax.Body is null && syntax.ExpressionBody is null)
        {
            invalid("must have a body: the body is the kernel's expression");
        }

        for (INamedTypeSymbol? type = method.ContainingType; type is not null; type = type.ContainingType)
        {
            if (type.IsGenericType)
            {
                invalid($"must not be in the generic type '{type.Name}'");
            }

            bool isPartial = type.DeclaringSyntaxReferences
                .Select(r => r.GetSyntax())
                .OfType<TypeDeclarationSyntax>()
                .Any(d => d.Modifiers.Any(SyntaxKind.PartialKeyword));
            if (!isPartial)
            {
                invalid($"is in type '{type.Name}', which must be declared partial so the fused kernels can be added to it");
            }
        }

        if (method.ContainingType is { } containing)
        {
            int kernelsOfThisName = containing.GetMembers(method.Name).OfType<IMethodSymbol>().Count(IsKernel);
            if (kernelsOfThisName > 1)
            {
                invalid("is overloaded; kernels in one type need distinct names, since each name gets its own fused overloads and loop");
            }

            string fusedName = method.Name + "Fused";
            if (!containing.GetMembers(fusedName).IsEmpty)
            {
                invalid($"needs the name '{fusedName}' for its allocating fused overload, but '{containing.Name}' already has a member of that name");
            }
        }

        if (!IsFloatTensor(method.ReturnType) && !IsTupleOfFloatTensors(method.ReturnType))
        {
            invalid($"must return Tensor<float> or a tuple of 2 to {MaxResults} of them, not '{method.ReturnType.ToDisplayString()}'");
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
        AttributeData? attribute = parameter.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == ShapeAttributeName);
        if (attribute is null || attribute.ConstructorArguments.Length != 1)
        {
            return null;
        }

        TypedConstant argument = attribute.ConstructorArguments[0];
        string?[] texts = argument.Kind == TypedConstantKind.Array
            ? argument.Values.Select(v => v.Value as string).ToArray()
            : new[] { argument.Value as string };
        if (texts.Length == 0 || texts.Length > MaxRank)
        {
            invalid($"has parameter '{parameter.Name}' with {texts.Length} dimensions in [Shape]; a kernel tensor has 1 to {MaxRank}");
            return null;
        }

        foreach (string? text in texts)
        {
            bool literal = text is { Length: > 0 } && text.All(c => c >= '0' && c <= '9') && long.TryParse(text, out _);
            if (!literal && (text is null || !SyntaxFacts.IsValidIdentifier(text)))
            {
                invalid($"has parameter '{parameter.Name}' with the dimension '{text}' in [Shape]; a dimension is a symbol (an identifier such as B or seqLen) or a size (digits)");
                return null;
            }
        }

        return Shape.Parse(texts!);
    }

    private static bool IsTupleOfFloatTensors(ITypeSymbol type)
        => type is INamedTypeSymbol { IsTupleType: true } tuple
           && tuple.TupleElements.Length is >= 2 and <= MaxResults
           && tuple.TupleElements.All(e => IsFloatTensor(e.Type));

    private static bool IsKernel(IMethodSymbol method)
        => method.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == "KernelDsl.KernelAttribute");

    private static bool IsFloatTensor(ITypeSymbol type)
        => type is INamedTypeSymbol { Name: "Tensor", TypeArguments.Length: 1 } named
           && named.TypeArguments[0].SpecialType == SpecialType.System_Single
           && named.ContainingNamespace.ToDisplayString() == "System.Numerics.Tensors";

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

    /// <summary>The returned expression as written, on one line, for the generated file's header.</summary>
    private static string ReturnedExpressionText(MethodDeclarationSyntax syntax)
    {
        SyntaxNode? expression = syntax.ExpressionBody?.Expression
            ?? syntax.Body?.Statements.OfType<ReturnStatementSyntax>().LastOrDefault()?.Expression;
        string text = expression?.ToString() ?? "";
        return string.Join(" ", text.Split((char[]?)null, System.StringSplitOptions.RemoveEmptyEntries));
    }
}
