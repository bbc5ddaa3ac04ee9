using System;
using System.IO;
using System.Runtime.CompilerServices;
using Xunit;

namespace KernelDsl.Generators.Tests;

/// <summary>
/// Golden-file comparison. On a mismatch it writes <c>name.received.cs</c> beside the golden
/// <c>name.verified.cs</c> and fails; with KERNELDSL_ACCEPT_SNAPSHOTS=1 it overwrites the golden file
/// instead (review the diff before committing).
/// </summary>
internal static class SnapshotAssert
{
    public const string AcceptVariable = "KERNELDSL_ACCEPT_SNAPSHOTS";

    public static void Matches(string name, string actual, [CallerFilePath] string callerFile = "")
    {
        string directory = Path.Combine(Path.GetDirectoryName(callerFile)!, "Snapshots");
        string verified = Path.Combine(directory, name + ".verified.cs");
        string received = Path.Combine(directory, name + ".received.cs");
        actual = actual.Replace("\r\n", "\n");

        if (Environment.GetEnvironmentVariable(AcceptVariable) == "1")
        {
            Directory.CreateDirectory(directory);
            File.WriteAllText(verified, actual);
            File.Delete(received);
            return;
        }

        string expected = File.Exists(verified) ? File.ReadAllText(verified).Replace("\r\n", "\n") : "";
        if (expected != actual)
        {
            File.WriteAllText(received, actual);
            Assert.Fail($"Generated source for '{name}' differs from {verified}. The new output is in {received}; " +
                        $"if the change is intended, rerun with {AcceptVariable}=1 to accept it.");
        }

        File.Delete(received);
    }
}
