using KernelDsl.Compiler.Rendering;
using KernelDsl.Runtime;
using Xunit;

namespace KernelDsl.Generators.Tests;

/// <summary>The compiler's copies of the runtime's limits (it cannot reference the runtime) agree with the runtime's.</summary>
public sealed class RuntimeLimitsTests
{
    [Fact]
    public void TheEmittersLimitsAreTheRuntimes()
    {
        Assert.Equal(Dims.Capacity, ShapedKernelEmitter.DimsCapacity);
        Assert.Equal(KernelOperands.MaxInputs, ShapedKernelEmitter.MaxRowInputs);
    }
}
