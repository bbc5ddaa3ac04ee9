using System.ComponentModel;
using System.Runtime.CompilerServices;

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
    private readonly float* _destination;

    internal KernelOperands(in PointerBuffer inputs, float* destination)
    {
        _inputs = inputs;
        _destination = destination;
    }

    /// <summary>The first element of input <paramref name="index"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref float Input(int index) => ref Unsafe.AsRef<float>((void*)_inputs[index]);

    /// <summary>The first element of the destination.</summary>
    public ref float Destination
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => ref Unsafe.AsRef<float>(_destination);
    }

    [InlineArray(MaxInputs)]
    internal struct PointerBuffer
    {
        private nint _element;
    }
}
