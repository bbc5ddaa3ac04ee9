using System.Collections.Generic;
using System.Linq;
using Xunit;

namespace KernelDsl.Tests;

/// <summary>
/// Every kernel of the table: eager body and fused kernel against the float64 reference, at every
/// length of <see cref="DifferentialSuite.Lengths"/>. On this machine the fused path runs Vector512
/// for whole blocks of 16, then Vector256, Vector128 and single lanes for the rest, so lengths such
/// as 15 and 31 cover every width in one process; <see cref="SimdWidthTests"/> covers machines
/// without AVX-512, AVX2 or any SIMD.
/// </summary>
public sealed class DifferentialTests
{
    public static IEnumerable<object[]> Cases => KernelCases.All.Select(c => new object[] { c.Kernel });

    [Theory]
    [MemberData(nameof(Cases))]
    public void FusedAndEagerMatchTheFloat64Reference(string kernel)
    {
        KernelCase kernelCase = KernelCases.All.Single(c => c.Kernel == kernel);
        Mismatches.AssertNone(DifferentialSuite.Run(kernelCase));
    }
}
