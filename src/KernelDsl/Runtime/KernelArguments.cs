using System;
using System.ComponentModel;
using System.Diagnostics.CodeAnalysis;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace KernelDsl.Runtime;

/// <summary>
/// Argument checks shared by the generated kernel entry points. Each failure is an
/// <see cref="ArgumentException"/> whose <see cref="ArgumentException.ParamName"/> is the offending
/// parameter and whose message names both sizes.
/// </summary>
/// <remarks>
/// An entry point runs a dozen of these on every call, and a small call (one row, a token at batch
/// 1) is mostly these checks. So each check is a test the JIT inlines into the entry point, and its
/// message is built in a <c>Throw...</c> method of its own that is never inlined: a method that
/// formats a message is too large to inline, and each call cost a few nanoseconds where the check
/// itself costs one comparison.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public static class KernelArguments
{
    /// <summary>Throws unless the input has as many elements as the destination.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void RequireSameLength(int inputLength, string inputName, int destinationLength, string destinationName)
    {
        if (inputLength != destinationLength)
        {
            ThrowLengthMismatch(inputLength, inputName, destinationLength, destinationName);
        }
    }

    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowLengthMismatch(int inputLength, string inputName, int destinationLength, string destinationName)
        => throw new ArgumentException(
            $"'{inputName}' has {inputLength} elements but '{destinationName}' has {destinationLength}; an elementwise kernel needs every tensor argument to have the destination's length.",
            inputName);

    /// <summary>
    /// Throws if <paramref name="input"/> and <paramref name="destination"/> share memory without
    /// being exactly the same memory. In-place use (the same span for both) is allowed.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void RequireNoPartialOverlap(ReadOnlySpan<float> input, string inputName, ReadOnlySpan<float> destination, string destinationName)
    {
        if (input.Overlaps(destination, out int offset) && (offset != 0 || input.Length != destination.Length))
        {
            ThrowPartialOverlap(inputName, destinationName, offset);
        }
    }

    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowPartialOverlap(string inputName, string destinationName, int offset)
        => throw new ArgumentException(
            $"'{destinationName}' partially overlaps '{inputName}' (they start {offset} elements apart); pass the same memory to compute in place, or memory that does not overlap.",
            destinationName);

    /// <summary>Throws unless the input has the shape of the destination.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void RequireSameShape(scoped ReadOnlySpan<nint> inputLengths, string inputName, scoped ReadOnlySpan<nint> destinationLengths, string destinationName)
    {
        if (!inputLengths.SequenceEqual(destinationLengths))
        {
            ThrowShapeMismatch(inputLengths, inputName, destinationLengths, destinationName);
        }
    }

    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowShapeMismatch(scoped ReadOnlySpan<nint> inputLengths, string inputName, scoped ReadOnlySpan<nint> destinationLengths, string destinationName)
        => throw new ArgumentException(
            $"'{inputName}' has shape {FormatShape(inputLengths)} but '{destinationName}' has shape {FormatShape(destinationLengths)}; an elementwise kernel needs every tensor argument to have the destination's shape.",
            inputName);

    /// <summary>The elements of a dense tensor span as a span; throws for strided views and for more than <see cref="int.MaxValue"/> elements.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ReadOnlySpan<float> AsSpan(in ReadOnlyTensorSpan<float> tensor, string name)
    {
        nint length = tensor.FlattenedLength;
        if (length == 0)
        {
            return default;
        }

        if (!tensor.IsDense || length > int.MaxValue)
        {
            ThrowNotDenseMemory(tensor.IsDense, length, tensor.Strides, name);
        }

        return MemoryMarshal.CreateReadOnlySpan(in tensor.GetPinnableReference(), (int)length);
    }

    /// <summary>The elements of a dense tensor span as a span; throws for strided views and for more than <see cref="int.MaxValue"/> elements.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Span<float> AsSpan(in TensorSpan<float> tensor, string name)
    {
        nint length = tensor.FlattenedLength;
        if (length == 0)
        {
            return default;
        }

        if (!tensor.IsDense || length > int.MaxValue)
        {
            ThrowNotDenseMemory(tensor.IsDense, length, tensor.Strides, name);
        }

        return MemoryMarshal.CreateSpan(ref tensor.GetPinnableReference(), (int)length);
    }

    /// <summary>Throws unless the tensor has the declared rank.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void RequireRank(scoped ReadOnlySpan<nint> lengths, int rank, string name, string declared)
    {
        if (lengths.Length != rank)
        {
            ThrowRank(lengths, rank, name, declared);
        }
    }

    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowRank(scoped ReadOnlySpan<nint> lengths, int rank, string name, string declared)
        => throw new ArgumentException($"'{name}' has shape {FormatShape(lengths)} but is declared {declared}: rank {lengths.Length}, expected {rank}.", name);

    /// <summary>Throws unless dimension <paramref name="axis"/> has the declared literal size.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void RequireLength(scoped ReadOnlySpan<nint> lengths, int axis, nint expected, string name, string declared)
    {
        if (lengths[axis] != expected)
        {
            ThrowLength(lengths, axis, expected, name, declared);
        }
    }

    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowLength(scoped ReadOnlySpan<nint> lengths, int axis, nint expected, string name, string declared)
        => throw new ArgumentException($"'{name}' has shape {FormatShape(lengths)} but is declared {declared}: dimension {axis} is {lengths[axis]}, expected {expected}.", name);

    /// <summary>Throws unless a second use of dimension symbol <paramref name="symbol"/> agrees with the size bound from its first use.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void RequireSymbol(string symbol, nint bound, string boundFrom, nint actual, string name)
    {
        if (actual != bound)
        {
            ThrowSymbol(symbol, bound, boundFrom, actual, name);
        }
    }

    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowSymbol(string symbol, nint bound, string boundFrom, nint actual, string name)
        => throw new ArgumentException($"{symbol} is {bound} in {boundFrom} but {actual} in {name}.", name);

    /// <summary>
    /// The size of the symbol a dimension declared as a multiple of it (<c>[Shape("2*H")]</c>) binds:
    /// <paramref name="actual"/> divided by <paramref name="coefficient"/>; throws, naming the
    /// parameter, unless it divides.
    /// </summary>
    public static nint BindMultiple(string multiple, long coefficient, nint actual, string name)
        => actual % coefficient == 0
            ? actual / (nint)coefficient
            : throw new ArgumentException($"{multiple} has {actual} in {name}, which is not a multiple of {coefficient}.", name);

    /// <summary>
    /// Throws unless a dimension declared as a product (<c>[Shape("H*D")]</c>) or a sum
    /// (<c>[Shape("T+1")]</c>) has the size its symbols' sizes give; <paramref name="boundFrom"/> says
    /// where each symbol was bound (<c>H in x, D in x</c>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void RequireProduct(string product, nint expected, string boundFrom, nint actual, string name)
    {
        if (actual != expected)
        {
            ThrowProduct(product, expected, boundFrom, actual, name);
        }
    }

    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowProduct(string product, nint expected, string boundFrom, nint actual, string name)
        => throw new ArgumentException($"{product} is {expected} ({boundFrom}) but {actual} in {name}.", name);

    /// <summary>Throws unless the destination has the shape the kernel computes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void RequireShape(scoped ReadOnlySpan<nint> lengths, scoped ReadOnlySpan<nint> expected, string name, string declared)
    {
        if (!lengths.SequenceEqual(expected))
        {
            ThrowResultShape(lengths, expected, name, declared);
        }
    }

    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowResultShape(scoped ReadOnlySpan<nint> lengths, scoped ReadOnlySpan<nint> expected, string name, string declared)
        => throw new ArgumentException($"'{name}' has shape {FormatShape(lengths)}, but the kernel's result has shape {declared} = {FormatShape(expected)}.", name);

    /// <summary>
    /// Whether a fused kernel can read the tensor in place: its dimension <paramref name="rowAxis"/>
    /// (none when -1) is contiguous (stride 1, or at most one element), and when
    /// <paramref name="dense"/> the whole tensor is dense (a reshape regroups elements in memory
    /// order). An empty tensor reads nothing, so it qualifies.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsReadableInPlace(in ReadOnlyTensorSpan<float> tensor, int rowAxis, bool dense)
        // Dense is row-major: its last axis has stride 1 (a transposed read's row axis may not).
        => tensor.IsDense && (dense || rowAxis < 0 || rowAxis == tensor.Rank - 1) || IsStridedReadableInPlace(tensor, rowAxis, dense);

    private static bool IsStridedReadableInPlace(in ReadOnlyTensorSpan<float> tensor, int rowAxis, bool dense)
    {
        if (tensor.IsEmpty)
        {
            return true;
        }

        return !dense && (rowAxis < 0 || tensor.Lengths[rowAxis] <= 1 || tensor.Strides[rowAxis] == 1);
    }

    /// <summary>
    /// A copy of a tensor a kernel cannot read in place (<see cref="IsReadableInPlace"/>), in an
    /// array from <paramref name="copies"/>: dense (row-major, the same shape) when
    /// <paramref name="dense"/>; otherwise dense except that a dimension the view broadcasts
    /// (stride 0) other than <paramref name="rowAxis"/> stays broadcast, so the copy holds only the
    /// view's distinct elements (a row repeated a million times is copied once). A transposed view,
    /// a column slice or a broadcast row costs one copy instead of an error.
    /// </summary>
    internal static ReadOnlyTensorSpan<float> Copy(in ReadOnlyTensorSpan<float> tensor, int rowAxis, bool dense, string name, scoped ref InputCopies copies)
    {
        if (dense)
        {
            return new ReadOnlyTensorSpan<float>(DenseCopy(tensor, name, ref copies), tensor.Lengths, []);
        }

        // The copy's own lengths: 1 along every broadcast dimension but the row. Its layout puts the
        // row innermost (which a row-major copy would not, for a row along another dimension), the
        // other dimensions in order outside it.
        int rank = tensor.Rank;
        Span<int> order = stackalloc int[rank];
        Span<nint> lengths = stackalloc nint[rank];
        Span<nint> sourceStrides = stackalloc nint[rank];
        Span<nint> strides = stackalloc nint[rank];
        long count = 1;
        for (int d = 0, k = 0; d < rank; d++)
        {
            if (d != rowAxis)
            {
                order[k++] = d;
            }
        }

        if (rowAxis >= 0)
        {
            order[rank - 1] = rowAxis;
        }

        for (int k = 0; k < rank; k++)
        {
            int d = order[k];
            lengths[k] = tensor.Strides[d] == 0 && d != rowAxis ? 1 : tensor.Lengths[d];
            sourceStrides[k] = tensor.Strides[d];
            count *= lengths[k];
        }

        if (count > int.MaxValue)
        {
            throw new ArgumentException($"'{name}' has {count} distinct elements; fused kernels support at most {int.MaxValue}.", name);
        }

        float[] elements = copies.Rent((int)count);
        StridedCopy.Run(Memory(tensor), lengths, sourceStrides, elements);

        // The copy's strides for the view's dimensions: 0 again where it broadcasts (or has one element).
        nint stride = 1;
        for (int k = rank - 1; k >= 0; k--)
        {
            strides[order[k]] = lengths[k] == 1 ? 0 : stride;
            stride *= lengths[k];
        }

        return new ReadOnlyTensorSpan<float>(elements.AsSpan(0, (int)count), tensor.Lengths, strides);
    }

    /// <summary>The tensor's elements in row-major order, copied into an array from <paramref name="copies"/>.</summary>
    internal static ReadOnlySpan<float> DenseCopy(in ReadOnlyTensorSpan<float> tensor, string name, scoped ref InputCopies copies)
    {
        int length = CopyableLength(tensor, name);
        float[] copy = copies.Rent(length);
        StridedCopy.Run(Memory(tensor), tensor.Lengths, tensor.Strides, copy);
        return copy.AsSpan(0, length);
    }

    /// <summary>The tensor's element count, which a dense copy holds; throws past <see cref="int.MaxValue"/>.</summary>
    private static int CopyableLength(in ReadOnlyTensorSpan<float> tensor, string name)
        => tensor.FlattenedLength <= int.MaxValue
            ? (int)tensor.FlattenedLength
            : throw new ArgumentException($"'{name}' has {tensor.FlattenedLength} elements; fused kernels support at most {int.MaxValue}.", name);

    /// <summary>Every element a (possibly strided) tensor span addresses, as one span from its first element.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ReadOnlySpan<float> Memory(in ReadOnlyTensorSpan<float> tensor)
    {
        // A dense tensor, the usual case, spans exactly its elements: no walk over its shape.
        nint extent = tensor.IsDense ? tensor.FlattenedLength : Extent(tensor.Lengths, tensor.Strides);
        return extent == 0 ? default : MemoryMarshal.CreateReadOnlySpan(in tensor.GetPinnableReference(), checked((int)extent));
    }

    /// <summary>
    /// Dense scratch memory for a destination the kernel cannot write in place (a strided view, such
    /// as a slice of a wider tensor or a transpose), or null for a dense or empty destination. The
    /// kernel computes into the scratch (<see cref="ScratchView"/>, <see cref="ScratchSpan"/>) and
    /// <see cref="CopyBack"/> writes it into the view; the scratch comes from the shared array pool.
    /// Throws for a broadcast view, whose elements share memory.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float[]? ScratchFor(in TensorSpan<float> destination, string name)
        => destination.IsDense || destination.IsEmpty ? null : RentScratchFor(destination, name);

    private static float[] RentScratchFor(in TensorSpan<float> destination, string name)
    {
        RequireDistinctElements(destination.Lengths, destination.Strides, name);
        if (destination.FlattenedLength > int.MaxValue)
        {
            throw new ArgumentException($"'{name}' has {destination.FlattenedLength} elements; fused kernels support at most {int.MaxValue}.", name);
        }

        return System.Buffers.ArrayPool<float>.Shared.Rent((int)destination.FlattenedLength);
    }

    /// <summary>
    /// Scratch memory from the shared array pool for a value the kernel passes between its groups,
    /// of <paramref name="lengths"/> (<paramref name="shape"/> spells them as the kernel declares
    /// them, for the message). Throws an <see cref="ArgumentException"/> naming the shape and its
    /// sizes when the value has more elements than an array holds (an attention block's [H, T, T]
    /// scores for a long sequence), rather than an overflow or out-of-memory error that says
    /// neither.
    /// </summary>
    public static float[] RentScratch(scoped ReadOnlySpan<nint> lengths, string shape)
    {
        if (lengths.Contains(0))
        {
            return []; // an empty value, however long its other dimensions
        }

        nint count = 1;
        foreach (nint length in lengths)
        {
            if (count > Array.MaxLength / length)
            {
                ThrowScratchTooLarge(lengths, shape);
            }

            count *= length;
        }

        return System.Buffers.ArrayPool<float>.Shared.Rent((int)count);
    }

    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowScratchTooLarge(scoped ReadOnlySpan<nint> lengths, string shape)
    {
        // In floating point: the exact count may not fit in 64 bits, and the message needs only its size.
        double count = 1;
        foreach (nint length in lengths)
        {
            count *= length;
        }

        // Invariant digits and separators, so the message reads the same in every culture.
        throw new ArgumentException(string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"The kernel computes an intermediate value, {shape}: [{string.Join(", ", lengths.ToArray())}], in scratch memory between its steps: {count:#,0} elements, more than one array holds ({Array.MaxLength:#,0}). Call it on fewer rows at a time."));
    }

    /// <summary>
    /// As <see cref="ScratchFor(in TensorSpan{float}, string)"/>, for a kernel whose last step writes
    /// whole rows of <paramref name="rowLength"/> elements (a row group, or a matrix product with its
    /// epilogue): a destination whose rows are contiguous and do not overlap one another (a slice of
    /// a wider tensor, such as one head's columns of a concatenation or a slice of a middle axis,
    /// or a permutation of its outer axes, such as [T, H, D] memory seen as [H, T, D]) is written in
    /// place through its own strides, when no input shares its memory; only other views (a
    /// transpose of the last axis), or one an input overlaps (the same view read in place, another
    /// head's columns beside it), get scratch memory.
    /// </summary>
    public static float[]? ScratchFor(in TensorSpan<float> destination, string name, nint rowLength,
        scoped in ReadOnlyTensorSpan<float> input0 = default, scoped in ReadOnlyTensorSpan<float> input1 = default,
        scoped in ReadOnlyTensorSpan<float> input2 = default, scoped in ReadOnlyTensorSpan<float> input3 = default,
        scoped in ReadOnlyTensorSpan<float> input4 = default, scoped in ReadOnlyTensorSpan<float> input5 = default,
        scoped in ReadOnlyTensorSpan<float> input6 = default, scoped in ReadOnlyTensorSpan<float> input7 = default)
        => destination.IsDense || destination.IsEmpty ? null : ScratchForStrided(destination, name, rowLength, input0, input1, input2, input3, input4, input5, input6, input7);

    private static float[]? ScratchForStrided(in TensorSpan<float> destination, string name, nint rowLength,
        scoped in ReadOnlyTensorSpan<float> input0, scoped in ReadOnlyTensorSpan<float> input1,
        scoped in ReadOnlyTensorSpan<float> input2, scoped in ReadOnlyTensorSpan<float> input3,
        scoped in ReadOnlyTensorSpan<float> input4, scoped in ReadOnlyTensorSpan<float> input5,
        scoped in ReadOnlyTensorSpan<float> input6, scoped in ReadOnlyTensorSpan<float> input7)
    {
        if (HasSeparateContiguousRows(destination.Lengths, destination.Strides, rowLength))
        {
            ReadOnlySpan<float> target = Memory(destination);
            if (!Memory(input0).Overlaps(target) && !Memory(input1).Overlaps(target) && !Memory(input2).Overlaps(target) && !Memory(input3).Overlaps(target)
                && !Memory(input4).Overlaps(target) && !Memory(input5).Overlaps(target) && !Memory(input6).Overlaps(target) && !Memory(input7).Overlaps(target))
            {
                return null;
            }
        }

        return RentScratchFor(destination, name);
    }

    /// <summary>
    /// Dense scratch memory when one of the inputs is the destination itself (an in-place call: the
    /// same elements in the same layout), or null: for a kernel that stores values in the
    /// destination before it reads those inputs for the last time, which then computes into the
    /// scratch (<see cref="ScratchView"/>) and copies the result in (<see cref="CopyBack"/>). Called
    /// after <see cref="RequireDisjointOrSame"/>, so an input sharing the destination's memory at all
    /// starts at its first element: comparing the first elements' addresses is the whole check.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float[]? ScratchIfShared(in TensorSpan<float> destination, string name,
        scoped in ReadOnlyTensorSpan<float> input0, scoped in ReadOnlyTensorSpan<float> input1 = default,
        scoped in ReadOnlyTensorSpan<float> input2 = default, scoped in ReadOnlyTensorSpan<float> input3 = default)
    {
        if (destination.IsEmpty)
        {
            return null;
        }

        ref float first = ref destination.GetPinnableReference();
        bool shared = Unsafe.AreSame(ref first, ref Unsafe.AsRef(in input0.GetPinnableReference()))
            || Unsafe.AreSame(ref first, ref Unsafe.AsRef(in input1.GetPinnableReference()))
            || Unsafe.AreSame(ref first, ref Unsafe.AsRef(in input2.GetPinnableReference()))
            || Unsafe.AreSame(ref first, ref Unsafe.AsRef(in input3.GetPinnableReference()));
        return shared ? RentScratchFor(destination, name) : null;
    }

    /// <summary>
    /// Every element a destination addresses, from its first: its elements when it is dense, else
    /// the memory its rows lie in (the gaps between them are never written).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Span<float> RowMemory(in TensorSpan<float> destination, string name)
        => destination.IsDense ? AsSpan(destination, name) : StridedRowMemory(destination);

    private static Span<float> StridedRowMemory(in TensorSpan<float> destination)
    {
        ReadOnlySpan<float> memory = Memory(destination);
        return MemoryMarshal.CreateSpan(ref MemoryMarshal.GetReference(memory), memory.Length);
    }

    /// <summary>
    /// Whether a view's rows (its last dimension, of <paramref name="rowLength"/> elements) are each
    /// contiguous and no two of them share an element, whatever the order and spacing of its outer
    /// dimensions. Sufficient, not necessary: taking the outer dimensions from the smallest stride
    /// up, each stride must step past everything the smaller ones reach (so [T, H, D] memory seen as
    /// [H, T, D] passes, and rows that interleave in a more intricate way go through scratch memory).
    /// Length-1 dimensions, whose strides never matter, are skipped. (System.Numerics.Tensors
    /// already refuses views whose elements overlap; this keeps the runners' writes independent of
    /// that.)
    /// </summary>
    internal static bool HasSeparateContiguousRows(scoped ReadOnlySpan<nint> lengths, scoped ReadOnlySpan<nint> strides, nint rowLength)
    {
        int rank = lengths.Length;
        if (rank == 0 || rank - 1 > RowLayout.MaxOuterRank || lengths[rank - 1] != rowLength || rowLength > 1 && strides[rank - 1] != 1)
        {
            return false;
        }

        // The outer dimensions longer than 1, by increasing stride (at most eight: an insertion sort).
        Span<int> order = stackalloc int[RowLayout.MaxOuterRank];
        int count = 0;
        for (int d = 0; d < rank - 1; d++)
        {
            if (lengths[d] == 1)
            {
                continue;
            }

            int at = count++;
            while (at > 0 && strides[order[at - 1]] > strides[d])
            {
                order[at] = order[at - 1];
                at--;
            }

            order[at] = d;
        }

        nint reach = Math.Max(rowLength, 1); // elements one step of the next dimension must clear
        for (int i = 0; i < count; i++)
        {
            int d = order[i];
            if (strides[d] < reach)
            {
                return false;
            }

            reach = strides[d] * (lengths[d] - 1) + reach;
        }

        return true;
    }

    /// <summary>The destination itself when <paramref name="scratch"/> is null, else a dense view of the scratch with the destination's shape.</summary>
    public static TensorSpan<float> ScratchView(float[]? scratch, in TensorSpan<float> destination)
        => scratch is null ? destination : new TensorSpan<float>(scratch.AsSpan(0, (int)destination.FlattenedLength), destination.Lengths, []);

    /// <summary>The destination's elements when <paramref name="scratch"/> is null (it must then be dense), else the scratch's first elements.</summary>
    public static Span<float> ScratchSpan(float[]? scratch, in TensorSpan<float> destination, string name)
        => scratch is null ? AsSpan(destination, name) : scratch.AsSpan(0, (int)destination.FlattenedLength);

    /// <summary>Writes the scratch's elements into the strided destination and returns the scratch to the pool; nothing when it is null.</summary>
    public static void CopyBack(float[]? scratch, in TensorSpan<float> destination)
    {
        if (scratch is null)
        {
            return;
        }

        nint extent = Extent(destination.Lengths, destination.Strides);
        StridedCopy.Scatter(scratch, destination.Lengths, destination.Strides, MemoryMarshal.CreateSpan(ref destination.GetPinnableReference(), checked((int)extent)));
        System.Buffers.ArrayPool<float>.Shared.Return(scratch);
    }

    /// <summary>
    /// Throws for a broadcast view (stride 0 along a dimension longer than 1), whose elements share
    /// memory. Other overlapping strides cannot reach here: System.Numerics.Tensors' constructors
    /// refuse them.
    /// </summary>
    private static void RequireDistinctElements(scoped ReadOnlySpan<nint> lengths, scoped ReadOnlySpan<nint> strides, string name)
    {
        for (int d = 0; d < lengths.Length; d++)
        {
            if (lengths[d] > 1 && strides[d] == 0)
            {
                throw new ArgumentException(
                    $"'{name}' has strides {FormatShape(strides)} for shape {FormatShape(lengths)}, so some of its elements share memory (stride 0 in dimension {d}, a broadcast view); a kernel's result needs its own location for each element, so write it to a dense tensor instead.",
                    name);
            }
        }
    }

    /// <summary>The elements of a destination, which must be dense.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Span<float> DenseMemory(in TensorSpan<float> tensor, string name) => AsSpan(tensor, name);

    /// <summary>
    /// Throws if the input and the destination share memory, unless they are exactly the same
    /// elements in the same layout (then each element is read before it is written).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void RequireDisjointOrSame(in ReadOnlyTensorSpan<float> input, string inputName, in TensorSpan<float> destination, string destinationName, bool sameAllowed)
    {
        ReadOnlySpan<float> source = Memory(input);
        ReadOnlySpan<float> target = Memory(destination);
        if (source.Overlaps(target))
        {
            RequireSameElements(input, source, inputName, destination, target, destinationName, sameAllowed);
        }
    }

    private static void RequireSameElements(in ReadOnlyTensorSpan<float> input, ReadOnlySpan<float> source, string inputName, in TensorSpan<float> destination, ReadOnlySpan<float> target, string destinationName, bool sameAllowed)
    {
        bool same = Unsafe.AreSame(ref MemoryMarshal.GetReference(source), ref MemoryMarshal.GetReference(target))
            && input.Lengths.SequenceEqual(destination.Lengths) && input.Strides.SequenceEqual(destination.Strides);
        if (!same || !sameAllowed)
        {
            throw new ArgumentException(
                sameAllowed
                    ? $"'{inputName}' overlaps '{destinationName}' without being the same elements in the same layout; the kernel would read values it has already overwritten."
                    : $"'{inputName}' overlaps '{destinationName}'; the kernel reads '{inputName}' at other elements than the ones it is writing (a matrix product's operand, a vector every row reads), so they must not share memory.",
                inputName);
        }
    }

    /// <summary>
    /// Throws if an input shares memory with one of the destinations of a kernel with several
    /// results: each result is written by its own step while later steps may still read the inputs.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void RequireDisjointFromResults(in ReadOnlyTensorSpan<float> input, string inputName, in TensorSpan<float> destination, string destinationName)
    {
        if (Memory(input).Overlaps(Memory(destination)))
        {
            ThrowInputOverlapsResult(inputName, destinationName);
        }
    }

    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowInputOverlapsResult(string inputName, string destinationName)
        => throw new ArgumentException($"'{inputName}' overlaps '{destinationName}'; a kernel with several results writes each while later steps may still read the inputs, so they must not share memory.", inputName);

    /// <summary>
    /// Throws if two destinations of one kernel (a tuple's results) share an element. Their memory
    /// may interleave, as two heads' columns of one buffer do: only a shared element is an error.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void RequireSeparateDestinations(in TensorSpan<float> first, string firstName, in TensorSpan<float> second, string secondName)
    {
        if (Memory(first).Overlaps(Memory(second)) && ShareAnElement(first, second))
        {
            ThrowSharedDestinations(firstName, secondName);
        }
    }

    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowSharedDestinations(string firstName, string secondName)
        => throw new ArgumentException($"'{firstName}' and '{secondName}' share elements; each result of a kernel needs memory of its own.", secondName);

    /// <summary>
    /// Whether two views whose memory overlaps address a common element: at once when both are
    /// dense; otherwise the first view's runs of elements (its rows when their elements are
    /// contiguous, else single elements) are marked in a bitmap of the common range (one bit per
    /// float, from the shared pool) and the second's looked up, whole words at a time.
    /// </summary>
    private static bool ShareAnElement(in TensorSpan<float> first, in TensorSpan<float> second)
    {
        if (first.IsDense && second.IsDense)
        {
            return true;
        }

        ReadOnlySpan<float> a = Memory(first), b = Memory(second);
        nint bytes = Unsafe.ByteOffset(ref MemoryMarshal.GetReference(a), ref MemoryMarshal.GetReference(b));
        if (bytes % sizeof(float) != 0)
        {
            return true; // floats that overlap without lining up share bytes: as good as an element
        }

        nint shift = bytes / sizeof(float);
        if (SameEvenlySpacedRows(first, second) is nint rowStride)
        {
            // The usual case, results side by side: b's rows are a's moved by `shift`. Row i of a
            // and row j of b meet only if |(i - j)·stride - shift| < the row length; the k = i - j
            // nearest shift / stride decide it.
            nint rows = first.Lengths[0], length = first.Lengths[1];
            nint k = shift >= 0 ? shift / rowStride : -((-shift) / rowStride);
            for (nint candidate = k - 1; candidate <= k + 1; candidate++)
            {
                if (candidate > -rows && candidate < rows && Math.Abs(candidate * rowStride - shift) < length)
                {
                    return true;
                }
            }

            return false;
        }

        // Offsets from a's first element; the common range is [low, high).
        nint low = Math.Max(0, shift), high = Math.Min(a.Length, shift + b.Length);
        int words = checked((int)((high - low + 63) / 64));
        ulong[] marks = System.Buffers.ArrayPool<ulong>.Shared.Rent(words);
        try
        {
            Span<ulong> bits = marks.AsSpan(0, words);
            bits.Clear();
            Span<nint> index = stackalloc nint[Math.Max(first.Rank, second.Rank)];
            var runs = new Runs(first.Lengths, first.Strides, index);
            while (runs.Next(out nint start))
            {
                Bits(bits, start - low, runs.Length, high - low, set: true);
            }

            runs = new Runs(second.Lengths, second.Strides, index);
            while (runs.Next(out nint start))
            {
                if (Bits(bits, start + shift - low, runs.Length, high - low, set: false))
                {
                    return true;
                }
            }

            return false;
        }
        finally
        {
            System.Buffers.ArrayPool<ulong>.Shared.Return(marks);
        }
    }

    /// <summary>The row stride when both views are [rows, length] with the same rows, contiguous and separate, the same distance apart; else null.</summary>
    private static nint? SameEvenlySpacedRows(in TensorSpan<float> first, in TensorSpan<float> second)
    {
        if (first.Rank != 2 || !first.Lengths.SequenceEqual(second.Lengths) || !first.Strides.SequenceEqual(second.Strides))
        {
            return null;
        }

        nint rowStride = first.Strides[0], length = first.Lengths[1];
        bool contiguous = first.Strides[1] == 1 || length == 1;
        return contiguous && rowStride >= length && length > 0 && first.Lengths[0] > 1 ? rowStride : null;
    }

    /// <summary>Sets, or tests for any set, the bits of [<paramref name="from"/>, <paramref name="from"/> + <paramref name="count"/>) that lie in [0, <paramref name="size"/>).</summary>
    private static bool Bits(Span<ulong> bits, nint from, nint count, nint size, bool set)
    {
        nint start = Math.Max(from, 0), end = Math.Min(from + count, size);
        if (start >= end)
        {
            return false;
        }

        // Partial words at either end; whole words between them filled or scanned as spans.
        int firstWord = (int)(start / 64), lastWord = (int)((end - 1) / 64);
        ulong firstMask = ulong.MaxValue << (int)(start % 64), lastMask = ulong.MaxValue >> (int)(63 - (end - 1) % 64);
        if (firstWord == lastWord)
        {
            firstMask &= lastMask;
            lastMask = 0;
        }

        Span<ulong> whole = bits.Slice(firstWord + 1, Math.Max(lastWord - firstWord - 1, 0));
        if (set)
        {
            bits[firstWord] |= firstMask;
            bits[lastWord] |= lastMask;
            whole.Fill(ulong.MaxValue);
            return false;
        }

        return (bits[firstWord] & firstMask) != 0 || (bits[lastWord] & lastMask) != 0 || whole.IndexOfAnyExcept(0UL) >= 0;
    }

    /// <summary>
    /// A view's elements as runs of consecutive floats, in row-major order of its indices (an
    /// odometer): whole rows when its last dimension is contiguous, else one element at a time.
    /// </summary>
    private ref struct Runs
    {
        private readonly ReadOnlySpan<nint> _lengths;
        private readonly ReadOnlySpan<nint> _strides;
        private readonly Span<nint> _index;
        private nint _offset;
        private bool _started;
        private bool _done;

        public Runs(ReadOnlySpan<nint> lengths, ReadOnlySpan<nint> strides, Span<nint> index)
        {
            bool contiguousRows = lengths.Length > 0 && (strides[^1] == 1 || lengths[^1] == 1);
            Length = contiguousRows ? lengths[^1] : 1;
            _lengths = contiguousRows ? lengths[..^1] : lengths;
            _strides = contiguousRows ? strides[..^1] : strides;
            _index = index[.._lengths.Length];
            _index.Clear();
            _offset = 0;
            _started = false;
            _done = Length == 0;
            foreach (nint length in _lengths)
            {
                _done |= length == 0;
            }
        }

        /// <summary>How many consecutive floats each run holds.</summary>
        public nint Length { get; }

        public bool Next(out nint start)
        {
            if (_started && !_done)
            {
                _done = true;
                for (int d = _lengths.Length - 1; d >= 0; d--)
                {
                    _offset += _strides[d];
                    if (++_index[d] < _lengths[d])
                    {
                        _done = false;
                        break;
                    }

                    _offset -= _lengths[d] * _strides[d];
                    _index[d] = 0;
                }
            }

            _started = true;
            start = _offset;
            return !_done;
        }
    }

    private static nint Extent(scoped ReadOnlySpan<nint> lengths, scoped ReadOnlySpan<nint> strides)
    {
        nint last = 0;
        for (int d = 0; d < lengths.Length; d++)
        {
            if (lengths[d] == 0)
            {
                return 0;
            }

            last += (lengths[d] - 1) * strides[d];
        }

        return last + 1;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ReadOnlySpan<float> Memory(in TensorSpan<float> tensor)
    {
        nint extent = tensor.IsDense ? tensor.FlattenedLength : Extent(tensor.Lengths, tensor.Strides);
        return extent == 0 ? default : MemoryMarshal.CreateReadOnlySpan(in tensor.GetPinnableReference(), checked((int)extent));
    }

    /// <summary>The memory from element <paramref name="offset"/> on (a view that starts inside its source); empty when the source holds no element there.</summary>
    public static ReadOnlySpan<float> From(ReadOnlySpan<float> memory, nint offset)
        => offset >= memory.Length ? default : memory.Slice(checked((int)offset));

    /// <summary>Writable memory from element <paramref name="offset"/> on (a concatenation's place for one operand); empty when there is no element there.</summary>
    public static Span<float> Into(Span<float> memory, nint offset)
        => offset >= memory.Length ? default : memory.Slice(checked((int)offset));

    /// <summary>Throws unless elements [start, start + length) lie within a dimension of the given size.</summary>
    public static void RequireSlice(nint size, int start, int length, string slice, string name)
    {
        if ((long)start + length > size)
        {
            throw new ArgumentException($"{slice} needs {(long)start + length} elements along its axis, but '{name}' has {size} there.", name);
        }
    }

    /// <summary>Formats a shape as <c>[2, 3]</c>.</summary>
    public static string FormatShape(scoped ReadOnlySpan<nint> lengths)
    {
        var text = new StringBuilder("[");
        for (int i = 0; i < lengths.Length; i++)
        {
            text.Append(i == 0 ? "" : ", ").Append(lengths[i]);
        }

        return text.Append(']').ToString();
    }

    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowNotDenseMemory(bool isDense, nint flattenedLength, scoped ReadOnlySpan<nint> strides, string name)
        => throw (isDense
            ? new ArgumentException($"'{name}' has {flattenedLength} elements; fused kernels support at most {int.MaxValue}.", name)
            : new ArgumentException(
                $"'{name}' is a strided view (strides {FormatShape(strides)}), not dense memory; fused kernels read tensors in row-major order, so copy it to a dense tensor first (for example with ToDenseTensor()).",
                name));
}
