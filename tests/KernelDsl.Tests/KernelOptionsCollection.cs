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
