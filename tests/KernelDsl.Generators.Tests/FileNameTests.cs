using System.Linq;
using KernelDsl.Compiler;
using Microsoft.CodeAnalysis;
using Xunit;

namespace KernelDsl.Generators.Tests;

/// <summary>
/// Each kernel gets a file of its own, named after it. Roslyn requires the names of one generator's
/// files to differ ignoring case; two kernels whose names differ only in case used to share one,
/// and the second was lost to KD9999. Such names now carry a hash of their spelling, and only those.
/// </summary>
public sealed class FileNameTests
{
    [Fact]
    public void KernelsWhoseNamesDifferOnlyInCaseBothCompile()
    {
        string source = GeneratorHarness.Usings + "public static partial class K\n{\n"
            + "    [Kernel] public static Tensor<float> Gelu(Tensor<float> x) => x * 2f;\n"
            + "    [Kernel] public static Tensor<float> GELU(Tensor<float> x) => x * 3f;\n"
            + "    [Kernel] public static Tensor<float> Relu(Tensor<float> x) => x * 4f;\n}\n";
        string[] names = GenerateCleanly(source);
        Assert.Equal(3, names.Length);
        Assert.Contains("K.Relu.g.cs", names); // no clash, no suffix
        Assert.Contains(KernelSpec.DisambiguateCase("K.Gelu.g.cs"), names);
        Assert.Contains(KernelSpec.DisambiguateCase("K.GELU.g.cs"), names);
        Assert.Matches(@"^K\.Gelu\.[0-9a-f]{8}\.g\.cs$", KernelSpec.DisambiguateCase("K.Gelu.g.cs"));
        Assert.NotEqual(KernelSpec.DisambiguateCase("K.Gelu.g.cs").ToUpperInvariant(), KernelSpec.DisambiguateCase("K.GELU.g.cs").ToUpperInvariant());
    }

    [Fact]
    public void TypesWhoseNamesDifferOnlyInCaseBothCompile()
    {
        string source = GeneratorHarness.Usings
            + "public static partial class Layers { [Kernel] public static Tensor<float> M(Tensor<float> x) => x * 2f; }\n"
            + "public static partial class layers { [Kernel] public static Tensor<float> M(Tensor<float> x) => x * 3f; }\n";
        Assert.Equal(2, GenerateCleanly(source).Length);
    }

    [Fact]
    public void ClashesAreFoundInsideNamespacesAndNestedTypes()
    {
        string source = GeneratorHarness.Usings
            + "namespace Models { namespace V1 { public static partial class Outer { public static partial class Layers { [Kernel] public static Tensor<float> M(Tensor<float> x) => x * 2f; } } } }\n"
            + "namespace Models.V1 { public static partial class Outer { public static partial class LAYERS { [Kernel] public static Tensor<float> M(Tensor<float> x) => x * 3f; } } }\n";
        Assert.Equal(
            [KernelSpec.DisambiguateCase("Models.V1.Outer.LAYERS.M.g.cs"), KernelSpec.DisambiguateCase("Models.V1.Outer.Layers.M.g.cs")],
            GenerateCleanly(source));
    }

    [Fact]
    public void TheHashIsStableAndSpellingSensitive()
    {
        // Part of the file name, so it must not change between builds or processes (FNV-1a, not string.GetHashCode).
        Assert.Equal("K.Gelu.63056a9f.g.cs", KernelSpec.DisambiguateCase("K.Gelu.g.cs"));
        Assert.NotEqual(KernelSpec.DisambiguateCase("K.gelu.g.cs"), KernelSpec.DisambiguateCase("K.Gelu.g.cs"));
    }

    /// <summary>Runs the generator, asserts it reported nothing and its output compiles, and returns the file names, sorted.</summary>
    private static string[] GenerateCleanly(string source)
    {
        (GeneratorDriverRunResult result, Compilation output) = GeneratorHarness.Run(source);
        Assert.Null(result.Results[0].Exception);
        Assert.Empty(result.Diagnostics);
        Assert.Empty(GeneratorHarness.Errors(output));
        return result.Results[0].GeneratedSources.Select(s => s.HintName).OrderBy(n => n, System.StringComparer.Ordinal).ToArray();
    }
}
