using System;
using System.Linq;
using KernelDsl.Runtime;
using Xunit;

namespace KernelDsl.Tests;

/// <summary>The runtime's strided copy (a transposed or sliced view made dense): results and bad arguments.</summary>
[Collection(KernelOptionsCollection.Name)]
public sealed class StridedCopyTests
{
    [Fact]
    public void CopiesATransposedViewInRowMajorOrder()
    {
        float[] source = [0, 1, 2, 3, 4, 5]; // [2, 3]
        var destination = new float[6];
        StridedCopy.Run(source, [3, 2], [1, 3], destination); // its transpose, [3, 2]
        Assert.Equal([0f, 3, 1, 4, 2, 5], destination);
    }

    /// <summary>
    /// Every permutation of ranks 2 to 4 over sizes around the 16 × 16 tiles (1, 15, 16, 17, 40),
    /// and a slice with a stride-0 (broadcast) dimension, against an index-by-index reference.
    /// </summary>
    [Fact]
    public void PermutationsMatchAnIndexByIndexCopy()
    {
        var random = new Random(5);
        int[] sizes = [1, 2, 15, 16, 17, 40];
        for (int rank = 2; rank <= 4; rank++)
        {
            foreach (int[] permutation in Permutations(rank))
            {
                for (int trial = 0; trial < 4; trial++)
                {
                    nint[] shape = new nint[rank];
                    for (int d = 0; d < rank; d++)
                    {
                        shape[d] = sizes[random.Next(rank == 4 ? 4 : sizes.Length)];
                    }

                    // The source is dense in `shape`; the copy reads it through the permutation.
                    nint[] denseStrides = new nint[rank];
                    denseStrides[rank - 1] = 1;
                    for (int d = rank - 2; d >= 0; d--)
                    {
                        denseStrides[d] = denseStrides[d + 1] * shape[d + 1];
                    }

                    nint[] lengths = new nint[rank], strides = new nint[rank];
                    for (int d = 0; d < rank; d++)
                    {
                        lengths[d] = shape[permutation[d]];
                        strides[d] = denseStrides[permutation[d]];
                    }

                    CheckAgainstReference(lengths, strides, random, $"shape [{string.Join(", ", shape)}], permutation [{string.Join(", ", permutation)}]");
                }
            }
        }

        // A broadcast (stride 0) dimension beside a transpose.
        CheckAgainstReference([3, 17, 20], [0, 1, 17], random, "broadcast transpose");

        // A slice: rows of 5 out of 8, and every other row.
        CheckAgainstReference([3, 5], [8, 1], random, "column slice");
        CheckAgainstReference([4, 2, 7], [28, 14, 1], random, "row slice");
    }

    /// <summary>
    /// Transposes whose buffers start at every float offset within 16 bytes (the copy peels the
    /// rows and columns that would leave its vectors unaligned), large enough for several blocks,
    /// on one thread and split across cores.
    /// </summary>
    [Fact]
    public void TransposesAtEveryAlignmentAndAcrossCores()
    {
        var random = new Random(6);
        long threshold = KernelOptions.ParallelThreshold;
        try
        {
            foreach (long parallelThreshold in new[] { long.MaxValue, 1L })
            {
                KernelOptions.ParallelThreshold = parallelThreshold;
                for (int sourceOffset = 0; sourceOffset < 4; sourceOffset++)
                {
                    for (int destinationOffset = 0; destinationOffset < 4; destinationOffset += 3)
                    {
                        CheckAgainstReference([260, 301], [1, 260], random, $"[301, 260] transposed, offsets {sourceOffset}/{destinationOffset}, threshold {parallelThreshold}", sourceOffset, destinationOffset);
                        CheckAgainstReference([2, 132, 129], [132 * 129, 1, 132], random, $"[2, 129, 132] inner transpose, offsets {sourceOffset}/{destinationOffset}", sourceOffset, destinationOffset);
                    }
                }
            }
        }
        finally
        {
            KernelOptions.ParallelThreshold = threshold;
        }
    }

    private static void CheckAgainstReference(nint[] lengths, nint[] strides, Random random, string what, int sourceOffset = 0, int destinationOffset = 0)
    {
        int rank = lengths.Length;
        nint count = 1, last = 0;
        for (int d = 0; d < rank; d++)
        {
            count *= lengths[d];
            last += (lengths[d] - 1) * strides[d];
        }

        float[] source = new float[last + 1 + sourceOffset];
        for (int i = 0; i < source.Length; i++)
        {
            source[i] = (float)random.NextDouble();
        }

        float[] expected = new float[count], actual = new float[count + destinationOffset];
        nint[] index = new nint[rank];
        for (nint written = 0; written < count; written++)
        {
            nint offset = 0;
            for (int d = 0; d < rank; d++)
            {
                offset += index[d] * strides[d];
            }

            expected[written] = source[sourceOffset + offset];
            for (int d = rank - 1; d >= 0 && ++index[d] == lengths[d]; d--)
            {
                index[d] = 0;
            }
        }

        StridedCopy.Run(source.AsSpan(sourceOffset), lengths, strides, actual.AsSpan(destinationOffset));
        Assert.True(expected.AsSpan().SequenceEqual(actual.AsSpan(destinationOffset)), what);

        // The inverse, where every element of the view has its own location (no broadcast): the
        // dense values land on the view's elements, and nothing else in its memory changes.
        if (!lengths.Where((length, d) => length > 1 && strides[d] == 0).Any())
        {
            float[] scattered = new float[source.Length];
            Array.Fill(scattered, -1f);
            StridedCopy.Scatter(expected, lengths, strides, scattered.AsSpan(sourceOffset));
            float[] reference = Enumerable.Repeat(-1f, source.Length).ToArray();
            Array.Clear(index);
            for (nint read = 0; read < count; read++)
            {
                nint offset = 0;
                for (int d = 0; d < rank; d++)
                {
                    offset += index[d] * strides[d];
                }

                reference[sourceOffset + offset] = expected[read];
                for (int d = rank - 1; d >= 0 && ++index[d] == lengths[d]; d--)
                {
                    index[d] = 0;
                }
            }

            Assert.True(reference.AsSpan().SequenceEqual(scattered), what + ", scattered back");
        }
    }

    private static System.Collections.Generic.IEnumerable<int[]> Permutations(int rank)
    {
        if (rank == 1)
        {
            yield return [0];
            yield break;
        }

        foreach (int[] smaller in Permutations(rank - 1))
        {
            for (int position = 0; position < rank; position++)
            {
                int[] permutation = new int[rank];
                for (int i = 0, j = 0; i < rank; i++)
                {
                    permutation[i] = i == position ? rank - 1 : smaller[j++];
                }

                yield return permutation;
            }
        }
    }

    [Fact]
    public void StridesOutsideTheBuffersAreRejected()
    {
        var e = Assert.Throws<ArgumentException>(() => StridedCopy.Run(new float[5], [3, 2], [1, 3], new float[6]));
        Assert.Contains("addresses element 5 of a source of 5", e.Message);
        Assert.Throws<ArgumentException>(() => StridedCopy.Run(new float[6], [3, 2], [1, 3], new float[5]));
        Assert.Throws<ArgumentException>(() => StridedCopy.Run(new float[6], [3, 2], [1], new float[6]));
        Assert.Throws<ArgumentOutOfRangeException>(() => StridedCopy.Run(new float[6], [3, 2], [-1, 3], new float[6]));
        StridedCopy.Run(ReadOnlySpan<float>.Empty, [0, 2], [1, 3], Span<float>.Empty); // empty: nothing to copy
    }
}
