using System;
using System.Collections.Generic;
using System.Linq;
using KernelDsl.Runtime;
using Xunit;

namespace KernelDsl.Tests;

/// <summary>
/// The runtime's row-pass loops (<see cref="RowPass"/>), which every generated row kernel calls, at
/// every vector width directly (Vector512 runs in software where the hardware lacks it): Sum and
/// Prod against a float64 fold, Max and Min bit for bit against a fold of MathF.Max/Min on NaN and
/// signed zeros, the stored values of ReduceAndStore and the output of Write, on lengths 0, 1,
/// primes, and one either side of each vector width and of four vectors (the unrolled loop).
/// </summary>
public sealed class RowPassTests
{
    private static readonly int[] Lengths = [0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 47, 63, 64, 65, 97, 127, 128, 129, 257, 1031];

    /// <summary>A pass whose value at <c>i</c> is <c>scale · row[i]</c>.</summary>
    private readonly ref struct Scaled : IRowPass
    {
        private readonly ref float _row;
        private readonly float _scale;

        public Scaled(ref float row, float scale)
        {
            _row = ref row;
            _scale = scale;
        }

        public W At<W>(nint i) where W : struct, ISimdFloat<W> => W.Load(ref _row, i) * W.Create(_scale);
    }

    [Fact]
    public void SumAndProductAgreeWithFloat64AtEveryWidth() => Each(new SumAndProduct());

    /// <summary>
    /// Every method a row pass calls out of line (the scalar tails) is optimized on its first call:
    /// called on every row whose length is not a multiple of the vector width, an unoptimized one
    /// made a kernel's first calls several times slower (docs/performance.md).
    /// </summary>
    [Fact]
    public void OutOfLineStepsAreOptimizedOnFirstCall()
    {
        var outOfLine = typeof(RowPass).GetMethods(System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic)
            .Where(m => m.MethodImplementationFlags.HasFlag(System.Reflection.MethodImplAttributes.NoInlining))
            .ToArray();
        Assert.NotEmpty(outOfLine);
        Assert.All(outOfLine, m => Assert.True(m.MethodImplementationFlags.HasFlag(System.Reflection.MethodImplAttributes.AggressiveOptimization), $"RowPass.{m.Name} is not optimized on first call"));
    }

    /// <summary>
    /// The other loops a kernel call runs many times over are optimized on first call as well: the
    /// GEMM's packing, the axis reductions' loops and the strided copies (a dense layer's early calls
    /// were 1.3-1.6x slower without it, docs/performance.md).
    /// </summary>
    [Theory]
    [InlineData("KernelDsl.Runtime.GemmPacking", "PackA")]
    [InlineData("KernelDsl.Runtime.GemmPacking", "PackB")]
    [InlineData("KernelDsl.Runtime.AxisReduction", "ReduceRows")]
    [InlineData("KernelDsl.Runtime.AxisReduction", "ReduceElements")]
    [InlineData("KernelDsl.Runtime.StridedCopy", "CopyRowByRow")]
    [InlineData("KernelDsl.Runtime.StridedCopy", "CopyTransposedBlocks")]
    [InlineData("KernelDsl.Runtime.StridedCopy", "CopyPlane")]
    [InlineData("KernelDsl.Runtime.StridedCopy", "CopyElements")]
    public void RepeatedRuntimeLoopsAreOptimizedOnFirstCall(string type, string method)
    {
        Type? owner = typeof(RowPass).Assembly.GetType(type);
        Assert.NotNull(owner);
        System.Reflection.MethodInfo found = Assert.Single(owner.GetMethods(System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic), m => m.Name == method);
        Assert.True(found.MethodImplementationFlags.HasFlag(System.Reflection.MethodImplAttributes.AggressiveOptimization), $"{type}.{method} is not optimized on first call");
    }

    private readonly struct SumAndProduct : IWidthCheck
    {
        public void Check<V>(int length) where V : struct, ISimdFloat<V>
        {
            var random = new Random(length);
            float[] row = Enumerable.Range(0, length).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
            float[] nearOne = row.Select(x => 1f + x / 64f).ToArray();
            KernelOperands none = default;

            float sum = RowPass.Reduce<V, Scaled, RowSum>(new Scaled(ref First(row), 2f), length, in none, prefetch: 0);
            double sumReference = row.Sum(x => 2.0 * x);
            double tolerance = 1e-6 * (1 + row.Sum(x => 2.0 * Math.Abs(x)));
            Assert.True(Math.Abs(sum - sumReference) <= tolerance, $"{typeof(V).Name} Sum over {length}: {sum} vs {sumReference}");

            float apart = RowPass.ReduceApart<V, Scaled, RowSum>(new Scaled(ref First(row), 2f), length, in none);
            Assert.True(Math.Abs(apart - sumReference) <= tolerance, $"{typeof(V).Name} Sum over {length}, apart: {apart} vs {sumReference}");

            float product = RowPass.Reduce<V, Scaled, RowProduct>(new Scaled(ref First(nearOne), 1f), length, in none, prefetch: 0);
            double productReference = nearOne.Aggregate(1.0, (p, x) => p * x);
            Assert.True(Math.Abs(product - productReference) <= 1e-6 * (1 + length) * Math.Abs(productReference), $"{typeof(V).Name} Prod over {length}: {product} vs {productReference}");
        }
    }

    [Fact]
    public void MaxAndMinAgreeWithIeeeFoldsOnNaNAndSignedZerosAtEveryWidth() => Each(new MaxAndMin());

    private readonly struct MaxAndMin : IWidthCheck
    {
        public void Check<V>(int length) where V : struct, ISimdFloat<V>
        {
            foreach ((string name, float[] row) in SpecialRows(length))
            {
                KernelOperands none = default;
                float max = RowPass.Reduce<V, Scaled, RowMax>(new Scaled(ref First(row), 1f), length, in none, prefetch: 0);
                float min = RowPass.Reduce<V, Scaled, RowMin>(new Scaled(ref First(row), 1f), length, in none, prefetch: 0);
                Same(row.Aggregate(float.NegativeInfinity, MathF.Max), max, $"{typeof(V).Name} Max of {name}");
                Same(row.Aggregate(float.PositiveInfinity, MathF.Min), min, $"{typeof(V).Name} Min of {name}");
                Same(max, RowPass.ReduceApart<V, Scaled, RowMax>(new Scaled(ref First(row), 1f), length, in none), $"{typeof(V).Name} Max of {name}, apart");
                Same(min, RowPass.ReduceApart<V, Scaled, RowMin>(new Scaled(ref First(row), 1f), length, in none), $"{typeof(V).Name} Min of {name}, apart");
            }
        }
    }

    [Fact]
    public void ReduceAndStoreStoresEveryValueAndWriteWritesOnlyTheRow() => Each(new StoreAndWrite());

    private readonly struct StoreAndWrite : IWidthCheck
    {
        public void Check<V>(int length) where V : struct, ISimdFloat<V>
        {
            var random = new Random(length);
            float[] row = Enumerable.Range(0, length).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
            float[] expected = row.Select(x => 3f * x).ToArray();
            KernelOperands none = default;

            float[] stored = new float[length + 1];
            stored[length] = 42f; // a guard just past the row
            float reduced = RowPass.Reduce<V, Scaled, RowSum>(new Scaled(ref First(row), 3f), length, in none, prefetch: 0);
            float reducedAndStored = RowPass.ReduceAndStore<V, Scaled, RowSum>(new Scaled(ref First(row), 3f), length, in none, prefetch: 0, ref stored[0]);
            Same(reduced, reducedAndStored, $"{typeof(V).Name} ReduceAndStore's sum over {length}");
            Assert.Equal(expected, stored[..length]);
            Assert.Equal(42f, stored[length]);

            float[] storedApart = new float[length + 1];
            storedApart[length] = 42f;
            float reducedApart = RowPass.ReduceAndStoreApart<V, Scaled, RowSum>(new Scaled(ref First(row), 3f), length, in none, ref storedApart[0]);
            Same(RowPass.ReduceApart<V, Scaled, RowSum>(new Scaled(ref First(row), 3f), length, in none), reducedApart, $"{typeof(V).Name} ReduceAndStoreApart's sum over {length}");
            Assert.Equal(expected, storedApart[..length]);
            Assert.Equal(42f, storedApart[length]);

            float[] written = new float[length + 1];
            written[length] = 42f;
            RowPass.Write<V, Scaled>(new Scaled(ref First(row), 3f), length, in none, prefetch: 0, ref written[0]);
            Assert.Equal(expected, written[..length]);
            Assert.Equal(42f, written[length]);
        }
    }

    /// <summary>A pass whose value at <c>i</c> is <c>row[i] + 1</c>: not the same when it reads its own stored values.</summary>
    private readonly ref struct PlusOne : IRowPass
    {
        private readonly ref float _row;

        public PlusOne(ref float row) => _row = ref row;

        public W At<W>(nint i) where W : struct, ISimdFloat<W> => W.Load(ref _row, i) + W.Create(1f);
    }

    /// <summary>
    /// A Max that stores its values over the row it reads (an in-place call: the pass's input is
    /// the destination) and finds a maximum of zero, whose sign the hardware instruction may get
    /// wrong, recomputes it from the values it stored, not from the overwritten row (which would
    /// give 1 here).
    /// </summary>
    [Fact]
    public void AZeroMaximumIsRecomputedFromTheStoredValuesWhenThePassRanInPlace() => Each(new ZeroMaxInPlace());

    private readonly struct ZeroMaxInPlace : IWidthCheck
    {
        public void Check<V>(int length) where V : struct, ISimdFloat<V>
        {
            if (length == 0)
            {
                return;
            }

            KernelOperands none = default;
            float[] Row() => Enumerable.Range(0, length).Select(i => i == length / 2 ? -1f : -2f - i).ToArray(); // values + 1: one 0, the rest negative
            float[] row = Row();
            Same(0f, RowPass.ReduceAndStore<V, PlusOne, RowMax>(new PlusOne(ref First(row)), length, in none, prefetch: 0, ref First(row)), $"{typeof(V).Name} Max over {length} in place");
            Assert.Equal(Row().Select(x => x + 1f), row);
            row = Row();
            Same(0f, RowPass.ReduceAndStoreApart<V, PlusOne, RowMax>(new PlusOne(ref First(row)), length, in none, ref First(row)), $"{typeof(V).Name} Max over {length} in place, apart");
            Assert.Equal(Row().Select(x => x + 1f), row);
        }
    }

    /// <summary>A row kernel that prefetches its input's next row while it sums the row, as generated kernels' second passes do.</summary>
    private readonly struct PrefetchingRowSums : IRowKernel
    {
        public void ExecuteRow<V>(in KernelOperands row, nint length) where V : struct, ISimdFloat<V>
            => row.Destination = RowPass.Reduce<V, Scaled, RowSum>(new Scaled(ref row.Input(0), 1f), length, in row, prefetch: 0b1);
    }

    /// <summary>A pass that reads its row and fetches the next row of operand slot 0 when it runs apart.</summary>
    private readonly ref struct PrefetchingRow : IRowPass
    {
        private readonly ref float _row;

        public PrefetchingRow(ref float row) => _row = ref row;

        public static int PrefetchedSlots => 0b1;

        public W At<W>(nint i) where W : struct, ISimdFloat<W> => W.Load(ref _row, i);
    }

    /// <summary>The same sums with the pass's loop in a method of its own, as costly passes run.</summary>
    private readonly struct PrefetchingRowSumsApart : IRowKernel
    {
        public void ExecuteRow<V>(in KernelOperands row, nint length) where V : struct, ISimdFloat<V>
            => row.Destination = RowPass.ReduceApart<V, PrefetchingRow, RowSum>(new PrefetchingRow(ref row.Input(0)), length, in row);
    }

    /// <summary>A row kernel whose output pass prefetches its input's next row, as two-pass kernels' second passes do.</summary>
    private readonly struct PrefetchingRowCopy : IRowKernel
    {
        public void ExecuteRow<V>(in KernelOperands row, nint length) where V : struct, ISimdFloat<V>
            => RowPass.Write<V, Scaled>(new Scaled(ref row.Input(0), 1f), length, in row, prefetch: 0b1, ref row.Destination);
    }

    [Fact]
    public void PrefetchingTheNextRowLeavesTheResultUnchanged()
    {
        foreach ((int rows, int columns) in new[] { (1, 1), (3, 17), (7, 64), (5, 1031) })
        {
            var random = new Random(rows * columns);
            float[] x = Enumerable.Range(0, rows * columns).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
            float[] sums = new float[rows], sumsApart = new float[rows];
            RowRunner.Run(new PrefetchingRowSums(), [rows], columns, rowsMaySplit: false, sums, 1, input0: x, strides0: [columns, 1]);
            RowRunner.Run(new PrefetchingRowSumsApart(), [rows], columns, rowsMaySplit: false, sumsApart, 1, input0: x, strides0: [columns, 1]);
            for (int r = 0; r < rows; r++)
            {
                double reference = x.Skip(r * columns).Take(columns).Sum(v => (double)v);
                Assert.True(Math.Abs(sums[r] - reference) <= 1e-5 * (1 + columns), $"row {r} of [{rows}, {columns}]: {sums[r]} vs {reference}");
                Assert.True(Math.Abs(sumsApart[r] - reference) <= 1e-5 * (1 + columns), $"row {r} of [{rows}, {columns}], apart: {sumsApart[r]} vs {reference}");
            }

            float[] copy = new float[rows * columns];
            RowRunner.Run(new PrefetchingRowCopy(), [rows], columns, rowsMaySplit: false, copy, columns, input0: x, strides0: [columns, 1]);
            Assert.Equal(x, copy);
        }
    }

    /// <summary>Reduces a row at width <typeparamref name="W"/> through the runner, so that the pass sees the row's real address.</summary>
    private readonly struct ReduceRow<W, C> : IRowKernel where W : struct, ISimdFloat<W> where C : struct, IRowCombiner
    {
        public void ExecuteRow<V>(in KernelOperands row, nint length) where V : struct, ISimdFloat<V>
            => row.Destination = RowPass.Reduce<W, Scaled, C>(new Scaled(ref row.Input(0), 1f), length, in row, prefetch: 0);
    }

    /// <summary>Stores three times the row while summing it, at width <typeparamref name="W"/>.</summary>
    private readonly struct StoreRow<W> : IRowKernel where W : struct, ISimdFloat<W>
    {
        public void ExecuteRow<V>(in KernelOperands row, nint length) where V : struct, ISimdFloat<V>
            => RowPass.ReduceAndStore<W, Scaled, RowSum>(new Scaled(ref row.Input(0), 3f), length, in row, prefetch: 0, ref row.Destination);
    }

    /// <summary>Triples its destination in place (a pass that reads what it writes, as a softmax's last pass does), at width <typeparamref name="W"/>.</summary>
    private readonly struct TripleInPlace<W> : IRowKernel where W : struct, ISimdFloat<W>
    {
        public void ExecuteRow<V>(in KernelOperands row, nint length) where V : struct, ISimdFloat<V>
            => RowPass.Write<W, Scaled>(new Scaled(ref row.Destination, 3f), length, in row, prefetch: 0, ref row.Destination);
    }

    /// <summary>
    /// A row at every offset from a 64-byte boundary, at every width: the same sums (to rounding),
    /// the same Max and Min bit for bit (NaN and signed zeros first among them), every stored value
    /// and no write outside the row. A long row's output pass starts its vector stores at the
    /// boundary, its first elements stored from a masked vector (<c>RowPass.WriteHead</c>), which
    /// must leave the vector's other lanes as they were, also when the pass reads them (in place);
    /// unless the call's destination is small enough to stay in cache, as a single row here is.
    /// </summary>
    [Fact]
    public void RowsStartingAnywhereWithinAVectorGiveTheSameResults()
    {
        AtEveryOffset<Simd512>();
        AtEveryOffset<Simd256>();
        AtEveryOffset<Simd128>();
        AtEveryOffset<SimdScalar>();
    }

    private static void AtEveryOffset<W>() where W : struct, ISimdFloat<W>
    {
        const float Guard = 42f;
        foreach (int length in new[] { 64, 65, 100, 257, 1031 })
        {
            var random = new Random(length);
            float[] row = Enumerable.Range(0, length).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
            double sumReference = row.Sum(x => (double)x);
            double tolerance = 1e-6 * (1 + row.Sum(x => Math.Abs((double)x)));
            // One row stays in cache, and its output pass stores from the row's start; enough rows to
            // pass the runner's in-cache size take the stores that start at a vector boundary.
            int[] rowCounts = [1, 32 * 1024 / (length * sizeof(float)) + 1];
            float[] input = GC.AllocateArray<float>(length + 64, pinned: true);
            float[] output = GC.AllocateArray<float>(length * rowCounts[1] + 64, pinned: true);
            for (int offset = 0; offset < 16; offset++)
            {
                int start = AlignedStart(input) + offset;
                int outputStart = AlignedStart(output) + offset;
                string where = $"{typeof(W).Name}, {length} floats {offset * sizeof(float)} bytes past a 64-byte boundary";

                row.CopyTo(input, start);
                float[] sum = new float[1];
                RowRunner.Run(new ReduceRow<W, RowSum>(), [1], length, rowsMaySplit: false, sum, 1, input0: input.AsSpan(start, length), strides0: [length, 1]);
                Assert.True(Math.Abs(sum[0] - sumReference) <= tolerance, $"Sum, {where}: {sum[0]} vs {sumReference}");

                foreach ((string name, float[] special) in RowReductionSpecialValues.Rows(length))
                {
                    special.CopyTo(input, start);
                    float[] max = new float[1], min = new float[1];
                    RowRunner.Run(new ReduceRow<W, RowMax>(), [1], length, rowsMaySplit: false, max, 1, input0: input.AsSpan(start, length), strides0: [length, 1]);
                    RowRunner.Run(new ReduceRow<W, RowMin>(), [1], length, rowsMaySplit: false, min, 1, input0: input.AsSpan(start, length), strides0: [length, 1]);
                    Same(special.Aggregate(float.NegativeInfinity, MathF.Max), max[0], $"Max of {name}, {where}");
                    Same(special.Aggregate(float.PositiveInfinity, MathF.Min), min[0], $"Min of {name}, {where}");
                }

                row.CopyTo(input, start);
                Array.Fill(output, Guard);
                RowRunner.Run(new StoreRow<W>(), [1], length, rowsMaySplit: false, output.AsSpan(outputStart, length), length, input0: input.AsSpan(start, length), strides0: [length, 1]);
                Assert.Equal(row.Select(x => 3f * x).ToArray(), output[outputStart..(outputStart + length)]);
                Assert.All(output[..outputStart].Concat(output[(outputStart + length)..]), value => Assert.Equal(Guard, value));

                foreach (int rows in rowCounts)
                {
                    Array.Fill(output, Guard);
                    for (int r = 0; r < rows; r++)
                    {
                        row.CopyTo(output, outputStart + r * length);
                    }

                    RowRunner.Run(new TripleInPlace<W>(), [rows], length, rowsMaySplit: false, output.AsSpan(outputStart, rows * length), length);
                    for (int r = 0; r < rows; r++)
                    {
                        int first = outputStart + r * length;
                        Assert.True(row.Select(x => 3f * x).SequenceEqual(output[first..(first + length)]), $"in place, row {r} of {rows}, {where}");
                    }

                    Assert.All(output[..outputStart].Concat(output[(outputStart + rows * length)..]), value => Assert.Equal(Guard, value));
                }
            }
        }
    }

    /// <summary>The index of the first element of a pinned array at a 64-byte boundary.</summary>
    private static int AlignedStart(float[] pinned)
        => (int)((64 - (long)System.Runtime.InteropServices.Marshal.UnsafeAddrOfPinnedArrayElement(pinned, 0) % 64) % 64 / sizeof(float));

    /// <summary>A check run at each vector width in turn.</summary>
    private interface IWidthCheck
    {
        void Check<V>(int length) where V : struct, ISimdFloat<V>;
    }

    private static void Each<T>(T check) where T : struct, IWidthCheck
    {
        foreach (int length in Lengths)
        {
            check.Check<Simd512>(length);
            check.Check<Simd256>(length);
            check.Check<Simd128>(length);
            check.Check<SimdScalar>(length);
        }
    }

    private static ref float First(float[] row) => ref row.Length == 0 ? ref System.Runtime.CompilerServices.Unsafe.NullRef<float>() : ref row[0];

    private static void Same(float expected, float actual, string what)
        => Assert.True(BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(actual) || (float.IsNaN(expected) && float.IsNaN(actual)),
            $"{what}: expected {expected} ({BitConverter.SingleToInt32Bits(expected):X8}), got {actual} ({BitConverter.SingleToInt32Bits(actual):X8})");

    private static IEnumerable<(string Name, float[] Row)> SpecialRows(int length)
    {
        var random = new Random(length);
        yield return ($"random ({length})", Enumerable.Range(0, length).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray());
        if (length > 0)
        {
            foreach ((string Name, float[] Row) row in RowReductionSpecialValues.Rows(length))
            {
                yield return row;
            }
        }
    }
}
