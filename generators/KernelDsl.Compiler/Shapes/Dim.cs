using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace KernelDsl.Compiler.Shapes;

/// <summary>
/// One dimension of a shape: a literal size (<c>784</c>), a symbol (<c>K</c>) bound from the
/// arguments at call time, or a product of symbols and a size (<c>H*D</c>, <c>3*C</c>), which a
/// Reshape that merges symbolic dimensions produces and a [Shape] may spell. Symbols compare by
/// name: the same name is the same size; products by their factors, in any order
/// (<see cref="ProvablyEqual"/>).
/// </summary>
public readonly record struct Dim
{
    private readonly string? _key;

    private Dim(string? symbol, long size, string? key)
    {
        Symbol = symbol;
        Size = size;
        _key = key;
    }

    /// <summary>
    /// The symbol's name, or a product's text (<c>H*D</c>, its factors in the order they were
    /// written or merged); null for a literal.
    /// </summary>
    public string? Symbol { get; }

    /// <summary>The literal size; -1 for a symbol or a product.</summary>
    public long Size { get; }

    public bool IsLiteral => Symbol is null;

    /// <summary>A product of several factors (<c>H*D</c>, <c>2*T</c>), rather than one symbol or a literal.</summary>
    public bool IsProduct => Symbol is not null && Symbol.IndexOf(ProductSign) >= 0;

    /// <summary>The literal 1, which broadcasts to any size.</summary>
    public bool IsOne => IsLiteral && Size == 1;

    /// <summary>The symbols this dimension multiplies (one for a symbol, none for a literal), as written.</summary>
    public IReadOnlyList<string> Factors => Symbol is null
        ? Array.Empty<string>()
        : Symbol.Split(ProductSign).Where(f => !IsDigits(f)).ToArray();

    /// <summary>The literal factor of a product (<c>2</c> in <c>2*T</c>); 1 for a symbol; the size of a literal.</summary>
    public long Coefficient => Symbol is null
        ? Size
        : Symbol.Split(ProductSign).Where(IsDigits).Aggregate(1L, (p, f) => p * long.Parse(f, NumberStyles.None, CultureInfo.InvariantCulture));

    public static Dim Literal(long size)
    {
        if (size < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(size), size, "a dimension's size is at least 0");
        }

        return new Dim(null, size, null);
    }

    public static Dim Of(string symbol)
    {
        if (string.IsNullOrEmpty(symbol) || symbol.IndexOf(ProductSign) >= 0 || IsDigits(symbol))
        {
            throw new ArgumentException("a dimension symbol needs a name (a product is made with Product)", nameof(symbol));
        }

        return new Dim(symbol, -1, symbol);
    }

    /// <summary>
    /// The product of <paramref name="coefficient"/> and <paramref name="factors"/> (symbols, as
    /// written): a literal when there are no factors or the coefficient is 0, the symbol itself for
    /// one factor and coefficient 1, else a product such as <c>H*D</c> or <c>2*T</c>.
    /// </summary>
    public static Dim Product(long coefficient, IEnumerable<string> factors)
    {
        if (coefficient < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(coefficient), coefficient, "a dimension's size is at least 0");
        }

        string[] symbols = factors.ToArray();
        if (symbols.Length == 0 || coefficient == 0)
        {
            return Literal(coefficient);
        }

        if (symbols.Length == 1 && coefficient == 1)
        {
            return Of(symbols[0]);
        }

        IEnumerable<string> parts = coefficient == 1 ? symbols : symbols.Prepend(coefficient.ToString(CultureInfo.InvariantCulture));
        string text = string.Join(ProductSign.ToString(), parts);

        // Equal products are equal whatever the order of their factors.
        string key = coefficient.ToString(CultureInfo.InvariantCulture) + ProductSign + string.Join(ProductSign.ToString(), symbols.OrderBy(s => s, StringComparer.Ordinal));
        return new Dim(text, -1, key);
    }

    /// <summary>
    /// <paramref name="a"/> + <paramref name="b"/> where a dimension can name it: the sum of two
    /// literals, or of two multiples of the same symbols (<c>D + D</c> is <c>2*D</c>, <c>2*T + T</c>
    /// is <c>3*T</c>); null otherwise (<c>D + E</c>, <c>T + 1</c>), which a dimension cannot spell.
    /// </summary>
    public static Dim? Sum(Dim a, Dim b)
    {
        if (a.IsLiteral && b.IsLiteral)
        {
            return Literal(checked(a.Size + b.Size));
        }

        if (a.IsLiteral && a.Size == 0)
        {
            return b;
        }

        if (b.IsLiteral && b.Size == 0)
        {
            return a;
        }

        if (a.IsLiteral || b.IsLiteral || !a.Factors.OrderBy(f => f, StringComparer.Ordinal).SequenceEqual(b.Factors.OrderBy(f => f, StringComparer.Ordinal), StringComparer.Ordinal))
        {
            return null;
        }

        return Product(checked(a.Coefficient + b.Coefficient), a.Factors);
    }

    /// <summary>
    /// A literal for text that is all digits (<c>"784"</c>), a product for factors joined by
    /// <c>*</c> (<c>"H*D"</c>), else a symbol. The text is assumed valid (KernelParser checks it).
    /// </summary>
    public static Dim Parse(string text)
    {
        if (text.IndexOf(ProductSign) < 0)
        {
            return IsDigits(text) ? Literal(long.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture)) : Of(text);
        }

        string[] parts = text.Split(ProductSign);
        long coefficient = parts.Where(IsDigits).Aggregate(1L, (p, f) => checked(p * long.Parse(f, NumberStyles.None, CultureInfo.InvariantCulture)));
        return Product(coefficient, parts.Where(p => !IsDigits(p)));
    }

    /// <summary>
    /// Equal for every binding of the symbols: the same symbol, the same product (its factors in any
    /// order), or the same literal. (Record equality also compares the text as written, so a
    /// cached compilation is redone when only the spelling of a product changes.)
    /// </summary>
    public static bool ProvablyEqual(Dim a, Dim b) => a.Size == b.Size && string.Equals(a._key, b._key, StringComparison.Ordinal);

    /// <summary>Different for every binding: two different literals. (A symbol may be bound to any size.)</summary>
    public static bool ProvablyDifferent(Dim a, Dim b) => a.IsLiteral && b.IsLiteral && a.Size != b.Size;

    public override string ToString() => Symbol ?? Size.ToString(CultureInfo.InvariantCulture);

    private const char ProductSign = '*';

    private static bool IsDigits(string text) => text.Length > 0 && text.All(c => c >= '0' && c <= '9');
}
