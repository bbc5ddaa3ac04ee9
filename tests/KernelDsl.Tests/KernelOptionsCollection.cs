using Xunit;

namespace KernelDsl.Tests;

/// <summary>
/// The test classes that change the process-wide <see cref="KernelOptions"/> (to force or forbid
/// multicore runs), and those whose assertions assume the defaults (a small call stays on one
/// thread and allocates nothing). They share one collection so they run one after another: two of
/// them saving and restoring the threshold at once could otherwise leave it changed for every later
/// test. Other classes' results never depend on the setting, so they may still run beside them.
/// </summary>
[CollectionDefinition(Name)]
public sealed class KernelOptionsCollection
{
    public const string Name = "KernelOptions";
}

/// <summary>Process-wide <see cref="KernelOptions"/> for the length of a test, restored afterwards (tests in <see cref="KernelOptionsCollection"/> only).</summary>
public static class KernelOptionsScope
{
    /// <summary>Runs <paramref name="body"/> with <see cref="KernelOptions.ParallelThreshold"/> set to <paramref name="threshold"/> (1 splits every call across cores).</summary>
    public static void WithParallelThreshold(long threshold, System.Action body)
    {
        long saved = KernelOptions.ParallelThreshold;
        try
        {
            KernelOptions.ParallelThreshold = threshold;
            body();
        }
        finally
        {
            KernelOptions.ParallelThreshold = saved;
        }
    }
}
