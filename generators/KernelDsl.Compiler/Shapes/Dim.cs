using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace KernelDsl.Compiler.Shapes;

/// <summary>
/// One dimension of a shape: a literal size (<c>784</c>), a symbol (<c>K</c>) bound from the
/// arguments at call time, a product of symbols and a size (<c>H*D</c>, <c>3*C</c>), which a
/// Reshape that merges symbolic dimensions produces and a [Shape] may spell, or a sum of those
/// (<c>D+E</c>, <c>T+1</c>), which a Concat of pieces of different sizes produces. In general a
/// dimension is a polynomial in its symbols with non-negative integer coefficients, kept expanded:
/// a sum of products. Dimensions compare by that polynomial: the same name is the same size,
/// products by their factors in any order, sums by their terms in any order
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
    /// The symbol's name, a product's text (<c>H*D</c>, its factors in the order they were written or
    /// merged), or a sum's (<c>T+1</c>, its terms in the order they were written or joined, the
    /// literal last); null for a literal.
    /// </summary>
    public string? Symbol { get; }

    /// <summary>The literal size; -1 for a symbol, a product or a sum.</summary>
    public long Size { get; }

    public bool IsLiteral => Symbol is null;

    /// <summary>A product of several factors (<c>H*D</c>, <c>2*T</c>), rather than one symbol, a literal or a sum.</summary>
    public bool IsProduct => Symbol is not null && Symbol.IndexOf(ProductSign) >= 0 && !IsSum;

    /// <summary>A sum of several terms (<c>D+E</c>, <c>T+1</c>, <c>2*H*D+H</c>).</summary>
    public bool IsSum => Symbol is not null && Symbol.IndexOf(SumSign) >= 0;

    /// <summary>The literal 1, which broadcasts to any size.</summary>
    public bool IsOne => IsLiteral && Size == 1;

    /// <summary>
    /// The symbols this dimension multiplies (one for a symbol, none for a literal), as written.
    /// A sum multiplies no symbols as a whole: its own are in <see cref="Terms"/> and <see cref="Symbols"/>.
    /// </summary>
    public IReadOnlyList<string> Factors => Symbol is null || IsSum
        ? Array.Empty<string>()
        : Symbol.Split(ProductSign).Where(f => !IsDigits(f)).ToArray();

    /// <summary>The literal factor of a product (<c>2</c> in <c>2*T</c>); 1 for a symbol or a sum; the size of a literal.</summary>
    public long Coefficient => Symbol is null
        ? Size
        : IsSum ? 1 : Symbol.Split(ProductSign).Where(IsDigits).Aggregate(1L, (p, f) => p * long.Parse(f, NumberStyles.None, CultureInfo.InvariantCulture));

    /// <summary>A sum's terms (each a literal, a symbol or a product), as written; the dimension itself otherwise.</summary>
    public IReadOnlyList<Dim> Terms => IsSum ? Symbol!.Split(SumSign).Select(Parse).ToArray() : new[] { this };

    /// <summary>Every symbol the dimension's size depends on, each once, in the order written.</summary>
    public IReadOnlyList<string> Symbols => Terms.SelectMany(t => t.Factors).Distinct(StringComparer.Ordinal).ToArray();

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
        if (string.IsNullOrEmpty(symbol) || symbol.IndexOf(ProductSign) >= 0 || symbol.IndexOf(SumSign) >= 0 || IsDigits(symbol))
        {
            throw new ArgumentException("a dimension symbol needs a name (a product is made with Product, a sum with Sum)", nameof(symbol));
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
        return new Dim(text, -1, coefficient.ToString(CultureInfo.InvariantCulture) + ProductSign + MonomialKey(symbols));
    }

    /// <summary>
    /// <paramref name="a"/> + <paramref name="b"/>, with like terms combined (<c>D + D</c> is
    /// <c>2*D</c>, <c>2*T + T</c> is <c>3*T</c>, <c>D + E</c> stays a sum); null if a coefficient
    /// overflows 64 bits.
    /// </summary>
    public static Dim? Sum(Dim a, Dim b) => FromTerms(TermsOf(a).Concat(TermsOf(b)));

    /// <summary>
    /// <paramref name="a"/> × <paramref name="b"/>, multiplied out (<c>(T+1)*B</c> is <c>T*B+B</c>);
    /// null if a coefficient overflows 64 bits.
    /// </summary>
    public static Dim? Multiply(Dim a, Dim b)
    {
        try
        {
            var terms = new List<Term>();
            foreach (Term x in TermsOf(a))
            {
                foreach (Term y in TermsOf(b))
                {
                    terms.Add(new Term(checked(x.Coefficient * y.Coefficient), x.Factors.Concat(y.Factors).ToArray()));
                }
            }

            return FromTerms(terms);
        }
        catch (OverflowException)
        {
            return null;
        }
    }

    /// <summary>
    /// <paramref name="dim"/> / <paramref name="divisor"/> where every term's coefficient is a
    /// multiple of it (<c>2*D+2*E</c> halves into <c>D+E</c>, <c>12</c> into <c>6</c>); null otherwise,
    /// since <c>D/2</c> is no dimension.
    /// </summary>
    public static Dim? Divide(Dim dim, long divisor)
    {
        if (divisor <= 0)
        {
            return null;
        }

        List<Term> terms = TermsOf(dim).ToList();
        return terms.All(t => t.Coefficient % divisor == 0)
            ? FromTerms(terms.Select(t => new Term(t.Coefficient / divisor, t.Factors)))
            : null;
    }

    /// <summary>
    /// A dimension from its text: a literal for digits (<c>"784"</c>), a product for factors joined by
    /// <c>*</c> (<c>"H*D"</c>), a sum for terms joined by <c>+</c> (<c>"T + 1"</c>; spaces around the
    /// signs are ignored), else a symbol. The text is assumed valid (KernelParser checks it).
    /// </summary>
    public static Dim Parse(string text)
    {
        if (text.IndexOf(SumSign) >= 0)
        {
            Dim sum = Literal(0);
            foreach (string term in text.Split(SumSign))
            {
                sum = Sum(sum, Parse(term)) ?? throw new OverflowException($"the dimension '{text}' does not fit in 64 bits");
            }

            return sum;
        }

        string[] parts = text.Split(ProductSign).Select(p => p.Trim()).ToArray();
        if (parts.Length == 1)
        {
            return IsDigits(parts[0]) ? Literal(long.Parse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture)) : Of(parts[0]);
        }

        long coefficient = parts.Where(IsDigits).Aggregate(1L, (p, f) => checked(p * long.Parse(f, NumberStyles.None, CultureInfo.InvariantCulture)));
        return Product(coefficient, parts.Where(p => !IsDigits(p)));
    }

    /// <summary>
    /// Equal for every binding of the symbols: the same polynomial in them (the same symbol, the
    /// same product with its factors in any order, the same sum with its terms in any order, or
    /// the same literal). (Record equality also compares the text as written, so a cached
    /// compilation is redone when only the spelling changes.)
    /// </summary>
    public static bool ProvablyEqual(Dim a, Dim b) => a.Size == b.Size && string.Equals(a._key, b._key, StringComparison.Ordinal);

    /// <summary>
    /// Different for every binding: two different literals, or two dimensions that differ by a
    /// literal (<c>T</c> and <c>T+1</c>). (A symbol may be bound to any size.)
    /// </summary>
    public static bool ProvablyDifferent(Dim a, Dim b)
    {
        if (a.IsLiteral && b.IsLiteral)
        {
            return a.Size != b.Size;
        }

        (Dim? aSymbolic, long aConstant) = SplitConstant(a);
        (Dim? bSymbolic, long bConstant) = SplitConstant(b);
        return aConstant != bConstant && aSymbolic is Dim x && bSymbolic is Dim y && ProvablyEqual(x, y);
    }

    /// <summary>
    /// The dimension in a canonical spelling: the same for dimensions that are
    /// <see cref="ProvablyEqual"/> (factors and terms sorted, the literal last).
    /// </summary>
    internal string Key => _key ?? Size.ToString(CultureInfo.InvariantCulture);

    public override string ToString() => Symbol ?? Size.ToString(CultureInfo.InvariantCulture);

    private const char ProductSign = '*';

    private const char SumSign = '+';

    private static bool IsDigits(string text) => text.Length > 0 && text.All(c => c >= '0' && c <= '9');

    /// <summary>One term of the polynomial: a coefficient times symbols (none for the literal term).</summary>
    private readonly record struct Term(long Coefficient, string[] Factors);

    private static IEnumerable<Term> TermsOf(Dim dim) => dim.Terms.Select(t => new Term(t.Coefficient, t.Factors.ToArray()));

    /// <summary>The factors sorted: equal for the same symbols in any order.</summary>
    private static string MonomialKey(IEnumerable<string> factors) => string.Join(ProductSign.ToString(), factors.OrderBy(s => s, StringComparer.Ordinal));

    /// <summary>
    /// The dimension the terms add up to: like terms combined where first written, zero terms
    /// dropped, the literal last; a literal, a symbol or a product when one term is left. Null if a
    /// coefficient overflows 64 bits.
    /// </summary>
    private static Dim? FromTerms(IEnumerable<Term> terms)
    {
        var order = new List<string>();
        var combined = new Dictionary<string, Term>(StringComparer.Ordinal);
        try
        {
            foreach (Term term in terms)
            {
                string key = MonomialKey(term.Factors);
                if (combined.TryGetValue(key, out Term earlier))
                {
                    combined[key] = earlier with { Coefficient = checked(earlier.Coefficient + term.Coefficient) };
                }
                else
                {
                    combined[key] = term;
                    order.Add(key);
                }
            }
        }
        catch (OverflowException)
        {
            return null;
        }

        Dim[] parts = order.Where(k => k.Length > 0).Append(string.Empty)
            .Where(combined.ContainsKey)
            .Select(k => combined[k])
            .Where(t => t.Coefficient != 0)
            .Select(t => Product(t.Coefficient, t.Factors))
            .ToArray();
        if (parts.Length <= 1)
        {
            return parts.Length == 0 ? Literal(0) : parts[0];
        }

        string text = string.Join(SumSign.ToString(), parts.Select(p => p.ToString()));
        string sumKey = string.Join(SumSign.ToString(), parts.Select(p => p.Key).OrderBy(k => k.Length > 0 && char.IsDigit(k[0]) && k.IndexOf(ProductSign) < 0 ? 1 : 0).ThenBy(k => k, StringComparer.Ordinal));
        return new Dim(text, -1, sumKey);
    }

    /// <summary>The dimension without its literal term (null if nothing else is left), and that term.</summary>
    private static (Dim? Symbolic, long Constant) SplitConstant(Dim dim)
    {
        IReadOnlyList<Dim> terms = dim.Terms;
        long constant = terms.Where(t => t.IsLiteral).Sum(t => t.Size);
        Dim[] symbolic = terms.Where(t => !t.IsLiteral).ToArray();
        return (symbolic.Length == 0 ? null : symbolic.Aggregate((x, y) => Sum(x, y) ?? x), constant);
    }
}
