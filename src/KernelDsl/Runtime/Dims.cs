using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace KernelDsl.Runtime;

/// <summary>
/// A short list of sizes or strides (at most <see cref="Capacity"/>), built by the generated code
/// where it passes one to the runtime: <c>Dims.Of(dim_B, dim_N)</c> converts to the
/// <see cref="ReadOnlySpan{T}"/> the runtime takes, for the duration of the call it is passed to.
/// </summary>
/// <remarks>
/// It exists for the cost of compiling the generated code, not for speed at run time. A collection
/// expression (<c>[dim_B, dim_N]</c>) passed as a span costs the C# compiler a check of the span's
/// collection pattern and, for a generic method, a round of type inference, at every use; a call of
/// <see cref="Of(nint, nint)"/> costs an overload resolution by arity. Over the thousands of such
/// lists in a project with hundreds of kernels that is about a tenth of compiling what the generator
/// writes (docs/performance.md).
/// </remarks>
public struct Dims
{
    /// <summary>The most values a list holds: a shape of the largest rank a kernel accepts.</summary>
    public const int Capacity = 9;

    private Items _items;
    private int _count;

    /// <summary>The number of values.</summary>
    public readonly int Count => _count;

    /// <summary>The values, as the runtime's methods take them.</summary>
    /// <remarks>
    /// The span points into <paramref name="dims"/>: passed straight to a call, as the generated code
    /// does, it lives as long as the call's arguments.
    /// </remarks>
    public static implicit operator ReadOnlySpan<nint>(in Dims dims)
        => MemoryMarshal.CreateReadOnlySpan(ref Unsafe.AsRef(in dims._items[0]), dims._count);

    /// <summary>No values.</summary>
    public static Dims Of() => default;

    public static Dims Of(nint d0)
    {
        Unsafe.SkipInit(out Dims dims);
        dims._items[0] = d0;
        dims._count = 1;
        return dims;
    }

    public static Dims Of(nint d0, nint d1)
    {
        Unsafe.SkipInit(out Dims dims);
        dims._items[0] = d0;
        dims._items[1] = d1;
        dims._count = 2;
        return dims;
    }

    public static Dims Of(nint d0, nint d1, nint d2)
    {
        Unsafe.SkipInit(out Dims dims);
        dims._items[0] = d0;
        dims._items[1] = d1;
        dims._items[2] = d2;
        dims._count = 3;
        return dims;
    }

    public static Dims Of(nint d0, nint d1, nint d2, nint d3)
    {
        Unsafe.SkipInit(out Dims dims);
        dims._items[0] = d0;
        dims._items[1] = d1;
        dims._items[2] = d2;
        dims._items[3] = d3;
        dims._count = 4;
        return dims;
    }

    public static Dims Of(nint d0, nint d1, nint d2, nint d3, nint d4)
    {
        Unsafe.SkipInit(out Dims dims);
        dims._items[0] = d0;
        dims._items[1] = d1;
        dims._items[2] = d2;
        dims._items[3] = d3;
        dims._items[4] = d4;
        dims._count = 5;
        return dims;
    }

    public static Dims Of(nint d0, nint d1, nint d2, nint d3, nint d4, nint d5)
    {
        Unsafe.SkipInit(out Dims dims);
        dims._items[0] = d0;
        dims._items[1] = d1;
        dims._items[2] = d2;
        dims._items[3] = d3;
        dims._items[4] = d4;
        dims._items[5] = d5;
        dims._count = 6;
        return dims;
    }

    public static Dims Of(nint d0, nint d1, nint d2, nint d3, nint d4, nint d5, nint d6)
    {
        Unsafe.SkipInit(out Dims dims);
        dims._items[0] = d0;
        dims._items[1] = d1;
        dims._items[2] = d2;
        dims._items[3] = d3;
        dims._items[4] = d4;
        dims._items[5] = d5;
        dims._items[6] = d6;
        dims._count = 7;
        return dims;
    }

    public static Dims Of(nint d0, nint d1, nint d2, nint d3, nint d4, nint d5, nint d6, nint d7)
    {
        Unsafe.SkipInit(out Dims dims);
        dims._items[0] = d0;
        dims._items[1] = d1;
        dims._items[2] = d2;
        dims._items[3] = d3;
        dims._items[4] = d4;
        dims._items[5] = d5;
        dims._items[6] = d6;
        dims._items[7] = d7;
        dims._count = 8;
        return dims;
    }

    public static Dims Of(nint d0, nint d1, nint d2, nint d3, nint d4, nint d5, nint d6, nint d7, nint d8)
    {
        Unsafe.SkipInit(out Dims dims);
        dims._items[0] = d0;
        dims._items[1] = d1;
        dims._items[2] = d2;
        dims._items[3] = d3;
        dims._items[4] = d4;
        dims._items[5] = d5;
        dims._items[6] = d6;
        dims._items[7] = d7;
        dims._items[8] = d8;
        dims._count = 9;
        return dims;
    }

    [InlineArray(Capacity)]
    private struct Items
    {
        private nint _element;
    }
}
