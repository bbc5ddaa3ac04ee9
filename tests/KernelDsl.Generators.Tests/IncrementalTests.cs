using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace KernelDsl.Generators.Tests;

/// <summary>The pipeline caches: edits outside kernels regenerate nothing; editing one kernel regenerates only it.</summary>
public sealed class IncrementalTests
{
    private const string Kernels = GeneratorHarness.Usings + """
        public static partial class Layers
        {
            [Kernel] public static Tensor<float> A(Tensor<float> x) => x * x;
            [Kernel] public static Tensor<float> B(Tensor<float> x) => Tanh(x) + 1f;
            [Kernel] public static Tensor<float> C([Shape("B", "N")] Tensor<float> x, [Shape("N", "N")] Tensor<float> w) => Softmax(MatMul(x, w));
        }
        """;

    private const string Other = "public static class Unrelated { public static int Value => 1; }";

    [Fact]
    public void AnEditOutsideKernelsHitsTheCache()
    {
        GeneratorRunResult run = RunAfterEdit(treeIndex: 1, Other.Replace("1;", "2;"));
        AssertAllCachedOrUnchanged(run, KernelGenerator.TrackingNames.Parse);
        AssertAllCachedOrUnchanged(run, KernelGenerator.TrackingNames.Compile);
        Assert.All(run.TrackedOutputSteps.SelectMany(step => step.Value).SelectMany(s => s.Outputs),
            o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"output: {o.Reason}"));
    }

    [Fact]
    public void AnEditAboveTheKernelsInTheirOwnFileRegeneratesNothing()
    {
        // The kernels move down a line; their specs hold no locations, so even the parse step's outputs are equal.
        GeneratorRunResult run = RunAfterEdit(treeIndex: 0, Kernels.Replace("public static partial class Layers", "// a comment typed above\npublic static partial class Layers"));
        AssertAllCachedOrUnchanged(run, KernelGenerator.TrackingNames.Parse);
        AssertAllCachedOrUnchanged(run, KernelGenerator.TrackingNames.Specs);
        AssertAllCachedOrUnchanged(run, KernelGenerator.TrackingNames.Compile);
    }

    [Fact]
    public void EditingOneKernelRecompilesOnlyThatKernel()
    {
        GeneratorRunResult run = RunAfterEdit(treeIndex: 0, Kernels.Replace("Tanh(x) + 1f", "Tanh(x) + 2f"));
        IReadOnlyList<IncrementalStepRunReason> compile = Reasons(run, KernelGenerator.TrackingNames.Compile);
        Assert.Equal(3, compile.Count);
        Assert.Equal(1, compile.Count(r => r == IncrementalStepRunReason.Modified));
        Assert.Equal(2, compile.Count(r => r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged));

        // And only that kernel's file is written again.
        IReadOnlyList<IncrementalStepRunReason> written = run.TrackedOutputSteps.SelectMany(step => step.Value).SelectMany(s => s.Outputs).Select(o => o.Reason).ToList();
        Assert.Equal(1, written.Count(r => r == IncrementalStepRunReason.Modified));
        Assert.DoesNotContain(written, r => r == IncrementalStepRunReason.New);
    }

    [Fact]
    public void EditingOneKernelBindsOnlyThatKernel()
    {
        // Roslyn re-runs the parse transform for every kernel after any edit; the spec cache must
        // keep that from re-binding the kernels the edit did not touch.
        var generator = new KernelGenerator();
        (GeneratorDriver driver, CSharpCompilation compilation) = RunOnce(generator);
        Assert.Equal(3, generator.SpecCache.KernelsBound);

        CSharpCompilation edited = Edit(compilation, 0, Kernels.Replace("Tanh(x) + 1f", "Tanh(x) + 2f"));
        driver = driver.RunGenerators(edited);
        Assert.Equal(4, generator.SpecCache.KernelsBound);
        Assert.Contains("2f", GeneratedSource(driver, "B"));

        // Editing back binds it once more (the earlier spec was dropped after a run without it).
        driver.RunGenerators(compilation);
        Assert.Equal(5, generator.SpecCache.KernelsBound);
    }

    [Fact]
    public void AnEditInsideAnotherMethodsBodyBindsNoKernel()
    {
        var generator = new KernelGenerator();
        (GeneratorDriver driver, CSharpCompilation compilation) = RunOnce(generator, Kernels, OtherWithBody);
        driver.RunGenerators(Edit(compilation, 1, OtherWithBody.Replace("return 1;", "int unused = 3; return unused;")));
        Assert.Equal(3, generator.SpecCache.KernelsBound);
    }

    [Fact]
    public void AChangedDeclarationElsewhereRebindsEveryKernel()
    {
        // A kernel reading a constant declared in another file: changing the constant must reach
        // the generated code, so a declaration change may not be served from the cache.
        const string withConstant = GeneratorHarness.Usings + """
            public static partial class Scaled
            {
                [Kernel] public static Tensor<float> Scale(Tensor<float> x) => x * Constants.Factor;
                [Kernel] public static Tensor<float> Square(Tensor<float> x) => x * x;
            }
            """;
        const string constants = "public static class Constants { public const float Factor = 3f; }";
        var generator = new KernelGenerator();
        (GeneratorDriver driver, CSharpCompilation compilation) = RunOnce(generator, withConstant, constants);
        Assert.Contains("3f", GeneratedSource(driver, "Scale"));

        driver = driver.RunGenerators(Edit(compilation, 1, constants.Replace("3f", "5f")));
        Assert.Equal(4, generator.SpecCache.KernelsBound);
        Assert.Contains("5f", GeneratedSource(driver, "Scale"));
        Assert.DoesNotContain("3f", GeneratedSource(driver, "Scale"));
    }

    [Fact]
    public void EditingACalledKernelRecompilesItsCallersAcrossFiles()
    {
        // Outer inlines Inner, declared in another file: an edit to Inner's body changes no
        // declaration and not Outer's text, yet changes what Outer computes.
        const string inner = GeneratorHarness.Usings + """
            public static partial class Parts
            {
                [Kernel] public static Tensor<float> Inner([Shape("B", "N")] Tensor<float> x) => x * 3f;
            }
            """;
        const string outer = GeneratorHarness.Usings + """
            public static partial class Layers
            {
                [Kernel] public static Tensor<float> Outer([Shape("T", "D")] Tensor<float> x) => Softmax(Parts.Inner(x));
                [Kernel] public static Tensor<float> Alone(Tensor<float> x) => x * x;
            }
            """;
        var generator = new KernelGenerator();
        CSharpCompilation compilation = GeneratorHarness.Compile(outer, inner);
        GeneratorDriver driver = GeneratorHarness.CreateDriver(generator).RunGenerators(compilation);
        Assert.Empty(driver.GetRunResult().Diagnostics);
        Assert.Equal(3, driver.GetRunResult().Results[0].GeneratedSources.Length);
        Assert.Equal(3, generator.SpecCache.KernelsBound);
        Assert.Contains("3f", GeneratedSource(driver, "Outer"));

        driver = driver.RunGenerators(Edit(compilation, 1, inner.Replace("3f", "5f")));
        Assert.Equal(5, generator.SpecCache.KernelsBound); // Inner and Outer, not Alone
        Assert.Contains("5f", GeneratedSource(driver, "Outer"));
        Assert.DoesNotContain("3f", GeneratedSource(driver, "Outer"));
        IReadOnlyList<IncrementalStepRunReason> compile = Reasons(driver.GetRunResult().Results[0], KernelGenerator.TrackingNames.Compile);
        Assert.Equal(2, compile.Count(r => r == IncrementalStepRunReason.Modified));
    }

    [Fact]
    public void KernelsWithTheSameTextInDifferentTypesKeepTheirOwnSpecs()
    {
        const string twins = GeneratorHarness.Usings + """
            public static partial class First { [Kernel] public static Tensor<float> Twin(Tensor<float> x) => x * x; }
            public static partial class Second { [Kernel] public static Tensor<float> Twin(Tensor<float> x) => x * x; }
            """;
        var generator = new KernelGenerator();
        (GeneratorDriver driver, CSharpCompilation compilation) = RunOnce(generator, twins, OtherWithBody);
        driver = driver.RunGenerators(Edit(compilation, 1, OtherWithBody.Replace("return 1;", "return 2;")));
        Assert.Equal(2, generator.SpecCache.KernelsBound);
        string[] sources = driver.GetRunResult().Results[0].GeneratedSources.Select(s => s.SourceText.ToString()).ToArray();
        Assert.Single(sources, s => s.Contains("partial class First"));
        Assert.Single(sources, s => s.Contains("partial class Second"));
    }

    [Fact]
    public void TheSpecCacheDoesNotKeepACompilationAlive()
    {
        var cache = new Caching.KernelSpecCache();
        System.WeakReference<Compilation> last = UseCacheOnce(cache);
        System.GC.Collect();
        System.GC.WaitForPendingFinalizers();
        System.GC.Collect();
        Assert.False(last.TryGetTarget(out _), "the cache kept its last compilation alive");
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static System.WeakReference<Compilation> UseCacheOnce(Caching.KernelSpecCache cache)
    {
        CSharpCompilation compilation = GeneratorHarness.Compile(Kernels);
        IMethodSymbol method = compilation.GetTypeByMetadataName("Layers")!.GetMembers("A").OfType<IMethodSymbol>().Single();
        Assert.Null(cache.GetOrParse(compilation, method, "File0.cs", "A", () => new Parsing.KernelParseResult(null, KernelDsl.Compiler.Common.EquatableArray<Diagnostics.DiagnosticInfo>.Empty)));
        Assert.Equal(1, cache.KernelsBound);
        return new System.WeakReference<Compilation>(compilation);
    }

    [Fact]
    public void ModelsHoldNoRoslynObjects()
    {
        (GeneratorDriver driver, _) = RunOnce();
        GeneratorRunResult run = driver.GetRunResult().Results[0];
        string[] ours = [KernelGenerator.TrackingNames.Parse, KernelGenerator.TrackingNames.Specs, KernelGenerator.TrackingNames.Compile];
        foreach (IncrementalGeneratorRunStep step in ours.Where(run.TrackedSteps.ContainsKey).SelectMany(name => run.TrackedSteps[name]))
        {
            foreach ((object value, _) in step.Outputs)
            {
                AssertNoRoslynObjects(value, depth: 0);
            }
        }
    }

    private const string OtherWithBody = "public static class Helpers { public static int Value() { return 1; } }";

    private static (GeneratorDriver Driver, CSharpCompilation Compilation) RunOnce() => RunOnce(new KernelGenerator(), Kernels, Other);

    private static (GeneratorDriver Driver, CSharpCompilation Compilation) RunOnce(KernelGenerator generator, params string[] sources)
    {
        CSharpCompilation compilation = GeneratorHarness.Compile(sources.Length == 0 ? [Kernels, Other] : sources);
        GeneratorDriver driver = GeneratorHarness.CreateDriver(generator).RunGenerators(compilation);
        Assert.Empty(driver.GetRunResult().Diagnostics);
        Assert.Equal(CountKernels(sources.Length == 0 ? Kernels : sources[0]), driver.GetRunResult().Results[0].GeneratedSources.Length);
        return (driver, compilation);
    }

    private static int CountKernels(string source) => source.Split("[Kernel]").Length - 1;

    private static CSharpCompilation Edit(CSharpCompilation compilation, int treeIndex, string newText)
    {
        SyntaxTree tree = compilation.SyntaxTrees.ElementAt(treeIndex);
        return compilation.ReplaceSyntaxTree(tree, tree.WithChangedText(Microsoft.CodeAnalysis.Text.SourceText.From(newText)));
    }

    private static string GeneratedSource(GeneratorDriver driver, string kernel)
        => driver.GetRunResult().Results[0].GeneratedSources.Single(s => s.HintName.EndsWith("." + kernel + ".g.cs", System.StringComparison.Ordinal)).SourceText.ToString();

    /// <summary>Runs the generator, replaces one file's text, and runs it again on the same driver.</summary>
    private static GeneratorRunResult RunAfterEdit(int treeIndex, string newText)
    {
        (GeneratorDriver driver, CSharpCompilation compilation) = RunOnce();
        return driver.RunGenerators(Edit(compilation, treeIndex, newText)).GetRunResult().Results[0];
    }

    private static IReadOnlyList<IncrementalStepRunReason> Reasons(GeneratorRunResult run, string step)
        => run.TrackedSteps[step].SelectMany(s => s.Outputs).Select(o => o.Reason).ToList();

    private static void AssertAllCachedOrUnchanged(GeneratorRunResult run, string step)
    {
        IReadOnlyList<IncrementalStepRunReason> reasons = Reasons(run, step);
        Assert.NotEmpty(reasons);
        Assert.All(reasons, r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{step}: {r}"));
    }

    private static void AssertNoRoslynObjects(object? value, int depth)
    {
        if (value is null || depth > 6 || value is string || value.GetType().IsPrimitive || value.GetType().IsEnum)
        {
            return;
        }

        Assert.False(value is ISymbol or SyntaxNode or Compilation or SemanticModel or SyntaxTree or Location, $"a pipeline model holds a {value.GetType().Name}");
        if (value is System.Collections.IEnumerable items)
        {
            foreach (object? item in items)
            {
                AssertNoRoslynObjects(item, depth + 1);
            }

            return;
        }

        foreach (System.Reflection.PropertyInfo property in value.GetType().GetProperties().Where(p => p.GetIndexParameters().Length == 0))
        {
            AssertNoRoslynObjects(property.GetValue(value), depth + 1);
        }
    }
}
