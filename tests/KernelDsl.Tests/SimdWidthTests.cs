using System.Diagnostics;
using System.IO;
using System.Runtime.Intrinsics.X86;
using Xunit;

namespace KernelDsl.Tests;

/// <summary>
/// Runs the differential table in child processes whose runtime is told to ignore AVX-512 (on .NET 10
/// the knob is DOTNET_EnableAVX512; the older DOTNET_EnableAVX512F is ignored), AVX2, AVX (so
/// Vector128 code takes its SSE forms, such as Exp's byte-shuffle table lookup), or every hardware
/// intrinsic, so the Vector256, Vector128 and scalar paths each carry whole inputs, and once more
/// splitting every kernel across cores. Without AVX2 the runtime also reports no fused multiply-add,
/// so those children run the multiply-adds taken in double precision (FusedMultiplyAdds).
/// </summary>
public sealed class SimdWidthTests
{
    [Theory]
    [InlineData("DOTNET_EnableAVX512", "Vector512=False Vector256=True Vector128=True", "")]
    [InlineData("DOTNET_EnableAVX2", "Vector512=False Vector256=False Vector128=True FusedMultiplyAdd=False", "")]
    [InlineData("DOTNET_EnableAVX", "Vector512=False Vector256=False Vector128=True FusedMultiplyAdd=False", "")]
    [InlineData("DOTNET_EnableHWIntrinsic", "Vector512=False Vector256=False Vector128=False FusedMultiplyAdd=False", "")]
    [InlineData("", "", "--parallel")]
    public void DifferentialSuitePassesWithWidthDisabled(string variable, string expectedAcceleration, string extraArgument)
    {
        if (variable == "DOTNET_EnableAVX512" && !Avx512F.IsSupported)
        {
            return; // nothing to disable: the default run already covers this machine's widths
        }

        string assembly = typeof(Program).Assembly.Location;
        var start = new ProcessStartInfo("dotnet", $"exec \"{assembly}\" differential {extraArgument}")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(assembly)!,
        };
        if (variable.Length > 0)
        {
            start.Environment[variable] = "0";
        }

        using Process process = Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd();
        string error = process.StandardError.ReadToEnd();
        Assert.True(process.WaitForExit(600_000), "the differential child process did not finish in 10 minutes");
        Assert.True(process.ExitCode == 0, $"exit code {process.ExitCode}\n{output}\n{error}");
        Assert.Contains(expectedAcceleration, output);
    }
}
