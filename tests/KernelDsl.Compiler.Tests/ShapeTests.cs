using System;
using System.Linq;
using System.Numerics.Tensors;
using KernelDsl.Compiler.Shapes;
using Xunit;

namespace KernelDsl.Compiler.Tests;

/// <summary>The symbolic shape algebra: equality, provable difference and broadcasting, kept apart.</summary>
public sealed class ShapeTests
{
    [Fact]
    public void EqualAndProvablyDifferentAreDifferentQuestions()
    {
        Assert.True(Dim.ProvablyEqual(Dim.Of("K"), Dim.Of("K")));
        Assert.False(Dim.ProvablyEqual(Dim.Of("K"), Dim.Of("N")));
        Assert.False(Dim.ProvablyDifferent(Dim.Of("K"), Dim.Of("N"))); // K and N may be bound to the same size
        Assert.False(Dim.ProvablyDifferent(Dim.Of("K"), Dim.Literal(784)));
        Assert.True(Dim.ProvablyDifferent(Dim.Literal(512), Dim.Literal(784)));
        Assert.Equal(Dim.Literal(784), Dim.Parse("784"));
        Assert.Equal(Dim.Of("B"), Dim.Parse("B"));
        Assert.Throws<ArgumentOutOfRangeException>(() => Dim.Literal(-1));
    }

    [Fact]
    public void ProductsAreEqualWhateverTheOrderOfTheirFactors()
    {
        Dim hd = Dim.Parse("H*D");
        Assert.True(hd.IsProduct);
        Assert.Equal(new[] { "H", "D" }, hd.Factors);
        Assert.Equal(1, hd.Coefficient);
        Assert.Equal("H*D", hd.ToString());
        Assert.True(Dim.ProvablyEqual(hd, Dim.Parse("D*H")));
        Assert.NotEqual(hd, Dim.Parse("D*H")); // the same size, spelled differently: a spec that changes the spelling is recompiled
        Assert.Equal(hd, Dim.Product(1, new[] { "H", "D" }));
        Assert.False(Dim.ProvablyEqual(hd, Dim.Parse("H*H*D")));
        Assert.False(Dim.ProvablyEqual(hd, Dim.Of("HD")));

        // Literal factors multiply into one coefficient; products without symbols are literals.
        Dim twoN = Dim.Parse("2*N*3");
        Assert.Equal(6, twoN.Coefficient);
        Assert.Equal(new[] { "N" }, twoN.Factors);
        Assert.Equal(twoN, Dim.Product(6, new[] { "N" }));
        Assert.Equal(Dim.Literal(12), Dim.Parse("3*4"));
        Assert.Equal(Dim.Literal(0), Dim.Product(0, new[] { "N" }));
        Assert.Equal(Dim.Of("N"), Dim.Product(1, new[] { "N" }));
        Assert.Equal(Dim.Of("N"), Dim.Parse("1*N"));

        // A product is no symbol: different from any other dimension, provably different from none.
        Assert.False(Dim.ProvablyEqual(hd, Dim.Of("C")));
        Assert.False(Dim.ProvablyDifferent(hd, Dim.Literal(12)));
        Assert.Equal(BroadcastConflict.DifferentSymbols, Broadcasting.Classify(hd, Dim.Of("C")));
        Assert.True(Broadcasting.Broadcast(Shape.Parse("B", "H*D"), Shape.Parse("D*H")).Succeeded);
    }

    [Fact]
    public void SumsCombineLikeTerms()
    {
        Assert.Equal(Dim.Literal(8), Dim.Sum(Dim.Literal(3), Dim.Literal(5)));
        Assert.Equal(Dim.Parse("2*D"), Dim.Sum(Dim.Of("D"), Dim.Of("D")));
        Assert.Equal(Dim.Parse("3*T"), Dim.Sum(Dim.Parse("2*T"), Dim.Of("T")));
        Assert.True(Dim.ProvablyEqual(Dim.Parse("2*H*D"), Dim.Sum(Dim.Parse("H*D"), Dim.Parse("D*H"))!.Value));
        Assert.Equal(Dim.Of("D"), Dim.Sum(Dim.Of("D"), Dim.Literal(0)));
        Assert.Null(Dim.Sum(Dim.Literal(long.MaxValue), Dim.Literal(1)));
        Assert.Null(Dim.Sum(Dim.Parse("9223372036854775807*T"), Dim.Of("T")));
    }

    [Fact]
    public void SumsOfDifferentTermsAreSums()
    {
        Dim de = Dim.Sum(Dim.Of("D"), Dim.Of("E"))!.Value;
        Assert.True(de.IsSum);
        Assert.False(de.IsProduct);
        Assert.False(de.IsLiteral);
        Assert.Equal("D+E", de.ToString());
        Assert.Equal(-1, de.Size);
        Assert.Equal(new[] { "D", "E" }, de.Symbols);
        Assert.Empty(de.Factors); // a sum multiplies no symbols as a whole
        Assert.Equal(new[] { Dim.Of("D"), Dim.Of("E") }, de.Terms);

        // The literal goes last, whatever the order written; spaces around the signs are ignored.
        Dim t1 = Dim.Sum(Dim.Literal(1), Dim.Of("T"))!.Value;
        Assert.Equal("T+1", t1.ToString());
        Assert.Equal(t1, Dim.Parse("T + 1"));
        Assert.Equal(t1, Dim.Parse("1+T"));

        // Equal whatever the order of terms and factors; the spelling as written is kept.
        Assert.True(Dim.ProvablyEqual(de, Dim.Parse("E+D")));
        Assert.NotEqual(de, Dim.Parse("E+D"));
        Assert.True(Dim.ProvablyEqual(Dim.Parse("H*D+T"), Dim.Parse("T+D*H")));
        Assert.False(Dim.ProvablyEqual(de, Dim.Parse("D+E+1")));
        Assert.False(Dim.ProvablyEqual(de, Dim.Parse("D*E")));
        Assert.False(Dim.ProvablyEqual(de, Dim.Parse("2*D+E")));

        // Like terms combine across sums, down to a product or a literal.
        Assert.Equal(Dim.Parse("2*D+E"), Dim.Sum(de, Dim.Of("D")));
        Assert.Equal(Dim.Parse("2*D+2*E+1"), Dim.Sum(Dim.Sum(de, de)!.Value, Dim.Literal(1)));
        Assert.Equal(Dim.Literal(4), Dim.Parse("1+3"));
        Assert.Equal(Dim.Of("T"), Dim.Parse("T+0"));
        Assert.Equal(Dim.Parse("2*H*D"), Dim.Parse("H*D+D*H"));
    }

    [Fact]
    public void ProductsOfSumsAreMultipliedOut()
    {
        Dim t1 = Dim.Parse("T+1");
        Assert.Equal(Dim.Parse("T*B+B"), Dim.Multiply(t1, Dim.Of("B")));
        Assert.True(Dim.ProvablyEqual(Dim.Parse("T*T+2*T+1"), Dim.Multiply(t1, t1)!.Value));
        Assert.Equal(Dim.Parse("2*T+2"), Dim.Multiply(Dim.Literal(2), t1));
        Assert.Equal(Dim.Literal(0), Dim.Multiply(Dim.Literal(0), t1));
        Assert.Equal(Dim.Parse("H*D"), Dim.Multiply(Dim.Of("H"), Dim.Of("D")));
        Assert.Null(Dim.Multiply(Dim.Parse("4611686018427387904*T"), Dim.Literal(4)));
    }

    [Fact]
    public void DimensionsDivideWhereEveryTermDoes()
    {
        Assert.Equal(Dim.Parse("D+E"), Dim.Divide(Dim.Parse("2*D+2*E"), 2));
        Assert.Equal(Dim.Parse("D+1"), Dim.Divide(Dim.Parse("2*D+2"), 2));
        Assert.Equal(Dim.Of("H"), Dim.Divide(Dim.Parse("2*H"), 2));
        Assert.Equal(Dim.Literal(6), Dim.Divide(Dim.Literal(12), 2));
        Assert.Null(Dim.Divide(Dim.Parse("2*D+E"), 2));
        Assert.Null(Dim.Divide(Dim.Parse("T+1"), 2));
        Assert.Null(Dim.Divide(Dim.Of("D"), 2));
        Assert.Null(Dim.Divide(Dim.Literal(7), 2));
        Assert.Null(Dim.Divide(Dim.Literal(7), 0));
    }

    [Fact]
    public void DimensionsThatDifferByALiteralAreProvablyDifferent()
    {
        Assert.True(Dim.ProvablyDifferent(Dim.Of("T"), Dim.Parse("T+1")));
        Assert.True(Dim.ProvablyDifferent(Dim.Parse("D+E+2"), Dim.Parse("E+D+1")));
        Assert.False(Dim.ProvablyDifferent(Dim.Parse("D+E"), Dim.Parse("D+1")));
        Assert.False(Dim.ProvablyDifferent(Dim.Parse("T+1"), Dim.Literal(5))); // T may be 4
        Assert.False(Dim.ProvablyDifferent(Dim.Parse("T+1"), Dim.Parse("1+T")));
        Assert.Equal(BroadcastConflict.ProvablyDifferent, Broadcasting.Classify(Dim.Of("T"), Dim.Parse("T+1")));
        Assert.True(Broadcasting.Broadcast(Shape.Parse("B", "D+E"), Shape.Parse("E+D")).Succeeded);
        Assert.False(Broadcasting.Broadcast(Shape.Parse("B", "D+E"), Shape.Parse("D")).Succeeded);
    }

    [Theory]
    [InlineData(new[] { "B", "K" }, new[] { "K" }, "[B, K]")]
    [InlineData(new[] { "B", "1" }, new[] { "N" }, "[B, N]")]
    [InlineData(new[] { "1", "N" }, new[] { "B", "1" }, "[B, N]")]
    [InlineData(new[] { "T", "B", "K" }, new[] { "B", "1" }, "[T, B, K]")]
    [InlineData(new string[0], new[] { "B", "K" }, "[B, K]")]
    [InlineData(new[] { "3", "1" }, new[] { "1", "4" }, "[3, 4]")]
    public void CompatibleShapesBroadcast(string[] left, string[] right, string expected)
    {
        BroadcastResult result = Broadcasting.Broadcast(Shape.Parse(left), Shape.Parse(right));
        Assert.True(result.Succeeded);
        Assert.Equal(expected, result.Shape!.ToString());
        Assert.Equal(expected, Broadcasting.Broadcast(Shape.Parse(right), Shape.Parse(left)).Shape!.ToString());
    }

    [Theory]
    [InlineData(new[] { "B", "K" }, new[] { "N" }, 1, BroadcastConflict.DifferentSymbols, "cannot broadcast [B, K] with [N]: K and N differ")]
    [InlineData(new[] { "2", "3" }, new[] { "4" }, 1, BroadcastConflict.ProvablyDifferent, "cannot broadcast [2, 3] with [4]: 3 and 4 differ")]
    [InlineData(new[] { "B", "784" }, new[] { "K" }, 1, BroadcastConflict.NotProvablyEqual, "cannot broadcast [B, 784] with [K]: 784 and K are not known to be equal (use the same symbol or literal in both, or 1 to broadcast)")]
    [InlineData(new[] { "T", "B", "K" }, new[] { "S", "1", "K" }, 0, BroadcastConflict.DifferentSymbols, "cannot broadcast [T, B, K] with [S, 1, K]: T and S differ")]
    public void IncompatibleShapesNameTheConflict(string[] left, string[] right, int axis, BroadcastConflict conflict, string message)
    {
        Shape l = Shape.Parse(left), r = Shape.Parse(right);
        BroadcastResult result = Broadcasting.Broadcast(l, r);
        Assert.False(result.Succeeded);
        Assert.Equal(axis, result.Axis);
        Assert.Equal(conflict, result.Conflict);
        Assert.Equal(message, result.Describe(l, r));
    }

    [Fact]
    public void LiteralShapesBroadcastExactlyAsSystemNumericsTensorsDoes()
    {
        // Property: for random literal shapes (rank 1 to 4, sizes 1 to 3), the symbolic broadcast
        // succeeds exactly when the eager Tensor<float> addition does, with the same result shape.
        var random = new Random(20261122);
        for (int trial = 0; trial < 2000; trial++)
        {
            nint[] a = RandomShape(random), b = RandomShape(random);
            BroadcastResult symbolic = Broadcasting.Broadcast(ToShape(a), ToShape(b));
            nint[]? eager = EagerBroadcast(a, b);
            string what = $"[{string.Join(", ", a)}] with [{string.Join(", ", b)}]";
            Assert.True(symbolic.Succeeded == (eager is not null), $"{what}: symbolic {symbolic.Succeeded}, eager {eager is not null}");
            if (eager is not null)
            {
                Assert.Equal(ToShape(eager), symbolic.Shape);
            }
        }
    }

    private static nint[] RandomShape(Random random) => Enumerable.Range(0, random.Next(1, 5)).Select(_ => (nint)random.Next(1, 4)).ToArray();

    private static Shape ToShape(nint[] lengths) => Shape.Parse(lengths.Select(n => n.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray());

    private static nint[]? EagerBroadcast(nint[] a, nint[] b)
    {
        try
        {
            Tensor<float> sum = Tensor.Create(new float[a.Aggregate((nint)1, (x, y) => x * y)], a)
                              + Tensor.Create(new float[b.Aggregate((nint)1, (x, y) => x * y)], b);
            return sum.Lengths.ToArray();
        }
        catch (ArgumentException)
        {
            return null;
        }
    }
}
