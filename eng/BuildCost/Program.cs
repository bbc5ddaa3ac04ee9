using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Diagnostics;
using System.IO;
using System.Linq;
using KernelDsl.Analyzers;
using KernelDsl.Generators;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;

// Usage: BuildCost <folder with File*.cs kernel files> <file to edit> <text to edit> <replacement>
// Prints medians of repeated runs in this (warm) process, as in an IDE or the compiler server.
if (args.Length != 4)
{
    Console.Error.WriteLine("usage: BuildCost <folder> <file> <text> <replacement>");
    return 2;
}

// As csc parses a project built without /doc (GenerateDocumentationFile unset, the default):
// documentation comments are plain comments, so they cost the build nothing to parse.
var parseOptions = CSharpParseOptions.Default.WithLanguageVersion(LanguageVersion.Preview).WithDocumentationMode(DocumentationMode.None);
MetadataReference[] references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
    .Split(Path.PathSeparator)
    .Append(typeof(System.Numerics.Tensors.Tensor).Assembly.Location)
    .Append(typeof(KernelDsl.KernelAttribute).Assembly.Location)
    .Distinct()
    .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
    .ToArray();
SyntaxTree[] trees = Directory.GetFiles(args[0], "File*.cs").Order()
    .Select(path => CSharpSyntaxTree.ParseText(File.ReadAllText(path), parseOptions, path)).ToArray();
CSharpCompilation compilation = CSharpCompilation.Create("Kernels", trees, references,
    new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, optimizationLevel: OptimizationLevel.Release));

SyntaxTree target = trees.Single(t => Path.GetFileName(t.FilePath) == args[1]);
string original = target.ToString();
if (!original.Contains(args[2], StringComparison.Ordinal))
{
    Console.Error.WriteLine($"'{args[2]}' is not in {args[1]}");
    return 2;
}

// Two versions of the edited file that differ in one kernel; edits alternate between them.
CSharpCompilation[] edited = new[] { args[3], args[2] }
    .Select(text => compilation.ReplaceSyntaxTree(target, target.WithChangedText(SourceText.From(original.Replace(args[2], text, StringComparison.Ordinal)))))
    .ToArray();

GeneratorDriver NewDriver(KernelGenerator? generator = null) => CSharpGeneratorDriver.Create([(generator ?? new KernelGenerator()).AsSourceGenerator()], parseOptions: parseOptions,
    driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

double Median(IEnumerable<double> values) { double[] v = values.Order().ToArray(); return v[v.Length / 2]; }
double Time(Action action) { var watch = Stopwatch.StartNew(); action(); return watch.Elapsed.TotalMilliseconds; }

// Warm up the JIT on every path once.
GeneratorDriver warm = NewDriver().RunGenerators(compilation);
int kernels = warm.GetRunResult().GeneratedTrees.Length;

double cold = Median(Enumerable.Range(0, 5).Select(_ => Time(() => NewDriver().RunGenerators(compilation))));

var generator = new KernelGenerator();
GeneratorDriver driver = NewDriver(generator).RunGenerators(compilation);
// Edits first left untimed: until then the JIT is still compiling, at its first tier, what only
// an edit runs (a new compilation's declarations), which an IDE open a while has long optimized.
for (int i = 0; i < 100; i++)
{
    driver = driver.RunGenerators(edited[i % 2]);
}

int boundBefore = generator.SpecCache.KernelsBound;
var incremental = new List<double>();
for (int i = 0; i < 21; i++)
{
    CSharpCompilation next = edited[i % 2];
    GeneratorDriver before = driver;
    incremental.Add(Time(() => driver = before.RunGenerators(next)));
    GeneratorRunResult run = driver.GetRunResult().Results[0];
    int recompiled = run.TrackedSteps[KernelGenerator.TrackingNames.Compile].SelectMany(s => s.Outputs).Count(o => o.Reason == IncrementalStepRunReason.Modified);
    if (recompiled != 1)
    {
        Console.Error.WriteLine($"expected one kernel recompiled after the edit, got {recompiled}");
        return 1;
    }
}

// Each edit must re-bind just the edited kernel: the others come from the generator's spec cache.
int bound = generator.SpecCache.KernelsBound - boundBefore;
if (bound != incremental.Count)
{
    Console.Error.WriteLine($"expected {incremental.Count} kernels bound over {incremental.Count} edits, got {bound}");
    return 1;
}

// The analyzer as the IDE runs it after an edit: on the edited kernel, and on the edited file.
ImmutableArray<DiagnosticAnalyzer> analyzers = [new KernelAnalyzer()];
var options = new CompilationWithAnalyzersOptions(new AnalyzerOptions([]), null, concurrentAnalysis: false, logAnalyzerExecutionTime: true);
double AnalyzeSpan(Compilation c, SyntaxTree tree, TextSpan? span)
    => Time(() => c.WithAnalyzers(analyzers, options).GetAnalyzerSemanticDiagnosticsAsync(c.GetSemanticModel(tree), span, default).GetAwaiter().GetResult());
var perKernel = new List<double>();
var perFile = new List<double>();
for (int i = 0; i < 21; i++)
{
    CSharpCompilation c = edited[i % 2];
    SyntaxTree tree = c.SyntaxTrees.Single(t => t.FilePath == target.FilePath);
    MethodDeclarationSyntax method = tree.GetRoot().DescendantNodes().OfType<MethodDeclarationSyntax>().First(m => m.ToString().Contains(i % 2 == 0 ? args[3] : args[2], StringComparison.Ordinal));
    perKernel.Add(AnalyzeSpan(c, tree, method.Span));
    perFile.Add(AnalyzeSpan(c, tree, null));
}

// The analyzer's own time over every kernel (binding excluded: the compiler's telemetry).
CompilationWithAnalyzers all = compilation.WithAnalyzers(analyzers, options);
all.GetAnalyzerDiagnosticsAsync().GetAwaiter().GetResult();
TimeSpan analyzerTotal = all.GetAnalyzerTelemetryInfoAsync(analyzers[0], default).GetAwaiter().GetResult().ExecutionTime;

// Compiling the generated code, warm, on one thread: each emit of the kernels' own files plus the
// generated ones, against the kernels' files alone (nothing generated), and per kind of kernel
// (the script's files hold five kinds, kernel i being of kind i % 5).
SyntaxTree[] generated = warm.GetRunResult().GeneratedTrees.ToArray();
var emitOptions = new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, optimizationLevel: OptimizationLevel.Release, concurrentBuild: false);
long allocated = 0; // by the last emit: unlike its time, the same from run to run on a busy machine
double Emit(IEnumerable<SyntaxTree> extra)
{
    CSharpCompilation c = compilation.WithOptions(emitOptions).AddSyntaxTrees(extra);
    long before = GC.GetAllocatedBytesForCurrentThread();
    try
    {
        return Emit();
    }
    finally
    {
        allocated = GC.GetAllocatedBytesForCurrentThread() - before;
    }

    double Emit() => Time(() =>
    {
        var result = c.Emit(Stream.Null);
        if (!result.Success)
        {
            throw new InvalidOperationException(string.Join(Environment.NewLine, result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Take(5)));
        }
    });
}

int KindOf(SyntaxTree tree) => int.Parse(Path.GetFileNameWithoutExtension(tree.FilePath).Split('.').Last(part => part.StartsWith('K'))[1..]) % 5;
Emit(generated); // warm the compiler's code paths
// Each round compiles without the generated files, with all of them and with each kind's alone,
// back to back; a cost is the median of its rounds' differences, so a machine slowing down or
// speeding up between blocks of emits does not show as a cost (or as a negative one).
int emits = 7;
string[] kinds = ["elementwise", "softmax", "layer norm", "dense", "attention"];
SyntaxTree[][] variants = [[], generated, .. kinds.Select((_, kind) => generated.Where(t => KindOf(t) == kind).ToArray())];
var times = variants.Select(_ => new List<double>()).ToArray();
var allocations = new long[variants.Length];
for (int round = 0; round < emits; round++)
{
    for (int v = 0; v < variants.Length; v++)
    {
        times[v].Add(Emit(variants[v]));
        allocations[v] = allocated;
    }
}

double CostOf(int v) => Median(times[v].Select((ms, round) => ms - times[0][round]));
double baseline = Median(times[0]);
double withGenerated = Median(times[1]);
double generatedCost = CostOf(1);
long generatedAllocated = allocations[1] - allocations[0];
var perKind = kinds.Select((name, kind) => (name, ms: CostOf(2 + kind), mb: (allocations[2 + kind] - allocations[0]) / 1e6,
    lines: variants[2 + kind].Sum(t => t.GetText().Lines.Count))).ToArray();

// Optional: KERNELDSL_DUMP_GENERATED=<folder> writes the generated files there, and
// KERNELDSL_COMPARE_GENERATED=<folder> compiles such a folder (another commit's dump) alternately
// with this commit's files, so the two are compared side by side on the same busy machine.
if (Environment.GetEnvironmentVariable("KERNELDSL_DUMP_GENERATED") is { Length: > 0 } dump)
{
    Directory.CreateDirectory(dump);
    foreach (SyntaxTree tree in generated)
    {
        File.WriteAllText(Path.Combine(dump, Path.GetFileName(tree.FilePath)), tree.ToString());
    }
}

string? comparison = null;
if (Environment.GetEnvironmentVariable("KERNELDSL_COMPARE_GENERATED") is { Length: > 0 } other)
{
    SyntaxTree[] otherTrees = Directory.GetFiles(other, "*.g.cs").Order()
        .Select(path => CSharpSyntaxTree.ParseText(File.ReadAllText(path), parseOptions, path)).ToArray();
    Emit(otherTrees);
    var ours = new List<double>();
    var theirs = new List<double>();
    var none = new List<double>();
    for (int round = 0; round < 15; round++)
    {
        ours.Add(Emit(generated));
        theirs.Add(Emit(otherTrees));
        none.Add(Emit([]));
    }

    comparison = $"side by side, 15 alternating rounds: this commit's generated code {Median(ours) - Median(none):F0} ms, {other}'s {Median(theirs) - Median(none):F0} ms (medians, less the kernels' own files)";
}

Console.WriteLine($"kernels generated:                       {kernels}");
Console.WriteLine($"generator, cold run (fresh driver):       {cold:F0} ms");
Console.WriteLine($"generator, one-kernel edit (incremental): {Median(incremental):F1} ms (median of {incremental.Count}; one kernel bound per edit)");
Console.WriteLine($"analyzer on the edited kernel:            {Median(perKernel):F1} ms (median of {perKernel.Count})");
Console.WriteLine($"analyzer on the edited file (10 kernels): {Median(perFile):F1} ms (median of {perFile.Count})");
Console.WriteLine($"analyzer, own time over all kernels:      {analyzerTotal.TotalMilliseconds:F0} ms");
Console.WriteLine($"compiling the generated code, warm, one thread: {generatedCost:F0} ms (median of {emits} rounds' differences; {withGenerated:F0} ms with it, {baseline:F0} ms without; {generated.Sum(t => t.GetText().Lines.Count)} lines; the compiler allocates {generatedAllocated / 1e6:F1} MB for it)");
foreach ((string name, double ms, double mb, int lines) in perKind)
{
    Console.WriteLine($"  of which {name,-12} kernels: {ms,5:F0} ms, {mb,5:F1} MB ({lines} lines)");
}
if (comparison is not null)
{
    Console.WriteLine(comparison);
}

return 0;
