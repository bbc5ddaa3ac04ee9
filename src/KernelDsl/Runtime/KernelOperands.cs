using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace KernelDsl.Runtime;

/// <summary>
/// The pinned memory a kernel reads and writes: up to <see cref="MaxInputs"/> input buffers and one
/// destination. Created by <see cref="ElementwiseRunner"/>, <see cref="RowRunner"/> or <see cref="Gemm"/> inside a
/// <c>fixed</c> scope and valid only during the run, so generated code (compiled without
/// <c>unsafe</c>) can reach the buffers as <c>ref float</c> from any worker thread.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public readonly unsafe struct KernelOperands
{
    /// <summary>The largest number of tensor inputs a fused kernel may have.</summary>
    public const int MaxInputs = 8;

    private readonly PointerBuffer _inputs;
    private readonly nint _destination;
    private readonly PointerBuffer _nextRowDistances;
    private readonly bool _destinationInCache;

    internal KernelOperands(in PointerBuffer inputs, float* destination)
    {
        _inputs = inputs;
        _destination = (nint)destination;
        _nextRowDistances = default; // set in place by the row runner
        _destinationInCache = false; // likewise
    }

    /// <summary>
    /// Points input <paramref name="index"/> of <paramref name="operands"/> at <paramref name="pointer"/>, in place.
    /// </summary>
    /// <remarks>
    /// The runners keep one operands value per loop and retarget it row by row with these rather than
    /// building a new one: copying a freshly written buffer of pointers is a wide load of narrow
    /// stores, which the CPU cannot forward, so it waits until every earlier store has reached the
    /// cache, including the previous row's stores still waiting on memory. A row kernel copying
    /// [4096, 1024] on one thread took about 1.3x a plain row-by-row loop that way.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void SetInput(ref KernelOperands operands, int index, nint pointer)
        => Unsafe.AsRef(in operands._inputs)[index] = pointer;

    /// <summary>Sets how far, in bytes, input <paramref name="index"/>'s next row lies from its current one (see <see cref="NextRowAddress"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void SetNextRowDistance(ref KernelOperands operands, int index, nint bytes)
        => Unsafe.AsRef(in operands._nextRowDistances)[index] = bytes;

    /// <summary>Marks a call whose destination is small enough to stay in cache (see <see cref="DestinationInCache"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void SetDestinationInCache(ref KernelOperands operands, bool inCache)
        => Unsafe.AsRef(in operands._destinationInCache) = inCache;

    /// <summary>
    /// Whether the runner expects the whole destination to stay in cache (a call writing at most
    /// <see cref="RowRunner.InCacheDestinationBytes"/>, such as one token's row), so that
    /// <see cref="RowPass.Write"/> need not start a long row's stores on a whole vector: that pays
    /// only where each store's line is still on its way from memory.
    /// </summary>
    internal bool DestinationInCache
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _destinationInCache;
    }

    /// <summary>Points the destination of <paramref name="operands"/> at <paramref name="pointer"/>, in place; see <see cref="SetInput"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void SetDestination(ref KernelOperands operands, float* pointer)
        => Unsafe.AsRef(in operands._destination) = (nint)pointer;

    /// <summary>The first element of input <paramref name="index"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref float Input(int index) => ref Unsafe.AsRef<float>((void*)_inputs[index]);

    /// <summary>
    /// The address of element 0 of input <paramref name="input"/>'s next row, which
    /// <see cref="RowPass"/> computes once per pass and then <see cref="Prefetch"/>es along. A row
    /// kernel with several passes fetches the next row from its second pass, so that the next row
    /// arrives from memory while this one is computed in cache, instead of each row waiting for its
    /// own first pass to bring it in. Where the runner sets no distance (a single row, a GEMM
    /// epilogue, rows too long to gain) this is the current row, already in cache.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal nint NextRowAddress(int input) => _inputs[input] + _nextRowDistances[input];

    /// <summary>
    /// Hints that the float at element <paramref name="index"/> from <paramref name="address"/> will
    /// be read soon; without a prefetch instruction it does nothing. A prefetch never faults, even
    /// past a buffer's end.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Prefetch(nint address, nint index)
    {
        if (Sse.IsSupported)
        {
            Sse.Prefetch0((byte*)address + index * sizeof(float));
        }
    }

    /// <summary>The first element of the destination.</summary>
    public ref float Destination
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => ref Unsafe.AsRef<float>((void*)_destination);
    }

    [InlineArray(MaxInputs)]
    internal struct PointerBuffer
    {
        private nint _element;
    }
}
