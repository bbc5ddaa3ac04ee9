using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using KernelDsl.Generators;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace KernelDsl.Generators.Tests;

/// <summary>Compiles source with the KernelDsl runtime referenced and runs the generator on it.</summary>
internal static class GeneratorHarness
{
    public static readonly CSharpParseOptions ParseOptions = CSharpParseOptions.Default.WithLanguageVersion(LanguageVersion.Preview);

    /// <summary>The platform, System.Numerics.Tensors and the KernelDsl runtime.</summary>
    public static readonly Lazy<ImmutableArray<MetadataReference>> References = new(() =>
    {
        string[] platform = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator);
        return [
            .. platform.Select(path => MetadataReference.CreateFromFile(path)),
            MetadataReference.CreateFromFile(typeof(System.Numerics.Tensors.Tensor).Assembly.Location),
            MetadataReference.CreateFromFile(typeof(KernelDsl.KernelAttribute).Assembly.Location),
        ];
    });

    public const string Usings = "using System.Numerics.Tensors;\nusing KernelDsl;\nusing static KernelDsl.Ops;\n";

    public static CSharpCompilation Compile(params string[] sources)
        => CSharpCompilation.Create(
            "Kernels",
            sources.Select((s, i) => CSharpSyntaxTree.ParseText(s, ParseOptions, path: $"File{i}.cs")),
            References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

    public static GeneratorDriver CreateDriver() => CreateDriver(new KernelGenerator());

    public static GeneratorDriver CreateDriver(KernelGenerator generator)
        => CSharpGeneratorDriver.Create(
            [generator.AsSourceGenerator()],
            parseOptions: ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    /// <summary>Runs the generator; returns its result and the compilation with the generated files added.</summary>
    public static (GeneratorDriverRunResult Result, Compilation Output) Run(params string[] sources)
    {
        CSharpCompilation input = Compile(sources);
        GeneratorDriver driver = CreateDriver().RunGeneratorsAndUpdateCompilation(input, out Compilation output, out _);
        return (driver.GetRunResult(), output);
    }

    /// <summary>The generator's diagnostics for a kernel class body (the usings and class are added).</summary>
    public static ImmutableArray<Diagnostic> Diagnostics(string members)
    {
        (GeneratorDriverRunResult result, _) = Run(Usings + "public static partial class K\n{\n" + members + "\n}\n");
        Xunit.Assert.Null(result.Results[0].Exception);
        return result.Diagnostics;
    }

    /// <summary>
    /// Runs the generator on a kernel class body and asserts that it generated
    /// <paramref name="kernels"/> files without a diagnostic or an exception, and that the
    /// generated code compiles.
    /// </summary>
    public static void AssertGeneratesCompilingCode(string members, int kernels)
    {
        (GeneratorDriverRunResult result, Compilation output) = Run(Usings + "public static partial class K\n{\n" + members + "\n}\n");
        Xunit.Assert.Null(result.Results[0].Exception);
        Xunit.Assert.Empty(result.Diagnostics);
        Xunit.Assert.Equal(kernels, result.Results[0].GeneratedSources.Length);
        Xunit.Assert.Empty(Errors(output));
    }

    /// <summary>Errors in a compilation, excluding warnings.</summary>
    public static IEnumerable<Diagnostic> Errors(Compilation compilation)
        => compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error);
}
