using System;
using System.Numerics.Tensors;
using KernelDsl.Runtime;

namespace KernelDsl;

public static partial class Ops
{
    /// <summary>
    /// The matrix product with NumPy semantics: both operands have rank at least 2; the last two
    /// dimensions multiply ([..., M, K] · [..., K, N] → [..., M, N]) and the leading (batch)
    /// dimensions broadcast.
    /// </summary>
    /// <exception cref="ArgumentException">A rank is below 2, the inner dimensions differ, or the batch dimensions do not broadcast.</exception>
    public static Tensor<float> MatMul(Tensor<float> a, Tensor<float> b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Rank < 2 || b.Rank < 2)
        {
            throw new ArgumentException($"MatMul needs operands of rank 2 or more; a has shape {KernelArguments.FormatShape(a.Lengths)} and b {KernelArguments.FormatShape(b.Lengths)}.");
        }

        // Tensors built over strided memory are rare; a dense copy keeps the stride bookkeeping below simple.
        a = a.IsDense ? a : a.ToDenseTensor();
        b = b.IsDense ? b : b.ToDenseTensor();
        nint m = a.Lengths[^2], k = a.Lengths[^1], n = b.Lengths[^1];
        if (b.Lengths[^2] != k)
        {
            throw new ArgumentException($"MatMul: K is {k} in a (shape {KernelArguments.FormatShape(a.Lengths)}) but {b.Lengths[^2]} in b (shape {KernelArguments.FormatShape(b.Lengths)}).", nameof(b));
        }

        nint[] batch = Broadcasting.Shape(a.Lengths[..^2], b.Lengths[..^2], nameof(b));
        nint[] shape = [.. batch, m, n];
        Tensor<float> result = Tensor.CreateFromShapeUninitialized<float>(shape);
        Span<nint> aStrides = stackalloc nint[batch.Length + 2];
        Span<nint> bStrides = stackalloc nint[batch.Length + 2];
        BatchStrides(a, batch.Length, aStrides);
        BatchStrides(b, batch.Length, bStrides);
        Gemm.Multiply(batch, m, n, k,
            KernelArguments.AsSpan(a.AsReadOnlyTensorSpan(), nameof(a)), aStrides,
            KernelArguments.AsSpan(b.AsReadOnlyTensorSpan(), nameof(b)), bStrides,
            KernelArguments.AsSpan(result.AsTensorSpan(), "result"));
        return result;
    }

    /// <summary>
    /// Elements [<paramref name="start"/>, <paramref name="start"/> + <paramref name="length"/>) along
    /// <paramref name="axis"/> (negative counts from the end): a narrowing. Fused kernels read it as a
    /// view of the source, without a copy.
    /// </summary>
    public static Tensor<float> Slice(Tensor<float> x, int axis, int start, int length)
    {
        Checked(x);
        int normalized = axis < 0 ? axis + x.Rank : axis;
        if (normalized < 0 || normalized >= x.Rank)
        {
            throw new ArgumentOutOfRangeException(nameof(axis), axis, $"Axis {axis} is out of range for a tensor of rank {x.Rank}.");
        }

        if (start < 0 || length < 0 || (long)start + length > x.Lengths[normalized])
        {
            throw new ArgumentOutOfRangeException(nameof(length), $"Elements {start} to {(long)start + length} do not lie within dimension {normalized} of x, which has {x.Lengths[normalized]}.");
        }

        var ranges = new System.Buffers.NRange[x.Rank];
        for (int d = 0; d < ranges.Length; d++)
        {
            ranges[d] = d == normalized ? new System.Buffers.NRange(start, start + length) : System.Buffers.NRange.All;
        }

        return x.Slice(ranges).ToDenseTensor();
    }

    /// <summary>
    /// <paramref name="x"/> and <paramref name="y"/> joined along <paramref name="axis"/> (negative
    /// counts from the end), as ONNX Concat and NumPy's concatenate: the same rank, the same
    /// dimensions but along the axis, where the result's size is the sum. Fused kernels write each
    /// operand into its place in the result.
    /// </summary>
    /// <exception cref="ArgumentException">The ranks differ, or a dimension other than the axis differs (the message names it and both tensors).</exception>
    /// <exception cref="ArgumentOutOfRangeException">The axis is out of range for the tensors' rank.</exception>
    public static Tensor<float> Concat(Tensor<float> x, Tensor<float> y, int axis = -1) => Concatenate(axis, [x, y], ["x", "y"]);

    /// <summary>Three tensors joined along <paramref name="axis"/>; see <see cref="Concat(Tensor{float}, Tensor{float}, int)"/>.</summary>
    public static Tensor<float> Concat(Tensor<float> x, Tensor<float> y, Tensor<float> z, int axis = -1) => Concatenate(axis, [x, y, z], ["x", "y", "z"]);

    /// <summary>Four tensors joined along <paramref name="axis"/>; see <see cref="Concat(Tensor{float}, Tensor{float}, int)"/>.</summary>
    public static Tensor<float> Concat(Tensor<float> w, Tensor<float> x, Tensor<float> y, Tensor<float> z, int axis = -1) => Concatenate(axis, [w, x, y, z], ["w", "x", "y", "z"]);

    private static Tensor<float> Concatenate(int axis, Tensor<float>[] tensors, string[] names)
    {
        for (int k = 0; k < tensors.Length; k++)
        {
            Checked(tensors[k], names[k]);
            if (tensors[k].Rank != tensors[0].Rank)
            {
                throw new ArgumentException($"Concat: {names[k]} has rank {tensors[k].Rank} (shape {KernelArguments.FormatShape(tensors[k].Lengths)}) but {names[0]} rank {tensors[0].Rank} (shape {KernelArguments.FormatShape(tensors[0].Lengths)}).", names[k]);
            }
        }

        int rank = tensors[0].Rank;
        int along = axis < 0 ? axis + rank : axis;
        if (along < 0 || along >= rank)
        {
            throw new ArgumentOutOfRangeException(nameof(axis), axis, $"Axis {axis} is out of range for tensors of rank {rank}.");
        }

        for (int k = 1; k < tensors.Length; k++)
        {
            for (int d = 0; d < rank; d++)
            {
                if (d != along && tensors[k].Lengths[d] != tensors[0].Lengths[d])
                {
                    throw new ArgumentException($"Concat along axis {axis}: dimension {d} is {tensors[0].Lengths[d]} in {names[0]} (shape {KernelArguments.FormatShape(tensors[0].Lengths)}) but {tensors[k].Lengths[d]} in {names[k]} (shape {KernelArguments.FormatShape(tensors[k].Lengths)}).", names[k]);
                }
            }
        }

        // The shapes are checked above, so the library's errors (which name no parameter) cannot arise.
        return Tensor.ConcatenateOnDimension<float>(along, tensors);
    }

    /// <summary>
    /// Part <paramref name="index"/> of <paramref name="x"/> cut into <paramref name="chunks"/> equal
    /// parts along <paramref name="axis"/> (negative counts from the end), as PyTorch's chunk and ONNX
    /// Split into equal parts: the gate and the value of a gated unit, the two halves a rotary
    /// embedding rotates, one of fused query/key/value projections. The size along the axis must be a
    /// multiple of <paramref name="chunks"/>; in a kernel, a symbolic size must say so (<c>2*D</c>).
    /// Fused kernels read it as a view of x.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The axis, the number of chunks or the index is out of range.</exception>
    /// <exception cref="ArgumentException">The size along the axis is not a multiple of the number of chunks.</exception>
    public static Tensor<float> Chunk(Tensor<float> x, int chunks, int index, int axis = -1)
    {
        Checked(x);
        int along = axis < 0 ? axis + x.Rank : axis;
        if (along < 0 || along >= x.Rank)
        {
            throw new ArgumentOutOfRangeException(nameof(axis), axis, $"Axis {axis} is out of range for a tensor of rank {x.Rank}.");
        }

        if (chunks < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(chunks), chunks, "Chunk needs at least one chunk.");
        }

        if (index < 0 || index >= chunks)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, $"Chunks are numbered 0 to {chunks - 1}.");
        }

        nint size = x.Lengths[along];
        if (size % chunks != 0)
        {
            throw new ArgumentException($"Chunk: dimension {along} of x has {size} elements, which {chunks} equal chunks do not divide.", nameof(chunks));
        }

        int part = checked((int)(size / chunks));
        return Slice(x, along, index * part, part);
    }

    /// <summary>
    /// The same elements, in the same row-major order, with new lengths (ONNX Reshape): a length of
    /// 0 copies x's length at that position, and one length may be -1, inferred from the others.
    /// Fused kernels read it as a view of x's memory (x must then be dense).
    /// </summary>
    public static Tensor<float> Reshape(Tensor<float> x, params int[] lengths)
    {
        Checked(x);
        ArgumentNullException.ThrowIfNull(lengths);
        var shape = new nint[lengths.Length];
        int inferred = -1;
        for (int i = 0; i < lengths.Length; i++)
        {
            if (lengths[i] == -1 && inferred < 0)
            {
                inferred = i;
                continue;
            }

            if (lengths[i] < 0 || lengths[i] == 0 && i >= x.Rank)
            {
                throw new ArgumentException($"Reshape length {lengths[i]} at position {i} is neither a size, 0 (copy x's length there) nor a single -1.", nameof(lengths));
            }

            shape[i] = lengths[i] == 0 ? x.Lengths[i] : lengths[i];
        }

        if (inferred >= 0)
        {
            // The inferred length covers x's dimensions that no 0 copies, divided by the explicit
            // sizes: the same rule the compiler applies to symbolic shapes, and defined even when a
            // copied dimension is empty.
            nint uncopied = 1, explicitSizes = 1;
            for (int d = 0; d < x.Rank; d++)
            {
                bool copied = d < lengths.Length && lengths[d] == 0;
                uncopied *= copied ? 1 : x.Lengths[d];
            }

            for (int i = 0; i < lengths.Length; i++)
            {
                explicitSizes *= lengths[i] > 0 ? lengths[i] : 1;
            }

            if (explicitSizes == 0 || uncopied % explicitSizes != 0)
            {
                throw new ArgumentException($"Cannot reshape x of shape {KernelArguments.FormatShape(x.Lengths)} to ({string.Join(", ", lengths)}): the other lengths do not divide its {x.FlattenedLength} elements.", nameof(lengths));
            }

            shape[inferred] = uncopied / explicitSizes;
        }

        nint count = 1;
        foreach (nint length in shape)
        {
            count *= length;
        }

        if (count != x.FlattenedLength)
        {
            throw new ArgumentException($"Cannot reshape x of shape {KernelArguments.FormatShape(x.Lengths)} ({x.FlattenedLength} elements) to {KernelArguments.FormatShape(shape)} ({count}).", nameof(lengths));
        }

        var values = new float[x.FlattenedLength];
        x.FlattenTo(values);
        return Tensor.Create(values, shape);
    }

    /// <summary>Swaps the last two dimensions: the matrix transpose, batched.</summary>
    public static Tensor<float> Transpose(Tensor<float> x)
    {
        Checked(x);
        if (x.Rank < 2)
        {
            throw new ArgumentException($"Transpose(x) swaps the last two dimensions and needs rank 2 or more; x has shape {KernelArguments.FormatShape(x.Lengths)}.", nameof(x));
        }

        int[] permutation = new int[x.Rank];
        for (int d = 0; d < permutation.Length; d++)
        {
            permutation[d] = d;
        }

        (permutation[^1], permutation[^2]) = (permutation[^2], permutation[^1]);
        return Transpose(x, permutation);
    }

    /// <summary>Reorders the dimensions: dimension d of the result is dimension <paramref name="permutation"/>[d] of x.</summary>
    public static Tensor<float> Transpose(Tensor<float> x, params int[] permutation)
    {
        Checked(x);
        ArgumentNullException.ThrowIfNull(permutation);
        if (permutation.Length != x.Rank || !IsPermutation(permutation))
        {
            throw new ArgumentException($"[{string.Join(", ", permutation)}] is not a permutation of the {x.Rank} dimensions of x.", nameof(permutation));
        }

        return Tensor.PermuteDimensions(x, permutation).ToDenseTensor();
    }

    private static bool IsPermutation(int[] permutation)
    {
        var seen = new bool[permutation.Length];
        foreach (int p in permutation)
        {
            if (p < 0 || p >= permutation.Length || seen[p])
            {
                return false;
            }

            seen[p] = true;
        }

        return true;
    }

    /// <summary>The strides of a dense tensor for <see cref="Gemm"/>: batch dimensions aligned to the broadcast batch (0 where broadcast), then row and column.</summary>
    private static void BatchStrides(Tensor<float> tensor, int batchRank, Span<nint> strides)
    {
        ReadOnlySpan<nint> lengths = tensor.Lengths;
        nint stride = 1;
        for (int d = lengths.Length - 1; d >= 0; d--)
        {
            int target = d - lengths.Length + batchRank + 2;
            if (target >= 0)
            {
                strides[target] = lengths[d] == 1 && d < lengths.Length - 2 ? 0 : stride;
            }

            stride *= lengths[d];
        }

        for (int d = 0; d < batchRank + 2 - lengths.Length; d++)
        {
            strides[d] = 0;
        }
    }
}
