using System.Collections.Generic;
using System;
using System.Linq;
using System.Numerics.Tensors;

namespace KernelDsl.Tests;

/// <summary>
/// A float64 tensor with the few operations the N-d references need, written plainly (index
/// arithmetic, no SIMD, no shared code with the library) so it is an independent oracle.
/// </summary>
public sealed class RefTensor
{
    public RefTensor(int[] shape, double[] data)
    {
        if (data.Length != shape.Aggregate(1, (a, b) => a * b))
        {
            throw new ArgumentException("data does not fit the shape");
        }

        Shape = shape;
        Data = data;
    }

    public int[] Shape { get; }

    public double[] Data { get; }

    public int Rank => Shape.Length;

    public static RefTensor From(Tensor<float> tensor)
    {
        var values = new float[tensor.FlattenedLength];
        tensor.FlattenTo(values);
        return new RefTensor(tensor.Lengths.ToArray().Select(l => (int)l).ToArray(), values.Select(v => (double)v).ToArray());
    }

    public static RefTensor Scalar(double value) => new([1], [value]);

    public RefTensor Map(Func<double, double> f) => new(Shape, Data.Select(f).ToArray());

    public static RefTensor Zip(RefTensor a, RefTensor b, Func<double, double, double> f)
    {
        int rank = Math.Max(a.Rank, b.Rank);
        int[] shape = new int[rank];
        for (int d = 0; d < rank; d++)
        {
            int x = Dim(a, d, rank), y = Dim(b, d, rank);
            if (x != y && x != 1 && y != 1)
            {
                throw new ArgumentException($"shapes [{string.Join(",", a.Shape)}] and [{string.Join(",", b.Shape)}] do not broadcast");
            }

            shape[d] = x == 1 ? y : x;
        }

        var result = new double[shape.Aggregate(1, (p, q) => p * q)];
        var index = new int[rank];
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = f(a.Data[Offset(a, index)], b.Data[Offset(b, index)]);
            for (int d = rank - 1; d >= 0 && ++index[d] == shape[d]; d--)
            {
                index[d] = 0;
            }
        }

        return new RefTensor(shape, result);
    }

    public static RefTensor operator +(RefTensor a, RefTensor b) => Zip(a, b, (x, y) => x + y);
    public static RefTensor operator -(RefTensor a, RefTensor b) => Zip(a, b, (x, y) => x - y);
    public static RefTensor operator *(RefTensor a, RefTensor b) => Zip(a, b, (x, y) => x * y);
    public static RefTensor operator /(RefTensor a, RefTensor b) => Zip(a, b, (x, y) => x / y);
    public static RefTensor operator *(RefTensor a, double s) => a.Map(x => x * s);
    public static RefTensor operator +(RefTensor a, double s) => a.Map(x => x + s);

    /// <summary>Reduces the last axis with <paramref name="f"/> from <paramref name="identity"/>.</summary>
    public RefTensor ReduceLast(double identity, Func<double, double, double> f, bool keepDims, bool mean = false)
    {
        int n = Shape[^1];
        int rows = Data.Length / Math.Max(n, 1);
        if (n == 0)
        {
            rows = Shape[..^1].Aggregate(1, (p, q) => p * q);
        }

        var result = new double[rows];
        for (int r = 0; r < rows; r++)
        {
            double acc = identity;
            for (int j = 0; j < n; j++)
            {
                acc = f(acc, Data[r * n + j]);
            }

            result[r] = mean ? acc / n : acc;
        }

        int[] shape = keepDims ? [.. Shape[..^1], 1] : Shape.Length == 1 ? [1] : Shape[..^1];
        return new RefTensor(shape, result);
    }

    public RefTensor Sum(bool keepDims = true) => ReduceLast(0, (a, x) => a + x, keepDims);
    public RefTensor Mean(bool keepDims = true) => ReduceLast(0, (a, x) => a + x, keepDims, mean: true);
    public RefTensor Max(bool keepDims = true) => ReduceLast(double.NegativeInfinity, Math.Max, keepDims);
    public RefTensor Min(bool keepDims = true) => ReduceLast(double.PositiveInfinity, Math.Min, keepDims);
    public RefTensor Prod(bool keepDims = true) => ReduceLast(1, (a, x) => a * x, keepDims);

    /// <summary>NumPy matmul for ranks ≥ 2, batch dimensions broadcast.</summary>
    public static RefTensor MatMul(RefTensor a, RefTensor b)
    {
        int m = a.Shape[^2], k = a.Shape[^1], n = b.Shape[^1];
        if (b.Shape[^2] != k)
        {
            throw new ArgumentException("inner dimensions differ");
        }

        int batchRank = Math.Max(a.Rank, b.Rank) - 2;
        int[] batch = new int[batchRank];
        for (int d = 0; d < batchRank; d++)
        {
            int x = d - (batchRank - (a.Rank - 2)) >= 0 ? a.Shape[d - (batchRank - (a.Rank - 2))] : 1;
            int y = d - (batchRank - (b.Rank - 2)) >= 0 ? b.Shape[d - (batchRank - (b.Rank - 2))] : 1;
            batch[d] = x == 1 ? y : x;
        }

        int batches = batch.Aggregate(1, (p, q) => p * q);
        var result = new double[batches * m * n];
        var index = new int[batchRank];
        for (int bi = 0; bi < batches; bi++)
        {
            int aOffset = BatchOffset(a, index, batchRank) * m * k;
            int bOffset = BatchOffset(b, index, batchRank) * k * n;
            for (int i = 0; i < m; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    double sum = 0;
                    for (int p = 0; p < k; p++)
                    {
                        sum += a.Data[aOffset + i * k + p] * b.Data[bOffset + p * n + j];
                    }

                    result[(bi * m + i) * n + j] = sum;
                }
            }

            for (int d = batchRank - 1; d >= 0 && ++index[d] == batch[d]; d--)
            {
                index[d] = 0;
            }
        }

        return new RefTensor([.. batch, m, n], result);
    }

    /// <summary>Dimension d of the result is dimension permutation[d] of this tensor.</summary>
    public RefTensor Transpose(params int[] permutation)
    {
        if (permutation.Length == 0)
        {
            permutation = Enumerable.Range(0, Rank).ToArray();
            (permutation[^1], permutation[^2]) = (permutation[^2], permutation[^1]);
        }

        int[] shape = permutation.Select(p => Shape[p]).ToArray();
        int[] strides = Strides(Shape);
        var result = new double[Data.Length];
        var index = new int[Rank];
        for (int i = 0; i < result.Length; i++)
        {
            int offset = 0;
            for (int d = 0; d < Rank; d++)
            {
                offset += index[d] * strides[permutation[d]];
            }

            result[i] = Data[offset];
            for (int d = Rank - 1; d >= 0 && ++index[d] == shape[d]; d--)
            {
                index[d] = 0;
            }
        }

        return new RefTensor(shape, result);
    }

    /// <summary>The tensors joined along <paramref name="axis"/>, element by element.</summary>
    public static RefTensor Concat(int axis, params RefTensor[] tensors)
    {
        int[] shape = (int[])tensors[0].Shape.Clone();
        shape[axis] = tensors.Sum(t => t.Shape[axis]);
        int outer = shape[..axis].Aggregate(1, (p, q) => p * q);
        int inner = shape[(axis + 1)..].Aggregate(1, (p, q) => p * q);
        var result = new List<double>();
        for (int o = 0; o < outer; o++)
        {
            foreach (RefTensor t in tensors)
            {
                for (int i = 0; i < t.Shape[axis] * inner; i++)
                {
                    result.Add(t.Data[o * t.Shape[axis] * inner + i]);
                }
            }
        }

        return new RefTensor(shape, result.ToArray());
    }

    /// <summary>The same elements with a new shape.</summary>
    public RefTensor Reshape(params int[] shape) => new(shape, Data);

    /// <summary>Elements [start, start + length) along <paramref name="axis"/>.</summary>
    public RefTensor Slice(int axis, int start, int length)
    {
        int[] shape = (int[])Shape.Clone();
        shape[axis] = length;
        int outer = Shape[..axis].Aggregate(1, (p, q) => p * q);
        int inner = Shape[(axis + 1)..].Aggregate(1, (p, q) => p * q);
        var result = new List<double>();
        for (int o = 0; o < outer; o++)
        {
            for (int i = start; i < start + length; i++)
            {
                for (int j = 0; j < inner; j++)
                {
                    result.Add(Data[(o * Shape[axis] + i) * inner + j]);
                }
            }
        }

        return new RefTensor(shape, result.ToArray());
    }

    private static int BatchOffset(RefTensor t, int[] index, int batchRank)
    {
        int offset = 0;
        int own = t.Rank - 2;
        for (int d = 0; d < own; d++)
        {
            int i = index[d + batchRank - own];
            offset = offset * t.Shape[d] + (t.Shape[d] == 1 ? 0 : i);
        }

        return offset;
    }

    private static int[] Strides(int[] shape)
    {
        var strides = new int[shape.Length];
        int stride = 1;
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            strides[d] = stride;
            stride *= shape[d];
        }

        return strides;
    }

    private static int Dim(RefTensor t, int d, int rank) => d - (rank - t.Rank) >= 0 ? t.Shape[d - (rank - t.Rank)] : 1;

    private static int Offset(RefTensor t, int[] index)
    {
        int offset = 0;
        int shift = index.Length - t.Rank;
        for (int d = 0; d < t.Rank; d++)
        {
            offset = offset * t.Shape[d] + (t.Shape[d] == 1 ? 0 : index[d + shift]);
        }

        return offset;
    }
}
