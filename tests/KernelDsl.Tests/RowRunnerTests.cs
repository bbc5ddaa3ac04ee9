using System;
using System.Linq;
using FsCheck;
using FsCheck.Fluent;
using KernelDsl.Runtime;
using Xunit;

namespace KernelDsl.Tests;

/// <summary>
/// NumPy broadcasting in the runtime's row runner, property-based: random ranks and lengths
/// (including 0 and 1), each input missing leading dimensions or stretched along random axes
/// (stride 0), against <see cref="RefTensor"/>'s broadcasting.
/// </summary>
[Collection(KernelOptionsCollection.Name)]
public sealed class RowRunnerTests
{
    /// <summary>dest = in0 + 2·in1, where an input broadcast along the row is read once per row.</summary>
    private readonly struct AddTwice(bool firstPerRow, bool secondPerRow) : IRowKernel
    {
        public void ExecuteRow<V>(in KernelOperands row, nint length) where V : struct, ISimdFloat<V>
        {
            for (nint i = 0; i < length; i++)
            {
                float a = firstPerRow ? row.Input(0) : System.Runtime.CompilerServices.Unsafe.Add(ref row.Input(0), i);
                float b = secondPerRow ? row.Input(1) : System.Runtime.CompilerServices.Unsafe.Add(ref row.Input(1), i);
                System.Runtime.CompilerServices.Unsafe.Add(ref row.Destination, i) = a + 2 * b;
            }
        }
    }

    /// <param name="PermutedDestination">The destination is a view: its outer axes in reverse order in memory, each row followed by two elements it must leave alone.</param>
    public sealed record Case(int[] Shape, int[] FirstShape, int[] SecondShape, bool Parallel, bool PermutedDestination = false)
    {
        public override string ToString() => $"[{string.Join(",", Shape)}] = [{string.Join(",", FirstShape)}] + 2·[{string.Join(",", SecondShape)}] parallel={Parallel} permutedDestination={PermutedDestination}";
    }

    /// <summary>An input's shape: the result's, with leading dimensions dropped and others set to 1.</summary>
    private static Gen<int[]> InputShape(int[] shape)
        => from drop in Gen.Choose(0, shape.Length - 1)
           from mask in Gen.ArrayOf(Gen.Elements(false, false, true), shape.Length)
           select shape.Skip(drop).Select((d, i) => mask[i + drop] ? 1 : d).ToArray();

    private static readonly Gen<Case> Cases =
        from rank in Gen.Choose(1, 4)
        from outer in Gen.ArrayOf(Gen.OneOf(Gen.Choose(0, 3), Gen.Choose(1, 5)), rank - 1)
        from last in Gen.OneOf(Gen.Choose(0, 2), Gen.Choose(3, 40))
        let shape = outer.Append(last).ToArray()
        from first in InputShape(shape)
        from second in InputShape(shape)
        from parallel in Gen.Elements(false, true)
        from permuted in Gen.Elements(false, true)
        select new Case(shape, first, second, parallel, permuted);

    [Fact]
    public void BroadcastingMatchesTheReference()
    {
        Prop.ForAll(Cases.ToArbitrary(), c => Check(c)).Check(Config.QuickThrowOnFailure.WithMaxTest(300));
    }

    private static bool Check(Case c)
    {
        var random = new Random(c.ToString().Length * 7919 + c.Shape.Sum());
        double[] Values(int[] shape) => Enumerable.Range(0, shape.Aggregate(1, (p, q) => p * q)).Select(_ => Math.Round(random.NextDouble() * 8 - 4)).ToArray();
        var first = new RefTensor(c.FirstShape, Values(c.FirstShape));
        var second = new RefTensor(c.SecondShape, Values(c.SecondShape));
        // Broadcast to the iteration space itself, which may be larger than both inputs (where
        // both are 1 along an axis, the runner stretches them like BroadcastTo).
        var space = new RefTensor(c.Shape, new double[c.Shape.Aggregate(1, (p, q) => p * q)]);
        RefTensor expected = RefTensor.Zip(RefTensor.Zip(first, second, (a, b) => a + 2 * b), space, (a, _) => a);

        int rank = c.Shape.Length;
        nint[] Strides(int[] shape)
        {
            var strides = new nint[rank];
            nint stride = 1;
            for (int d = shape.Length - 1; d >= 0; d--)
            {
                int axis = d + rank - shape.Length;
                strides[axis] = shape[d] == 1 && c.Shape[axis] != 1 ? 0 : stride;
                stride *= shape[d];
            }

            return strides;
        }

        nint[] firstStrides = Strides(c.FirstShape), secondStrides = Strides(c.SecondShape);
        bool firstPerRow = firstStrides[^1] == 0, secondPerRow = secondStrides[^1] == 0;
        // Where each element of the result lives: dense, or (a permuted destination) with the
        // outer axes reversed in memory and rows two elements further apart than their length.
        int last = c.Shape[^1];
        nint[] destinationStrides = new nint[rank];
        destinationStrides[rank - 1] = 1;
        nint pitch = c.PermutedDestination ? last + 2 : last, size = pitch;
        for (int d = 0; d < rank - 1; d++)
        {
            int axis = c.PermutedDestination ? d : rank - 2 - d;
            destinationStrides[axis] = size;
            size *= c.Shape[axis];
        }

        float[] destination = Enumerable.Repeat(Sentinel, (int)size).ToArray();
        KernelOptionsScope.WithParallelThreshold(c.Parallel ? 1 : KernelOptions.DefaultParallelThreshold, () =>
            RowRunner.Run(new AddTwice(firstPerRow, secondPerRow), c.Shape[..^1].Select(d => (nint)d).ToArray(), last, rowsMaySplit: true,
                destination, last,
                input0: first.Data.Select(v => (float)v).ToArray(), strides0: firstStrides,
                input1: second.Data.Select(v => (float)v).ToArray(), strides1: secondStrides,
                destinationStrides: c.PermutedDestination ? destinationStrides : default));

        nint[] outputLengths = c.Shape.Select(d => (nint)d).ToArray();
        var written = new bool[destination.Length];
        for (int i = 0; i < expected.Data.Length; i++)
        {
            nint offset = TensorTestExtensions.StridedOffset(i, outputLengths, destinationStrides);
            written[offset] = true;
            if (destination[offset] != expected.Data[i])
            {
                throw new Exception($"{c}: element {i} (at {offset}) is {destination[offset]}, expected {expected.Data[i]}");
            }
        }

        for (int i = 0; i < destination.Length; i++)
        {
            if (!written[i] && destination[i] != Sentinel)
            {
                throw new Exception($"{c}: element {i} of the destination's memory, between its rows, was overwritten with {destination[i]}");
            }
        }

        return true;
    }

    private const float Sentinel = -12345.5f;

    [Fact]
    public void StridesOutsideTheBufferAndBadRowStridesAreRejected()
    {
        var e = Assert.Throws<ArgumentException>(() => RowRunner.Run(new AddTwice(false, false), [3], 4, true, new float[12], 4,
            input0: new float[11], strides0: [4, 1], input1: new float[12], strides1: [4, 1]));
        Assert.Contains("holds 11 elements but its shape and strides address element 11", e.Message);
        e = Assert.Throws<ArgumentException>(() => RowRunner.Run(new AddTwice(false, false), [3], 4, true, new float[12], 4,
            input0: new float[24], strides0: [8, 2], input1: new float[12], strides1: [4, 1]));
        Assert.Contains("stride 2 along its last dimension", e.Message);
        e = Assert.Throws<ArgumentException>(() => RowRunner.Run(new AddTwice(false, false), [3], 4, true, new float[11], 4,
            input0: new float[12], strides0: [4, 1], input1: new float[12], strides1: [4, 1]));
        Assert.Contains("destination holds 11", e.Message);

        // A strided destination: one stride per outer dimension then 1, none negative, within the buffer.
        e = Assert.Throws<ArgumentException>(() => RowRunner.Run(new AddTwice(false, false), [3], 4, true, new float[12], 4,
            input0: new float[12], strides0: [4, 1], input1: new float[12], strides1: [4, 1], destinationStrides: [4]));
        Assert.Contains("destinationStrides has 1 strides for an iteration space of rank 2", e.Message);
        e = Assert.Throws<ArgumentException>(() => RowRunner.Run(new AddTwice(false, false), [3], 4, true, new float[24], 4,
            input0: new float[12], strides0: [4, 1], input1: new float[12], strides1: [4, 1], destinationStrides: [1, 3]));
        Assert.Contains("stride 3 along its rows", e.Message);
        e = Assert.Throws<ArgumentException>(() => RowRunner.Run(new AddTwice(false, false), [3], 4, true, new float[24], 4,
            input0: new float[12], strides0: [4, 1], input1: new float[12], strides1: [4, 1], destinationStrides: [-4, 1]));
        Assert.Contains("negative stride -4 in dimension 0", e.Message);
        e = Assert.Throws<ArgumentException>(() => RowRunner.Run(new AddTwice(false, false), [3], 4, true, new float[15], 4,
            input0: new float[12], strides0: [4, 1], input1: new float[12], strides1: [4, 1], destinationStrides: [6, 1]));
        Assert.Contains("destination holds 15 elements; the kernel writes 16", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => RowRunner.Run(new AddTwice(false, false), [3], 4, true, new float[12], -4,
            input0: new float[12], strides0: [4, 1], input1: new float[12], strides1: [4, 1]));
    }
}
