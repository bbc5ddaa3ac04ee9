using System;
using System.Collections.Generic;
using System.Linq;
using FsCheck;
using FsCheck.Fluent;
using KernelDsl.Runtime;
using Xunit;

namespace KernelDsl.Tests;

/// <summary>
/// The runtime's GEMM against a naive float64 product: property-based over shapes (including 0 and
/// sizes around the 6 × 32 and 12 × 32 tiles), transposed operands, broadcast batches, single- and
/// multi-threaded; a fixed sweep over the depth-block, packing and column-block edges (also run in
/// the <see cref="SimdWidthTests"/> child processes); and its argument checks.
/// </summary>
[Collection(KernelOptionsCollection.Name)]
public sealed class GemmTests
{
    /// <summary>One product to check: sizes, operand layouts, batch broadcasting, threading.</summary>
    /// <param name="PadA">Elements between A's rows (its columns when transposed) beyond the dense layout: A is a slice of a wider buffer.</param>
    /// <param name="PadC">Elements between C's rows beyond its N columns: C is a slice of a wider buffer's last axis, whose other elements must stay untouched.</param>
    /// <param name="PermuteC">C's memory is [M, batch, N] seen as [batch, M, N] (attention heads written into their concatenation).</param>
    public sealed record Problem(int Batch, int M, int N, int K, bool TransposeA, bool TransposeB, bool BroadcastB, bool Parallel, int Seed, int PadA = 0, int PadC = 0, bool PermuteC = false)
    {
        public override string ToString() => $"batch={Batch} M={M} N={N} K={K} tA={TransposeA} tB={TransposeB} broadcastB={BroadcastB} parallel={Parallel} seed={Seed} padA={PadA} padC={PadC} permuteC={PermuteC}";
    }

    private static readonly Gen<int> Size = Gen.OneOf(Gen.Choose(0, 8), Gen.Choose(9, 40), Gen.Elements(63, 64, 65, 127, 128, 129, 200));

    private static readonly Gen<Problem> Problems =
        from batch in Gen.Choose(1, 3)
        from m in Size
        from n in Size
        from k in Size
        from ta in Gen.Elements(false, true)
        from tb in Gen.Elements(false, true)
        from bb in Gen.Elements(false, true)
        from parallel in Gen.Elements(false, true)
        from seed in Gen.Choose(0, 1_000_000)
        from pad in Gen.Elements(0, 0, 3)
        from padC in Gen.Elements(0, 0, 2)
        from permuteC in Gen.Elements(false, false, true)
        select new Problem(batch, m, n, k, ta, tb, bb, parallel, seed, pad, padC, permuteC);

    [Fact]
    public void ProductMatchesNaiveFloat64Reference()
    {
        Prop.ForAll(Problems.ToArbitrary(), problem => Check(problem))
            .Check(Config.QuickThrowOnFailure.WithMaxTest(150));
    }

    [Fact]
    public void SweepOfBlockAndPanelEdgesMatchesReference()
    {
        Mismatches.AssertNone(GemmSweep.Run());
    }

    private static bool Check(Problem p)
    {
        string? failure = GemmSweep.Compare(p);
        return failure is null ? true : throw new Exception(failure);
    }

    [Fact]
    public void SingleRowBatchesWithAZeroRowStrideShareB()
    {
        // [5, 1, K]·[K, N] as a tensor span describes it: the length-1 row dimension has stride 0.
        const int batches = 5, k = 37, n = 70;
        var random = new Random(3);
        float[] a = Enumerable.Range(0, batches * k).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        float[] b = Enumerable.Range(0, k * n).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        float[] c = new float[batches * n];
        Gemm.Multiply([batches], 1, n, k, a, [k, 0, 1], b, [0, n, 1], c);
        for (int batch = 0; batch < batches; batch++)
        {
            for (int j = 0; j < n; j++)
            {
                double expected = Enumerable.Range(0, k).Sum(q => (double)a[batch * k + q] * b[q * n + j]);
                Assert.True(Math.Abs(c[batch * n + j] - expected) <= 1e-6 * (k + 1), $"C[{batch}, 0, {j}] = {c[batch * n + j]}, float64 reference {expected}");
            }
        }
    }

    [Fact]
    public void StridesThatLeaveTheBufferAreRejected()
    {
        var e = Assert.Throws<ArgumentException>(() => Gemm.Multiply([], 4, 4, 4, new float[15], [4, 1], new float[16], [4, 1], new float[16]));
        Assert.Contains("a holds 15 elements but its shape and strides address element 15", e.Message);
        e = Assert.Throws<ArgumentException>(() => Gemm.Multiply([], 4, 4, 4, new float[16], [4, 1], new float[16], [4, 1], new float[15]));
        Assert.Contains("destination holds 15", e.Message);
        Assert.Throws<ArgumentException>(() => Gemm.Multiply([], 4, 4, 4, new float[16], [4, 1, 1], new float[16], [4, 1], new float[16]));
        Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.Multiply([], -1, 4, 4, new float[16], [4, 1], new float[16], [4, 1], new float[16]));

        // A strided C: one stride per batch dimension, M and N, contiguous rows, within the buffer.
        e = Assert.Throws<ArgumentException>(() => Gemm.Multiply([], 4, 4, 4, new float[16], [4, 1], new float[16], [4, 1], new float[16], [4]));
        Assert.Contains("destinationStrides has 1 strides", e.Message);
        e = Assert.Throws<ArgumentException>(() => Gemm.Multiply([], 4, 4, 4, new float[16], [4, 1], new float[16], [4, 1], new float[16], [1, 4]));
        Assert.Contains("stride 4 along its rows", e.Message);
        e = Assert.Throws<ArgumentException>(() => Gemm.Multiply([2], 4, 4, 4, new float[32], [16, 4, 1], new float[16], [0, 4, 1], new float[64], [-4, 8, 1]));
        Assert.Contains("negative stride -4 in dimension 0", e.Message);
        e = Assert.Throws<ArgumentException>(() => Gemm.Multiply([], 4, 4, 4, new float[16], [4, 1], new float[16], [4, 1], new float[21], [6, 1]));
        Assert.Contains("destination holds 21 elements; its strides address element 21", e.Message);
        Gemm.Multiply([], 4, 4, 4, new float[16], [4, 1], new float[16], [4, 1], new float[22], [6, 1]);
    }
}

/// <summary>
/// Products on the edges of <see cref="Gemm"/>'s blocking, compared with a float64 reference: depths
/// around the 4- and 16-step packing chunks and the 512-deep blocks (one, two and three blocks,
/// uneven), row counts around the 4-row transpose groups and the 6- and 12-row panels, columns
/// around the 32-wide panels, the 768-wide column blocks and the widest product whose A is read in
/// place, rows 4 KiB apart, transposed operands, an A with rows further apart than its length.
/// </summary>
public static class GemmSweep
{
    private static readonly int[] Depths = [0, 1, 3, 4, 5, 15, 16, 17, 63, 511, 512, 513, 1024, 1030, 1537];

    // Up to 8 column panels a row-major A is read in place (the 12-row panels at 256 columns with
    // AVX-512); 257 columns pack it.
    private static readonly (int M, int N)[] Tiles = [(1, 1), (5, 33), (7, 17), (13, 65), (26, 31), (25, 257)];

    public static List<string> Run()
    {
        var failures = new List<string>();
        int seed = 0;
        foreach (int k in Depths)
        {
            foreach ((int m, int n) in Tiles)
            {
                seed++;
                Add(failures, new GemmTests.Problem(1 + seed % 2, m, n, k, TransposeA: seed % 3 == 1, TransposeB: seed % 4 == 1, BroadcastB: seed % 5 == 1, Parallel: seed % 2 == 0, seed, PadA: seed % 7 == 2 ? 5 : 0, PadC: seed % 5 == 3 ? 7 : 0, PermuteC: seed % 6 == 1));
            }
        }

        // A few rows against a transposed B: dot products (GemmDotProducts), at each column count
        // around the four-column step and depths around the vector widths.
        foreach (int m in new[] { 1, 2, 4, 5 })
        {
            foreach (int n in new[] { 1, 3, 4, 5, 37 })
            {
                foreach (int k in new[] { 0, 1, 7, 16, 17, 33, 130 })
                {
                    seed++;
                    Add(failures, new GemmTests.Problem(1 + seed % 3, m, n, k, TransposeA: false, TransposeB: true, BroadcastB: seed % 2 == 0, Parallel: seed % 2 == 1, seed, PadC: seed % 3 == 0 ? 3 : 0, PermuteC: seed % 4 == 1));
                }
            }
        }

        // Large enough for several row blocks, two column blocks and two uneven depth blocks.
        Add(failures, new GemmTests.Problem(1, 200, 800, 600, TransposeA: false, TransposeB: false, BroadcastB: false, Parallel: true, Seed: 7));
        Add(failures, new GemmTests.Problem(1, 103, 790, 530, TransposeA: true, TransposeB: true, BroadcastB: false, Parallel: false, Seed: 8));
        Add(failures, new GemmTests.Problem(2, 203, 250, 600, TransposeA: false, TransposeB: false, BroadcastB: true, Parallel: true, Seed: 9, PadA: 9)); // A read in place
        Add(failures, new GemmTests.Problem(2, 203, 790, 530, TransposeA: false, TransposeB: false, BroadcastB: true, Parallel: true, Seed: 10, PadC: 13)); // C a slice, batches folded
        Add(failures, new GemmTests.Problem(3, 70, 64, 100, TransposeA: false, TransposeB: false, BroadcastB: true, Parallel: true, Seed: 11, PermuteC: true)); // C's batches interleaved: not folded
        return failures;
    }

    private static void Add(List<string> failures, GemmTests.Problem problem)
    {
        if (Compare(problem) is string failure)
        {
            failures.Add(failure);
        }
    }

    /// <summary>Runs one product and returns the first element that disagrees with the float64 reference, or null.</summary>
    public static string? Compare(GemmTests.Problem p)
    {
        var random = new Random(p.Seed);
        int aLeading = (p.TransposeA ? p.M : p.K) + p.PadA; // elements between A's rows (columns when transposed)
        int aBatchStride = (p.TransposeA ? p.K : p.M) * aLeading;
        float[] a = Enumerable.Range(0, p.Batch * aBatchStride).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        int bBatches = p.BroadcastB ? 1 : p.Batch;
        float[] b = Enumerable.Range(0, bBatches * p.K * p.N).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        // C's rows are N + PadC apart, batch after batch or (PermuteC) batches interleaved row by
        // row; the memory between them holds a sentinel the product must leave alone.
        int cPitch = p.N + p.PadC;
        int cRowStride = p.PermuteC ? p.Batch * cPitch : cPitch;
        int cBatchStride = p.PermuteC ? cPitch : p.M * cPitch;
        bool strided = p.PadC != 0 || p.PermuteC;
        float[] c = Enumerable.Repeat(Sentinel, p.Batch * p.M * cPitch).ToArray();

        // A is stored either as [batch, M, K] or transposed as [batch, K, M]; likewise B.
        nint[] aStrides = p.TransposeA ? [aBatchStride, 1, aLeading] : [aBatchStride, aLeading, 1];
        nint[] bStrides = p.TransposeB ? [p.BroadcastB ? 0 : p.K * p.N, 1, p.K] : [p.BroadcastB ? 0 : p.K * p.N, p.N, 1];
        KernelOptionsScope.WithParallelThreshold(p.Parallel ? 1 : KernelOptions.ParallelThreshold, () =>
            Gemm.Multiply([p.Batch], p.M, p.N, p.K, a, aStrides, b, bStrides, c, strided ? [cBatchStride, cRowStride, 1] : default));

        var written = new bool[c.Length];
        for (int batch = 0; batch < p.Batch; batch++)
        {
            for (int i = 0; i < p.M; i++)
            {
                for (int j = 0; j < p.N; j++)
                {
                    written[batch * cBatchStride + i * cRowStride + j] = true;
                    double sum = 0;
                    for (int q = 0; q < p.K; q++)
                    {
                        double x = a[batch * aStrides[0] + i * aStrides[1] + q * aStrides[2]];
                        double y = b[batch * bStrides[0] + q * bStrides[1] + j * bStrides[2]];
                        sum += x * y;
                    }

                    float actual = c[batch * cBatchStride + i * cRowStride + j];
                    if (Math.Abs(actual - sum) > 1e-6 * (p.K + 1))
                    {
                        return $"{p}: C[{batch}, {i}, {j}] = {actual}, float64 reference {sum}";
                    }
                }
            }
        }

        for (int index = 0; index < c.Length; index++)
        {
            if (!written[index] && c[index] != Sentinel)
            {
                return $"{p}: element {index} between C's rows was overwritten with {c[index]}";
            }
        }

        return null;
    }

    private const float Sentinel = -12345.5f;
}
