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
/// "must be static" (add <c>static</c>), and KD0010 (respell a dimension symbol as its first spelling).
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(KernelCodeFixProvider)), Shared]
public sealed class KernelCodeFixProvider : CodeFixProvider
{
    public override ImmutableArray<string> FixableDiagnosticIds { get; } =
        ImmutableArray.Create(KernelDiagnostics.InvalidKernelMethod.Id, KernelDiagnostics.SymbolsDifferInCase.Id);

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
            }
        }
    }

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
