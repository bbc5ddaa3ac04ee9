using System;
using System.Linq;
using FsCheck;
using FsCheck.Fluent;
using KernelDsl.Runtime;
using Xunit;

namespace KernelDsl.Tests;

/// <summary>
/// The runtime's GEMM against a naive float64 product: property-based over shapes (including 0 and
/// sizes around the 6 × 32 tiles and the 128-deep blocks), transposed operands, broadcast batches,
/// single- and multi-threaded, plus its argument checks.
/// </summary>
public sealed class GemmTests
{
    /// <summary>One product to check: sizes, operand layouts, batch broadcasting, threading.</summary>
    public sealed record Problem(int Batch, int M, int N, int K, bool TransposeA, bool TransposeB, bool BroadcastB, bool Parallel, int Seed)
    {
        public override string ToString() => $"batch={Batch} M={M} N={N} K={K} tA={TransposeA} tB={TransposeB} broadcastB={BroadcastB} parallel={Parallel} seed={Seed}";
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
        select new Problem(batch, m, n, k, ta, tb, bb, parallel, seed);

    [Fact]
    public void ProductMatchesNaiveFloat64Reference()
    {
        Prop.ForAll(Problems.ToArbitrary(), problem => Check(problem))
            .Check(Config.QuickThrowOnFailure.WithMaxTest(150));
    }

    private static bool Check(Problem p)
    {
        var random = new Random(p.Seed);
        float[] a = Enumerable.Range(0, p.Batch * p.M * p.K).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        int bBatches = p.BroadcastB ? 1 : p.Batch;
        float[] b = Enumerable.Range(0, bBatches * p.K * p.N).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        float[] c = new float[p.Batch * p.M * p.N];

        // A is stored either as [batch, M, K] or transposed as [batch, K, M]; likewise B.
        nint[] aStrides = p.TransposeA ? [p.M * p.K, 1, p.M] : [p.M * p.K, p.K, 1];
        nint[] bStrides = p.TransposeB ? [p.BroadcastB ? 0 : p.K * p.N, 1, p.K] : [p.BroadcastB ? 0 : p.K * p.N, p.N, 1];
        int threads = KernelOptions.MaxDegreeOfParallelism;
        long threshold = KernelOptions.ParallelThreshold;
        try
        {
            KernelOptions.ParallelThreshold = p.Parallel ? 1 : KernelOptions.DefaultParallelThreshold;
            Gemm.Multiply([p.Batch], p.M, p.N, p.K, a, aStrides, b, bStrides, c);
        }
        finally
        {
            KernelOptions.ParallelThreshold = threshold;
            KernelOptions.MaxDegreeOfParallelism = threads;
        }

        for (int batch = 0; batch < p.Batch; batch++)
        {
            for (int i = 0; i < p.M; i++)
            {
                for (int j = 0; j < p.N; j++)
                {
                    double sum = 0;
                    for (int q = 0; q < p.K; q++)
                    {
                        double x = a[batch * aStrides[0] + i * aStrides[1] + q * aStrides[2]];
                        double y = b[batch * bStrides[0] + q * bStrides[1] + j * bStrides[2]];
                        sum += x * y;
                    }

                    float actual = c[(batch * p.M + i) * p.N + j];
                    if (Math.Abs(actual - sum) > 1e-6 * (p.K + 1))
                    {
                        throw new Exception($"{p}: C[{batch}, {i}, {j}] = {actual}, float64 reference {sum}");
                    }
                }
            }
        }

        return true;
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
    }
}
