using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using KernelDsl.Generators.Diagnostics;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace KernelDsl.CodeFixes;

/// <summary>
/// The mechanical fixes for KernelDsl diagnostics. The analyzer marks a diagnostic as fixable with
/// the property <see cref="FixProperties.Fix"/>, so only the cases with one obvious edit get a fix:
/// KD0006 "type must be partial" (add <c>partial</c> to each containing type that lacks it) and
/// "must be static" (add <c>static</c>), KD0010 (respell a dimension symbol as its first spelling)
/// and KD0004 (declare the inferred result shape in <c>[return: Shape(...)]</c>).
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(KernelCodeFixProvider)), Shared]
public sealed class KernelCodeFixProvider : CodeFixProvider
{
    public override ImmutableArray<string> FixableDiagnosticIds { get; } =
        ImmutableArray.Create(KernelDiagnostics.InvalidKernelMethod.Id, KernelDiagnostics.SymbolsDifferInCase.Id, KernelDiagnostics.ReturnShapeMismatch.Id);

    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null)
        {
            return;
        }

        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            if (!diagnostic.Properties.TryGetValue(FixProperties.Fix, out string? fix))
            {
                continue;
            }

            SyntaxNode node = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
            switch (fix)
            {
                case FixProperties.FixMakePartial when node.FirstAncestorOrSelf<MethodDeclarationSyntax>() is { } method:
                    context.RegisterCodeFix(
                        CodeAction.Create("Make the containing types partial", ct => MakeContainingTypesPartialAsync(context.Document, method, ct), FixProperties.FixMakePartial),
                        diagnostic);
                    break;
                case FixProperties.FixMakeStatic when node.FirstAncestorOrSelf<MethodDeclarationSyntax>() is { } method:
                    context.RegisterCodeFix(
                        CodeAction.Create($"Make '{method.Identifier.ValueText}' static", _ => Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(method, MakeStatic(method)))), FixProperties.FixMakeStatic),
                        diagnostic);
                    break;
                case FixProperties.FixRenameSymbol when node is LiteralExpressionSyntax literal
                    && diagnostic.Properties.TryGetValue(FixProperties.Replacement, out string? replacement) && replacement is not null:
                    LiteralExpressionSyntax respelled = SyntaxFactory.LiteralExpression(SyntaxKind.StringLiteralExpression, SyntaxFactory.Literal(replacement)).WithTriviaFrom(literal);
                    context.RegisterCodeFix(
                        CodeAction.Create($"Spell the dimension '{replacement}'", _ => Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(literal, respelled))), FixProperties.FixRenameSymbol + ":" + replacement),
                        diagnostic);
                    break;
                case FixProperties.FixDeclareResultShape when node.FirstAncestorOrSelf<MethodDeclarationSyntax>() is { } method
                    && ReturnShapeAttribute(method) is { ArgumentList: { } arguments }
                    && diagnostic.Properties.TryGetValue(FixProperties.Replacement, out string? dimensions) && dimensions is not null:
                    string[] dims = dimensions.Split(FixProperties.DimensionSeparator[0]);
                    AttributeArgumentListSyntax declared = SyntaxFactory.AttributeArgumentList(SyntaxFactory.SeparatedList(
                            dims.Select(d => SyntaxFactory.AttributeArgument(SyntaxFactory.LiteralExpression(SyntaxKind.StringLiteralExpression, SyntaxFactory.Literal(d)))),
                            Enumerable.Repeat(SyntaxFactory.Token(SyntaxKind.CommaToken).WithTrailingTrivia(SyntaxFactory.Space), dims.Length - 1)))
                        .WithTriviaFrom(arguments);
                    context.RegisterCodeFix(
                        CodeAction.Create($"Declare the result's shape as [{string.Join(", ", dims)}]", _ => Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(arguments, declared))), FixProperties.FixDeclareResultShape),
                        diagnostic);
                    break;
            }
        }
    }

    /// <summary>The method's <c>[return: Shape(...)]</c>, however its name is written (<c>Shape</c>, <c>ShapeAttribute</c>, qualified).</summary>
    private static AttributeSyntax? ReturnShapeAttribute(MethodDeclarationSyntax method)
        => method.AttributeLists
            .Where(list => list.Target?.Identifier.IsKind(SyntaxKind.ReturnKeyword) == true)
            .SelectMany(list => list.Attributes)
            .FirstOrDefault(attribute => RightmostName(attribute.Name) is "Shape" or "ShapeAttribute");

    private static string RightmostName(NameSyntax name) => name switch
    {
        QualifiedNameSyntax qualified => qualified.Right.Identifier.ValueText,
        AliasQualifiedNameSyntax aliased => aliased.Name.Identifier.ValueText,
        SimpleNameSyntax simple => simple.Identifier.ValueText,
        _ => "",
    };

    /// <summary>Adds <c>partial</c> to every declaration of every containing type that lacks it, in whichever documents they are.</summary>
    private static async Task<Solution> MakeContainingTypesPartialAsync(Document document, MethodDeclarationSyntax method, CancellationToken cancellationToken)
    {
        SemanticModel? model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        if (model?.GetDeclaredSymbol(method, cancellationToken) is not IMethodSymbol symbol)
        {
            return document.Project.Solution;
        }

        var declarations = new List<TypeDeclarationSyntax>();
        for (INamedTypeSymbol? type = symbol.ContainingType; type is not null; type = type.ContainingType)
        {
            TypeDeclarationSyntax[] typeDeclarations = type.DeclaringSyntaxReferences.Select(r => r.GetSyntax(cancellationToken)).OfType<TypeDeclarationSyntax>().ToArray();
            if (!typeDeclarations.Any(d => d.Modifiers.Any(SyntaxKind.PartialKeyword)))
            {
                declarations.AddRange(typeDeclarations);
            }
        }

        Solution solution = document.Project.Solution;
        foreach (IGrouping<SyntaxTree, TypeDeclarationSyntax> inTree in declarations.GroupBy(d => d.SyntaxTree))
        {
            DocumentId? id = solution.GetDocumentId(inTree.Key);
            if (id is null)
            {
                continue; // declared in metadata or generated code: nothing to edit
            }

            SyntaxNode root = await inTree.Key.GetRootAsync(cancellationToken).ConfigureAwait(false);
            root = root.ReplaceNodes(inTree, static (_, rewritten) => AddModifier(rewritten, SyntaxKind.PartialKeyword, atEnd: true));
            solution = solution.WithDocumentSyntaxRoot(id, root);
        }

        return solution;
    }

    private static MethodDeclarationSyntax MakeStatic(MethodDeclarationSyntax method) => (MethodDeclarationSyntax)AddModifier(method, SyntaxKind.StaticKeyword, atEnd: false);

    /// <summary>
    /// Adds a modifier: <c>partial</c> last (it must stand just before the type keyword), <c>static</c>
    /// after the accessibility. A declaration without modifiers gives the new one its leading trivia
    /// (indentation, comments), so the result reads as if written by hand.
    /// </summary>
    private static MemberDeclarationSyntax AddModifier(MemberDeclarationSyntax declaration, SyntaxKind kind, bool atEnd)
    {
        SyntaxToken modifier = SyntaxFactory.Token(kind).WithTrailingTrivia(SyntaxFactory.Space);
        SyntaxTokenList modifiers = declaration.Modifiers;
        if (modifiers.Count == 0)
        {
            // The token after the attributes carries the indentation; move it onto the modifier.
            SyntaxToken first = declaration.AttributeLists.Count > 0 ? declaration.AttributeLists.Last().GetLastToken().GetNextToken() : declaration.GetFirstToken();
            MemberDeclarationSyntax stripped = declaration.ReplaceToken(first, first.WithLeadingTrivia());
            return stripped.WithModifiers(SyntaxFactory.TokenList(modifier.WithLeadingTrivia(first.LeadingTrivia)));
        }

        int index = atEnd ? modifiers.Count : modifiers.TakeWhile(IsAccessibility).Count();
        if (index == 0)
        {
            // Before the first modifier: take over its leading trivia.
            modifier = modifier.WithLeadingTrivia(modifiers[0].LeadingTrivia);
            modifiers = modifiers.Replace(modifiers[0], modifiers[0].WithLeadingTrivia());
        }

        return declaration.WithModifiers(modifiers.Insert(index, modifier));
    }

    private static bool IsAccessibility(SyntaxToken token) => token.Kind() is SyntaxKind.PublicKeyword or SyntaxKind.InternalKeyword
        or SyntaxKind.PrivateKeyword or SyntaxKind.ProtectedKeyword or SyntaxKind.FileKeyword;
}
