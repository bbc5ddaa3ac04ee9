using System.Collections.Generic;
using System.Linq;
using Xunit;

namespace KernelDsl.Tests;

/// <summary>
/// Every N-d kernel: eager body and fused kernel against the float64 reference, over shapes with
/// 1-sized, prime, empty and large dimensions. Rows of 17 and 33 put whole Vector512 blocks and
/// one-lane tails in the same run; <see cref="SimdWidthTests"/> repeats the table without AVX-512,
/// AVX2 or SIMD, and with every kernel split across cores.
/// </summary>
public sealed class NdDifferentialTests
{
    public static IEnumerable<object[]> Cases => NdCases.All.Select(c => new object[] { c.Kernel });

    [Theory]
    [MemberData(nameof(Cases))]
    public void FusedAndEagerMatchTheFloat64Reference(string kernel)
    {
        Mismatches.AssertNone(NdDifferentialSuite.Run(NdCases.All.Single(c => c.Kernel == kernel)));
    }
}
