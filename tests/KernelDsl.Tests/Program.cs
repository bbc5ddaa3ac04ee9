using System;
using System.Linq;
using System.Runtime.Intrinsics;

namespace KernelDsl.Tests;

/// <summary>
/// The test assembly as a program, for tests that need a fresh process (SIMD widths are fixed at
/// process start): <c>dotnet KernelDsl.Tests.dll differential [--parallel]</c> runs the whole
/// differential table, prints which widths were accelerated and every mismatch, and exits 0 only
/// if everything agreed. It covers the elementwise table, the N-d table, the row reductions'
/// special values, the in-place axis reductions, Exp at every width, the GEMM sweep and
/// the row kernels' strided destinations.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length == 0 || args[0] != "differential")
        {
            Console.Error.WriteLine("usage: KernelDsl.Tests differential [--parallel]");
            return 2;
        }

        if (args.Contains("--parallel"))
        {
            KernelOptions.ParallelThreshold = 1;
        }

        Console.WriteLine($"accelerated: Vector512={Vector512.IsHardwareAccelerated} Vector256={Vector256.IsHardwareAccelerated} Vector128={Vector128.IsHardwareAccelerated} FusedMultiplyAdd={System.Runtime.Intrinsics.X86.Fma.IsSupported || System.Runtime.Intrinsics.Arm.AdvSimd.IsSupported}");
        int failures = 0;
        foreach (KernelCase kernelCase in KernelCases.All)
        {
            foreach (string failure in DifferentialSuite.Run(kernelCase))
            {
                Console.WriteLine("MISMATCH " + failure);
                failures++;
            }
        }

        foreach (NdCase ndCase in NdCases.All)
        {
            foreach (string failure in NdDifferentialSuite.Run(ndCase))
            {
                Console.WriteLine("MISMATCH " + failure);
                failures++;
            }
        }

        foreach (string failure in RowReductionSpecialValues.Run())
        {
            Console.WriteLine("MISMATCH " + failure);
            failures++;
        }

        foreach (string failure in AxisReductionSweep.Run())
        {
            Console.WriteLine("MISMATCH " + failure);
            failures++;
        }

        foreach (string failure in ExpWidthAgreement.Run())
        {
            Console.WriteLine("MISMATCH " + failure);
            failures++;
        }

        foreach (string failure in GemmSweep.Run())
        {
            Console.WriteLine("MISMATCH " + failure);
            failures++;
        }

        foreach (string failure in StridedDestinationSweep.Run())
        {
            Console.WriteLine("MISMATCH " + failure);
            failures++;
        }

        foreach (string failure in SharedRowsSweep.Run())
        {
            Console.WriteLine("MISMATCH " + failure);
            failures++;
        }

        Console.WriteLine($"cases: {KernelCases.All.Count + NdCases.All.Count}, mismatches: {failures}");
        return failures == 0 ? 0 : 1;
    }
}
