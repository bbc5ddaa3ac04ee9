using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using KernelDsl.CodeFixes;
using KernelDsl.Generators.Tests;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;
using Xunit;

namespace KernelDsl.Analyzers.Tests;

/// <summary>
/// Each code fix, before and after, in a workspace as the IDE runs it; the fixed source then has no
/// diagnostics left and its kernel is generated. Diagnostics without a mechanical fix offer none.
/// </summary>
public sealed class CodeFixTests
{
    private const string Usings = GeneratorHarness.Usings;

    [Fact]
    public Task MakePartialAddsPartialBeforeTheTypeKeyword() => AssertFix("KD0006",
        Usings + "public static class Plain\n{\n    [Kernel] public static Tensor<float> Square(Tensor<float> x) => x * x;\n}\n",
        Usings + "public static partial class Plain\n{\n    [Kernel] public static Tensor<float> Square(Tensor<float> x) => x * x;\n}\n",
        "Make the containing types partial");

    [Fact]
    public Task MakePartialFixesEveryContainingTypeThatLacksIt() => AssertFix("KD0006",
        Usings + "// Outer has no modifiers; Inner is partial already.\nclass Outer\n{\n    public static partial class Inner\n    {\n        [Kernel] public static Tensor<float> Square(Tensor<float> x) => x * x;\n    }\n}\n",
        Usings + "// Outer has no modifiers; Inner is partial already.\npartial class Outer\n{\n    public static partial class Inner\n    {\n        [Kernel] public static Tensor<float> Square(Tensor<float> x) => x * x;\n    }\n}\n",
        "Make the containing types partial");

    [Fact]
    public Task MakePartialKeepsAttributesOnTheType() => AssertFix("KD0006",
        Usings + "[System.Obsolete]\nstatic class Plain\n{\n    [Kernel] public static Tensor<float> Square(Tensor<float> x) => x * x;\n}\n",
        Usings + "[System.Obsolete]\nstatic partial class Plain\n{\n    [Kernel] public static Tensor<float> Square(Tensor<float> x) => x * x;\n}\n",
        "Make the containing types partial");

    [Fact]
    public Task MakeStaticAddsStaticAfterTheAccessibility() => AssertFix("KD0006",
        Usings + "public partial class K\n{\n    [Kernel] public Tensor<float> Square(Tensor<float> x) => x * x;\n}\n",
        Usings + "public partial class K\n{\n    [Kernel] public static Tensor<float> Square(Tensor<float> x) => x * x;\n}\n",
        "Make 'Square' static");

    [Fact]
    public Task MakeStaticWithoutModifiersKeepsTheIndentation() => AssertFix("KD0006",
        Usings + "public partial class K\n{\n    [Kernel]\n    Tensor<float> Square(Tensor<float> x) => x * x;\n}\n",
        Usings + "public partial class K\n{\n    [Kernel]\n    static Tensor<float> Square(Tensor<float> x) => x * x;\n}\n",
        "Make 'Square' static");

    [Fact]
    public Task RespellingASymbolUsesItsFirstSpelling() => AssertFix("KD0010",
        Usings + "public static partial class K\n{\n    [Kernel] public static Tensor<float> F([Shape(\"B\", \"K\")] Tensor<float> x, [Shape(\"k\", \"N\")] Tensor<float> w) => MatMul(x, w);\n}\n",
        Usings + "public static partial class K\n{\n    [Kernel] public static Tensor<float> F([Shape(\"B\", \"K\")] Tensor<float> x, [Shape(\"K\", \"N\")] Tensor<float> w) => MatMul(x, w);\n}\n",
        "Spell the dimension 'K'");

    [Fact]
    public Task RespellingAFactorOfAProductKeepsTheRestOfIt() => AssertFix("KD0010",
        Usings + "public static partial class K\n{\n    [Kernel] public static Tensor<float> F([Shape(\"B\", \"H\", \"D\")] Tensor<float> x, [Shape(\"h*D\", \"C\")] Tensor<float> w) => MatMul(Reshape(x, 0, -1), w);\n}\n",
        Usings + "public static partial class K\n{\n    [Kernel] public static Tensor<float> F([Shape(\"B\", \"H\", \"D\")] Tensor<float> x, [Shape(\"H*D\", \"C\")] Tensor<float> w) => MatMul(Reshape(x, 0, -1), w);\n}\n",
        "Spell the dimension 'H*D'");

    [Fact]
    public Task RespellingASymbolOfASumKeepsTheRestOfIt() => AssertFix("KD0010",
        Usings + "public static partial class K\n{\n    [Kernel] public static Tensor<float> F([Shape(\"T\", \"D\")] Tensor<float> x, [Shape(\"T\", \"E\")] Tensor<float> y, [Shape(\"d + E\")] Tensor<float> b) => Concat(x, y) + b;\n}\n",
        Usings + "public static partial class K\n{\n    [Kernel] public static Tensor<float> F([Shape(\"T\", \"D\")] Tensor<float> x, [Shape(\"T\", \"E\")] Tensor<float> y, [Shape(\"D + E\")] Tensor<float> b) => Concat(x, y) + b;\n}\n",
        "Spell the dimension 'D + E'");

    [Fact]
    public Task DeclaringTheInferredShapeReplacesTheReturnShape() => AssertFix("KD0004",
        Usings + "public static partial class K\n{\n    [Kernel]\n    [return: Shape(\"B\", \"M\")]\n    public static Tensor<float> Project([Shape(\"B\", \"K\")] Tensor<float> x, [Shape(\"K\", \"N\")] Tensor<float> w) => MatMul(x, w);\n}\n",
        Usings + "public static partial class K\n{\n    [Kernel]\n    [return: Shape(\"B\", \"N\")]\n    public static Tensor<float> Project([Shape(\"B\", \"K\")] Tensor<float> x, [Shape(\"K\", \"N\")] Tensor<float> w) => MatMul(x, w);\n}\n",
        "Declare the result's shape as [B, N]");

    [Fact]
    public Task DeclaringTheInferredShapeSpellsProductsAndSizes() => AssertFix("KD0004",
        Usings + "public static partial class K\n{\n    [Kernel][return: KernelDsl.ShapeAttribute(\"B\", \"H\", \"D\")] public static Tensor<float> F([Shape(\"B\", \"H\", \"D\")] Tensor<float> x) => Sum(Reshape(x, 0, -1), axis: -1, keepDims: true) + Reshape(x, 0, -1);\n}\n",
        Usings + "public static partial class K\n{\n    [Kernel][return: KernelDsl.ShapeAttribute(\"B\", \"H*D\")] public static Tensor<float> F([Shape(\"B\", \"H\", \"D\")] Tensor<float> x) => Sum(Reshape(x, 0, -1), axis: -1, keepDims: true) + Reshape(x, 0, -1);\n}\n",
        "Declare the result's shape as [B, H*D]");

    [Fact]
    public Task DeclaringTheInferredShapeKeepsAKeptAxisAsOne() => AssertFix("KD0004",
        Usings + "public static partial class K\n{\n    [Kernel]\n    [return: Shape(\"B\", \"N\")]\n    public static Tensor<float> F([Shape(\"B\", \"N\")] Tensor<float> x) => Max(x, axis: -1, keepDims: true);\n}\n",
        Usings + "public static partial class K\n{\n    [Kernel]\n    [return: Shape(\"B\", \"1\")]\n    public static Tensor<float> F([Shape(\"B\", \"N\")] Tensor<float> x) => Max(x, axis: -1, keepDims: true);\n}\n",
        "Declare the result's shape as [B, 1]");

    [Theory]
    [InlineData("[Kernel] public static Tensor<float> F<T>(Tensor<float> x) => x;", "KD0006")]
    [InlineData("[Kernel] public static Tensor<float> F(Tensor<float> x) => x * Field;", "KD0005")]
    [InlineData("[Kernel] public static Tensor<float> F([Shape(\"B\", \"K\")] Tensor<float> x, [Shape(\"N\")] Tensor<float> b) => x + b;", "KD0001")]
    public async Task DiagnosticsWithoutAMechanicalFixOfferNone(string kernel, string id)
    {
        (Document document, Diagnostic diagnostic) = await SingleDiagnostic(Usings + "public static partial class K\n{\n    public static float Field = 1f;\n    " + kernel + "\n}\n", id);
        Assert.Empty(await Fixes(document, diagnostic));
    }

    private static async Task AssertFix(string id, string before, string after, string title)
    {
        (Document document, Diagnostic diagnostic) = await SingleDiagnostic(before, id);
        CodeAction action = Assert.Single(await Fixes(document, diagnostic));
        Assert.Equal(title, action.Title);

        ImmutableArray<CodeActionOperation> operations = await action.GetOperationsAsync(CancellationToken.None);
        Solution fixedSolution = Assert.Single(operations.OfType<ApplyChangesOperation>()).ChangedSolution;
        string text = (await fixedSolution.GetDocument(document.Id)!.GetTextAsync()).ToString();
        Assert.Equal(after, text);

        // Fixed means fixed: nothing left to report, and the kernel is generated and compiles.
        AnalysisRun run = AnalyzerHarness.Run(text);
        Assert.Empty(run.Diagnostics);
        Assert.Single(run.Generator.Results[0].GeneratedSources);
        Assert.Empty(GeneratorHarness.Errors(run.Output));
    }

    private static async Task<(Document Document, Diagnostic Diagnostic)> SingleDiagnostic(string source, string id)
    {
        var workspace = new AdhocWorkspace();
        ProjectInfo project = ProjectInfo.Create(
            ProjectId.CreateNewId(), VersionStamp.Default, "Kernels", "Kernels", LanguageNames.CSharp,
            compilationOptions: new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable),
            parseOptions: GeneratorHarness.ParseOptions,
            metadataReferences: GeneratorHarness.References.Value);
        Document document = workspace.AddProject(project).AddDocument("K.cs", SourceText.From(source));
        Compilation compilation = (await document.Project.GetCompilationAsync())!;
        Diagnostic diagnostic = Assert.Single(AnalyzerHarness.Analyze(compilation), d => d.Id == id);
        return (document, diagnostic);
    }

    private static async Task<IReadOnlyList<CodeAction>> Fixes(Document document, Diagnostic diagnostic)
    {
        var provider = new KernelCodeFixProvider();
        var actions = new List<CodeAction>();
        var context = new CodeFixContext(document, diagnostic, (action, _) => actions.Add(action), CancellationToken.None);
        await provider.RegisterCodeFixesAsync(context);
        return actions;
    }
}
