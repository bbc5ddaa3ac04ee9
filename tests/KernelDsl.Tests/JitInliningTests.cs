using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Xunit;

namespace KernelDsl.Tests;

/// <summary>
/// A generated row kernel's row method inlines every pass's loop and expression. The JIT stops
/// inlining once a method's budget is spent, and from then on the vector operations themselves are
/// calls: a softmax ran 4x slower after a few lines were added to the runtime's output loop, two
/// kernels of the differential table were already past the budget (docs/performance.md), and
/// <c>SoftmaxOfMixed</c> (a logarithm and a tanh per element in two passes) was until costly passes
/// looped with one accumulator, and a softmax of tanh-capped logits and a layer norm of a GELU until
/// such passes ran in methods of their own (<c>RowPass.ReduceApart</c>). This runs
/// the differential table in a child process with the JIT's machine code of every row method
/// written to a file, and fails on any call from one (or from a costly pass's method) to a vector
/// operation or to a pass's value.
/// </summary>
public sealed partial class JitInliningTests
{
    [GeneratedRegex(@"call\s+\[(?<callee>[^\]]*(?:Simd(?:512|256|128|Scalar):[^\]]*|\+Pass\d+:At\[[^\]]*))\]")]
    private static partial Regex CallToVectorOperation();

    [Fact]
    public void KernelBodiesAreNeverInlinedIntoTheirCallers()
    {
        // The other side of the budget: a runner that inlined a row method (its one-row path,
        // compiled again with profile data once hot) ran out of budget itself, and a [1, 768]
        // softmax's vector operations became calls, 4.5x slower. The generator marks every row
        // method NoInlining, so each compiles as a method of its own.
        // Elementwise loops likewise: a hot caller had inlined a [16] kernel's loop and called
        // Simd512's addition, load and store one by one.
        Type[] generated = typeof(Program).Assembly.GetTypes().Where(t => t.IsValueType && t.Name.StartsWith("__", StringComparison.Ordinal)).ToArray();
        Type[] rowKernels = generated.Where(t => typeof(KernelDsl.Runtime.IRowKernel).IsAssignableFrom(t)).ToArray();
        Type[] loops = generated.Where(t => typeof(KernelDsl.Runtime.IElementwiseKernel).IsAssignableFrom(t)).ToArray();
        Assert.True(rowKernels.Length >= 20, $"only {rowKernels.Length} generated row kernels found");
        Assert.True(loops.Length >= 20, $"only {loops.Length} generated elementwise loops found");
        foreach ((Type kernel, string method) in rowKernels.Select(t => (t, nameof(KernelDsl.Runtime.IRowKernel.ExecuteRow)))
            .Concat(loops.Select(t => (t, nameof(KernelDsl.Runtime.IElementwiseKernel.Execute)))))
        {
            System.Reflection.MethodInfo body = kernel.GetMethod(method)!;
            Assert.True(body.MethodImplementationFlags.HasFlag(System.Reflection.MethodImplAttributes.NoInlining), $"{kernel.FullName}.{method} may be inlined");
        }
    }

    [Fact]
    public void RowMethodsInlineTheirVectorOperations()
    {
        string assembly = typeof(Program).Assembly.Location;
        string listing = Path.Combine(Path.GetTempPath(), $"kerneldsl-rows-{Guid.NewGuid():N}.asm");
        var start = new ProcessStartInfo("dotnet", $"exec \"{assembly}\" differential")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(assembly)!,
        };
        start.Environment["DOTNET_JitDisasm"] = "*ExecuteRow* *ReduceApart* *ReduceAndStoreApart*"; // the row methods and the costly passes' own methods
        start.Environment["DOTNET_JitStdOutFile"] = listing;
        try
        {
            using Process process = Process.Start(start)!;
            string output = process.StandardOutput.ReadToEnd();
            string error = process.StandardError.ReadToEnd();
            Assert.True(process.WaitForExit(600_000), "the differential child process did not finish in 10 minutes");
            Assert.True(process.ExitCode == 0, $"exit code {process.ExitCode}\n{output}\n{error}");

            var offenders = new SortedSet<string>();
            string method = "";
            int rowMethods = 0, passMethods = 0;
            foreach (string line in File.ReadLines(listing))
            {
                if (line.StartsWith("; Assembly listing for method ", StringComparison.Ordinal))
                {
                    method = line["; Assembly listing for method ".Length..];
                    rowMethods += method.Contains(":ExecuteRow[", StringComparison.Ordinal) ? 1 : 0;
                    passMethods += method.Contains("Apart[", StringComparison.Ordinal) ? 1 : 0;
                    continue;
                }

                Match call = CallToVectorOperation().Match(line);
                if (call.Success && (method.Contains(":ExecuteRow[", StringComparison.Ordinal) || method.Contains("Apart[", StringComparison.Ordinal)))
                {
                    offenders.Add($"{method}\n    calls {call.Groups["callee"].Value}");
                }
            }

            // The check is only as good as the listing: the table's row kernels (27 when this was
            // written) must all be in it.
            Assert.True(rowMethods >= 20, $"only {rowMethods} row methods were listed; the JIT's disassembly may not be available");
            Assert.True(offenders.Count == 0, "row methods past the JIT's inlining budget:\n" + string.Join("\n", offenders));
            Assert.True(passMethods >= 5, $"only {passMethods} costly passes' methods were listed");
        }
        finally
        {
            File.Delete(listing);
        }
    }
}
