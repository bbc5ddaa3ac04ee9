using System;
using System.Diagnostics;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Runtime.CompilerServices;
using Xunit;

namespace KernelDsl.Packaging.Tests;

/// <summary>
/// The product as a user gets it: `dotnet pack` makes a KernelDsl package that carries the runtime
/// and, under analyzers/dotnet/cs, the generator with its compiler core, the analyzer and its code
/// fixes; a fresh project that references only that package (from a local folder feed) builds and
/// runs a kernel, and the analyzer's diagnostics reach its build with the severity its
/// .editorconfig gives them.
/// </summary>
public sealed class PackageTests : IDisposable
{
    private readonly string _work = Path.Combine(Path.GetTempPath(), "kerneldsl-package-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try
        {
            Directory.Delete(_work, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public void PackedPackageCarriesTheGeneratorAndRunsInAConsumer()
    {
        string repository = RepositoryRoot();
        string feed = Path.Combine(_work, "feed");
        // A version of its own, so no package cache can answer for it.
        string version = "0.1.0-test." + DateTime.UtcNow.ToString("yyyyMMddHHmmssfff");
        Run("dotnet", $"pack \"{Path.Combine(repository, "src", "KernelDsl", "KernelDsl.csproj")}\" -c Release -o \"{feed}\" -p:Version={version}", repository);

        string package = Path.Combine(feed, $"KernelDsl.{version}.nupkg");
        using (ZipArchive zip = ZipFile.OpenRead(package))
        {
            string[] entries = zip.Entries.Select(e => e.FullName).ToArray();
            Assert.Contains("lib/net10.0/KernelDsl.dll", entries);
            Assert.Contains("analyzers/dotnet/cs/KernelDsl.Generators.dll", entries);
            Assert.Contains("analyzers/dotnet/cs/KernelDsl.Compiler.dll", entries);
            Assert.Contains("analyzers/dotnet/cs/KernelDsl.Analyzers.dll", entries);
            Assert.Contains("analyzers/dotnet/cs/KernelDsl.CodeFixes.dll", entries);
            Assert.Contains("README.md", entries);
            Assert.DoesNotContain(entries, e => e.StartsWith("lib/", StringComparison.Ordinal) && e.Contains("Generators"));
        }

        string consumer = Path.Combine(_work, "consumer");
        Directory.CreateDirectory(consumer);
        File.WriteAllText(Path.Combine(consumer, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="local" value="{feed}" />
              </packageSources>
            </configuration>
            """);
        File.WriteAllText(Path.Combine(consumer, "Consumer.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
                <!-- Generated code must stay clean under the settings demanding projects use. -->
                <GenerateDocumentationFile>true</GenerateDocumentationFile>
                <AnalysisLevel>latest-recommended</AnalysisLevel>
                <RestorePackagesPath>{Path.Combine(_work, "packages")}</RestorePackagesPath>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="KernelDsl" Version="{version}" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(consumer, "Program.cs"), """
            using System;
            using System.Numerics.Tensors;
            using KernelDsl;
            using static KernelDsl.Ops;

            float[] x = [-2f, -0.5f, 0f, 0.5f, 2f];
            var fused = new float[x.Length];
            Consumer.Layers.Swish(x, fused);
            Tensor<float> eager = Consumer.Layers.Swish(Tensor.Create(x, [x.Length]));
            var expected = new float[x.Length];
            eager.FlattenTo(expected);
            for (int i = 0; i < x.Length; i++)
            {
                if (Math.Abs(fused[i] - expected[i]) > 1e-6f) { Console.WriteLine($"mismatch at {i}: {fused[i]} vs {expected[i]}"); return 1; }
            }
            Console.WriteLine("fused kernel ok: " + string.Join(" ", fused));
            return 0;

            namespace Consumer
            {
                /// <summary>Kernels of the consumer.</summary>
                public static partial class Layers
                {
                    /// <summary>SiLU.</summary>
                    [Kernel]
                    public static Tensor<float> Swish(Tensor<float> x) => x * Sigmoid(x);

                    /// <summary>Several inputs, a scalar and a keyword-named parameter.</summary>
                    [Kernel]
                    public static Tensor<float> Mix(Tensor<float> @in, Tensor<float> y, float alpha) => Where(GreaterThan(@in, y), @in * alpha, y);

                    /// <summary>An unused parameter: KD0009, a warning this project's .editorconfig turns off.</summary>
                    [Kernel]
                    public static Tensor<float> Twice(Tensor<float> x, Tensor<float> unused) => x * 2f;
                }
            }
            """);
        File.WriteAllText(Path.Combine(consumer, ".editorconfig"), "root = true\n\n[*.cs]\ndotnet_diagnostic.KD0009.severity = none\n");

        // Warnings are errors here, so this builds only because the .editorconfig silences KD0009.
        string output = Run("dotnet", "run -c Release", consumer);
        Assert.Contains("fused kernel ok", output);

        // The same build with the rule at its default severity: the analyzer reports it on the parameter.
        File.WriteAllText(Path.Combine(consumer, ".editorconfig"), "root = true\n");
        string build = Run("dotnet", "build -c Release --no-restore -p:TreatWarningsAsErrors=false", consumer);
        Assert.Contains("Program.cs(34,74): warning KD0009: Parameter 'unused' is not used by kernel 'Twice'", build);
    }

    private static string Run(string command, string arguments, string directory)
    {
        var start = new ProcessStartInfo(command, arguments)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using Process process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        Assert.True(process.WaitForExit(600_000), $"{command} {arguments} did not finish in 10 minutes");
        Assert.True(process.ExitCode == 0, $"{command} {arguments} failed with exit code {process.ExitCode}:\n{output}\n{error.Result}");
        return output;
    }

    private static string RepositoryRoot([CallerFilePath] string file = "")
        => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(file)!, "..", ".."));
}
