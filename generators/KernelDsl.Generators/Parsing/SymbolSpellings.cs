using System;
using System.Collections.Generic;
using System.Linq;
using KernelDsl.Generators.Diagnostics;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace KernelDsl.Generators.Parsing;

/// <summary>
/// KD0010: dimension symbols that differ only in case (<c>K</c> in one [Shape], <c>k</c> in another).
/// Symbols are case-sensitive, so the two name different dimensions and the kernel's shapes then
/// fail to line up with a message that is hard to read; the likely typo is pointed out on the
/// later spelling, with the earlier one as the fix.
/// </summary>
internal static class SymbolSpellings
{
    public static IEnumerable<DiagnosticInfo> Check(IMethodSymbol method, Compiler.Shapes.Shape? declaredResult)
    {
        // Every symbol as written, in declaration order: parameters, then the declared result. A
        // product (H*D) contributes each of its symbols, with the text it is part of.
        var uses = new List<(string Symbol, string Text, string Owner, AttributeData Attribute)>();
        foreach (IParameterSymbol parameter in method.Parameters)
        {
            AttributeData? attribute = parameter.GetAttributes().FirstOrDefault(KernelParser.IsShapeAttribute);
            if (attribute is not null)
            {
                uses.AddRange(Symbols(attribute).Select(s => (s.Symbol, s.Text, parameter.Name, attribute)));
            }
        }

        AttributeData? result = method.GetReturnTypeAttributes().FirstOrDefault(KernelParser.IsShapeAttribute);
        if (result is not null && declaredResult is not null)
        {
            uses.AddRange(Symbols(result).Select(s => (s.Symbol, s.Text, "the result", result)));
        }

        var first = new Dictionary<string, (string Symbol, string Owner)>(StringComparer.OrdinalIgnoreCase);
        foreach ((string symbol, string text, string owner, AttributeData attribute) in uses)
        {
            if (!first.TryGetValue(symbol, out (string Symbol, string Owner) earlier))
            {
                first[symbol] = (symbol, owner);
            }
            else if (earlier.Symbol != symbol)
            {
                // The fix respells the whole string: the symbol alone, or the product or sum with that symbol respelled.
                string respelled = Respell(text, symbol, earlier.Symbol);
                yield return DiagnosticInfo.Create(KernelDiagnostics.SymbolsDifferInCase, LiteralLocation(attribute, text), symbol, owner, earlier.Symbol, earlier.Owner)
                    .WithProperty(FixProperties.Fix, FixProperties.FixRenameSymbol)
                    .WithProperty(FixProperties.Replacement, respelled);
            }
        }
    }

    /// <summary>Each symbol an attribute's dimensions use (a product's factors, a sum's terms' factors, one by one), with the dimension's text.</summary>
    private static IEnumerable<(string Symbol, string Text)> Symbols(AttributeData attribute)
        => (KernelParser.ShapeAttributeTexts(attribute) ?? Array.Empty<string?>())
            .Where(t => t is { Length: > 0 })
            .SelectMany(t => t!.Split('*', '+').Select(f => f.Trim()).Where(SyntaxFacts.IsValidIdentifier).Select(f => (f, t!)));

    /// <summary>The dimension's text with every factor spelled <paramref name="symbol"/> spelled <paramref name="replacement"/>, the rest (signs, spaces) kept.</summary>
    private static string Respell(string text, string symbol, string replacement)
    {
        var result = new System.Text.StringBuilder(text.Length);
        int start = 0;
        for (int i = 0; i <= text.Length; i++)
        {
            if (i == text.Length || text[i] is '*' or '+')
            {
                string part = text.Substring(start, i - start);
                string trimmed = part.Trim();
                result.Append(trimmed == symbol ? part.Replace(symbol, replacement) : part);
                if (i < text.Length)
                {
                    result.Append(text[i]);
                }

                start = i + 1;
            }
        }

        return result.ToString();
    }

    /// <summary>The string literal <paramref name="text"/> in the attribute, else the attribute.</summary>
    private static LocationInfo? LiteralLocation(AttributeData attribute, string text)
    {
        if (attribute.ApplicationSyntaxReference?.GetSyntax() is not AttributeSyntax syntax)
        {
            return null;
        }

        LiteralExpressionSyntax? literal = syntax.DescendantNodes()
            .OfType<LiteralExpressionSyntax>()
            .FirstOrDefault(l => l.IsKind(SyntaxKind.StringLiteralExpression) && l.Token.ValueText == text);
        return LocationInfo.From(literal ?? (SyntaxNode)syntax);
    }
}
