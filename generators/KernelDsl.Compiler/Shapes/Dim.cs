using System;
using System.Globalization;

namespace KernelDsl.Compiler.Shapes;

/// <summary>
/// One dimension of a shape: a literal size (<c>784</c>) or a symbol (<c>K</c>) bound from the
/// arguments at call time. Symbols compare by name: the same name is the same size.
/// </summary>
public readonly record struct Dim
{
    private Dim(string? symbol, long size)
    {
        Symbol = symbol;
        Size = size;
    }

    /// <summary>The symbol's name, or null for a literal.</summary>
    public string? Symbol { get; }

    /// <summary>The literal size; -1 for a symbol.</summary>
    public long Size { get; }

    public bool IsLiteral => Symbol is null;

    /// <summary>The literal 1, which broadcasts to any size.</summary>
    public bool IsOne => IsLiteral && Size == 1;

    public static Dim Literal(long size)
    {
        if (size < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(size), size, "a dimension's size is at least 0");
        }

        return new Dim(null, size);
    }

    public static Dim Of(string symbol)
    {
        if (string.IsNullOrEmpty(symbol))
        {
            throw new ArgumentException("a dimension symbol needs a name", nameof(symbol));
        }

        return new Dim(symbol, -1);
    }

    /// <summary>A literal for text that is all digits (<c>"784"</c>), else a symbol.</summary>
    public static Dim Parse(string text)
        => long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long size) ? Literal(size) : Of(text);

    /// <summary>Equal for every binding of the symbols: the same symbol, or the same literal.</summary>
    public static bool ProvablyEqual(Dim a, Dim b) => a == b;

    /// <summary>Different for every binding: two different literals. (A symbol may be bound to any size.)</summary>
    public static bool ProvablyDifferent(Dim a, Dim b) => a.IsLiteral && b.IsLiteral && a.Size != b.Size;

    public override string ToString() => Symbol ?? Size.ToString(CultureInfo.InvariantCulture);
}
