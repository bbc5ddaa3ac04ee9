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

    private static (GeneratorDriver Driver, CSharpCompilation Compilation) RunOnce()
    {
        CSharpCompilation compilation = GeneratorHarness.Compile(Kernels, Other);
        GeneratorDriver driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);
        Assert.Equal(3, driver.GetRunResult().Results[0].GeneratedSources.Length);
        return (driver, compilation);
    }

    /// <summary>Runs the generator, replaces one file's text, and runs it again on the same driver.</summary>
    private static GeneratorRunResult RunAfterEdit(int treeIndex, string newText)
    {
        (GeneratorDriver driver, CSharpCompilation compilation) = RunOnce();
        SyntaxTree tree = compilation.SyntaxTrees.ElementAt(treeIndex);
        CSharpCompilation edited = compilation.ReplaceSyntaxTree(tree, tree.WithChangedText(Microsoft.CodeAnalysis.Text.SourceText.From(newText)));
        return driver.RunGenerators(edited).GetRunResult().Results[0];
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
