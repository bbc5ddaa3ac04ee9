using System;
using System.Collections.Generic;
using Xunit;

namespace KernelDsl.Tests;

/// <summary>Checks on the lists of mismatches the differential suites and sweeps return (one line each; empty when everything agrees).</summary>
internal static class Mismatches
{
    public static void AssertNone(List<string> failures) => Assert.True(failures.Count == 0, string.Join("\n", failures));

    /// <summary>Runs <paramref name="sweep"/> with every kernel call split across cores (<c>ParallelThreshold</c> 1).</summary>
    public static void AssertNoneAcrossCores(Func<List<string>> sweep) => KernelOptionsScope.WithParallelThreshold(1, () => AssertNone(sweep()));
}
