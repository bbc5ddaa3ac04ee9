using System;
using System.Buffers;
using System.ComponentModel;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace KernelDsl.Runtime;

/// <summary>
/// The copies an entry point makes of inputs it cannot read in place (a transposed view, a column
/// slice), held in arrays from the shared pool and returned to it by <see cref="Return"/> when the
/// call ends: a call that copies a 16 MiB transposed input allocates nothing once the pool holds
/// an array that size, where a new array per call cost a garbage collection every few calls.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public struct InputCopies
{
    /// <summary>
    /// The pooled copies one call keeps: a kernel has at most this many tensor inputs. Copies past
    /// these (only a caller of its own could ask for them) go to arrays of their own.
    /// </summary>
    private const int Capacity = KernelOperands.MaxInputs;

    private Arrays _rented;
    private int _count;

    /// <summary>
    /// The tensor itself when <see cref="KernelArguments.IsReadableInPlace"/>, else a copy in an
    /// array <paramref name="copies"/> rents from the shared pool, laid out as
    /// <see cref="KernelArguments.Copy"/> describes (dense, or dense but for broadcast dimensions).
    /// </summary>
    public static ReadOnlyTensorSpan<float> InPlaceOrCopy(scoped ref InputCopies copies, in ReadOnlyTensorSpan<float> tensor, int rowAxis, bool dense, string name)
    {
        if (KernelArguments.IsReadableInPlace(tensor, rowAxis, dense))
        {
            return tensor;
        }

        return KernelArguments.Copy(tensor, rowAxis, dense, name, ref copies);
    }

    /// <summary>
    /// The tensor's elements in row-major order: in place when it is dense, else copied into an
    /// array <paramref name="copies"/> rents from the shared pool (an elementwise kernel's strided
    /// input, a transpose or a slice).
    /// </summary>
    public static ReadOnlySpan<float> DenseSpan(scoped ref InputCopies copies, in ReadOnlyTensorSpan<float> tensor, string name)
        => tensor.IsDense || tensor.IsEmpty ? KernelArguments.AsSpan(tensor, name) : KernelArguments.DenseCopy(tensor, name, ref copies);

    /// <summary>An array of at least <paramref name="length"/> floats, from the pool while there is room to remember it.</summary>
    internal float[] Rent(int length)
    {
        if (_count == Capacity)
        {
            return new float[length];
        }

        float[] array = ArrayPool<float>.Shared.Rent(length);
        _rented[_count++] = array;
        return array;
    }

    /// <summary>Returns every rented copy to the pool; the spans made over them must no longer be used.</summary>
    public void Return()
    {
        for (int i = 0; i < _count; i++)
        {
            ArrayPool<float>.Shared.Return(_rented[i]!);
            _rented[i] = null;
        }

        _count = 0;
    }

    [InlineArray(Capacity)]
    private struct Arrays
    {
        private float[]? _element;
    }
}
