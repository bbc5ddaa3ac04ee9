using System.ComponentModel;
using System.Runtime.CompilerServices;

namespace KernelDsl.Runtime;

/// <summary>
/// One pass of a generated row kernel: the value of the pass's expression at element <c>i</c> of
/// the row, for any vector width (<c>W</c> is the kernel's vector type, or <see cref="SimdScalar"/>
/// for the tail). A generated pass is a small <c>ref struct</c> holding refs to the row's operands
/// and the per-row values computed by earlier passes; the loops that run it are the methods of
/// <see cref="RowPass"/>, written once here rather than in every kernel.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public interface IRowPass
{
    /// <summary>The pass's value at element <paramref name="i"/> of the row.</summary>
    W At<W>(nint i) where W : struct, ISimdFloat<W>;

    /// <summary>
    /// Whether <see cref="At{W}"/> also stores other values at the elements it computes (an output
    /// pass writing several results, or several pieces of a join): then <see cref="RowPass.Write"/>
    /// computes each element once, never a vector overlapping elements already stored, since those
    /// other values could be computed from destination lanes it has already rewritten.
    /// </summary>
    static virtual bool StoresOtherResults => false;

    /// <summary>
    /// For a pass run in a method of its own (<see cref="RowPass.ReduceApart"/>): the operand slots
    /// whose next row it fetches, as <see cref="RowPass"/>'s bit mask. A constant of the pass's type
    /// rather than an argument, so the method is compiled with only those slots' prefetches.
    /// </summary>
    static virtual int PrefetchedSlots => 0;
}

/// <summary>
/// How a pass's values are combined into one per-row value: the identity, the vector step, the
/// scalar step and the horizontal step of Sum, Prod, Max or Min. Static and abstract, so each
/// instantiation of <see cref="RowPass.Reduce"/> is compiled for one of them with nothing to call.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public interface IRowCombiner
{
    /// <summary>The value a reduction starts from (and the result over an empty row).</summary>
    static abstract float Identity { get; }

    /// <summary>
    /// Whether the vector loop combines with the hardware Max/Min instruction, which drops NaN and
    /// may prefer -0 to +0: NaN is then tracked on the side and a zero result recomputed exactly.
    /// </summary>
    static abstract bool IsNative { get; }

    /// <summary>The step of the vector loop.</summary>
    static abstract V Combine<V>(V accumulator, V value) where V : struct, ISimdFloat<V>;

    /// <summary>The IEEE step, for joining accumulators.</summary>
    static abstract V CombineExact<V>(V left, V right) where V : struct, ISimdFloat<V>;

    /// <summary>The scalar step (tail, and the exact recomputation).</summary>
    static abstract float Combine(float accumulator, float value);

    /// <summary>Combines the lanes of a vector.</summary>
    static abstract float Horizontal<V>(V value) where V : struct, ISimdFloat<V>;
}

/// <summary>Sum: <c>a + b</c>, from 0.</summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public readonly struct RowSum : IRowCombiner
{
    public static float Identity => 0f;
    public static bool IsNative => false;
    public static V Combine<V>(V accumulator, V value) where V : struct, ISimdFloat<V> => accumulator + value;
    public static V CombineExact<V>(V left, V right) where V : struct, ISimdFloat<V> => left + right;
    public static float Combine(float accumulator, float value) => accumulator + value;
    public static float Horizontal<V>(V value) where V : struct, ISimdFloat<V> => Runtime.Horizontal.Sum(value);
}

/// <summary>Product: <c>a * b</c>, from 1.</summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public readonly struct RowProduct : IRowCombiner
{
    public static float Identity => 1f;
    public static bool IsNative => false;
    public static V Combine<V>(V accumulator, V value) where V : struct, ISimdFloat<V> => accumulator * value;
    public static V CombineExact<V>(V left, V right) where V : struct, ISimdFloat<V> => left * right;
    public static float Combine(float accumulator, float value) => accumulator * value;
    public static float Horizontal<V>(V value) where V : struct, ISimdFloat<V> => Runtime.Horizontal.Product(value);
}

/// <summary>Maximum, IEEE 754 (NaN wins, +0 above -0), from -∞.</summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public readonly struct RowMax : IRowCombiner
{
    public static float Identity => float.NegativeInfinity;
    public static bool IsNative => true;
    public static V Combine<V>(V accumulator, V value) where V : struct, ISimdFloat<V> => V.MaxNative(accumulator, value);
    public static V CombineExact<V>(V left, V right) where V : struct, ISimdFloat<V> => V.Max(left, right);
    public static float Combine(float accumulator, float value) => System.MathF.Max(accumulator, value);
    public static float Horizontal<V>(V value) where V : struct, ISimdFloat<V> => Runtime.Horizontal.Max(value);
}

/// <summary>Minimum, IEEE 754 (NaN wins, -0 below +0), from +∞.</summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public readonly struct RowMin : IRowCombiner
{
    public static float Identity => float.PositiveInfinity;
    public static bool IsNative => true;
    public static V Combine<V>(V accumulator, V value) where V : struct, ISimdFloat<V> => V.MinNative(accumulator, value);
    public static V CombineExact<V>(V left, V right) where V : struct, ISimdFloat<V> => V.Min(left, right);
    public static float Combine(float accumulator, float value) => System.MathF.Min(accumulator, value);
    public static float Horizontal<V>(V value) where V : struct, ISimdFloat<V> => Runtime.Horizontal.Min(value);
}

/// <summary>
/// The loops of a generated row kernel's passes: a reduction along the row (four accumulators, a
/// one-lane tail), optionally storing each value for a later pass to reload, and the output pass.
/// Each is instantiated per kernel pass and vector width, so the pass's expression inlines into
/// the loop as if the loop were written out in the kernel.
/// </summary>
/// <remarks>
/// The <c>prefetch</c> arguments are a bit mask of operand slots whose next row is fetched
/// while this row is computed (bit <c>k</c> for <see cref="KernelOperands.Input"/> <c>k</c>), so
/// memory works while a multi-pass row is revisited in cache.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public static class RowPass
{
    /// <summary>Combines the pass's values over the row, with four accumulators.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Reduce<V, P, C>(P pass, nint length, in KernelOperands row, int prefetch)
        where V : struct, ISimdFloat<V>
        where P : struct, IRowPass, allows ref struct
        where C : struct, IRowCombiner
        => Run<V, P, C>(pass, length, in row, prefetch, ref Unsafe.NullRef<float>(), store: false, unrolled: true);

    /// <summary>
    /// Combines the pass's values over the row and stores each in <paramref name="destination"/>,
    /// where a later pass reloads it instead of computing it again.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ReduceAndStore<V, P, C>(P pass, nint length, in KernelOperands row, int prefetch, ref float destination)
        where V : struct, ISimdFloat<V>
        where P : struct, IRowPass, allows ref struct
        where C : struct, IRowCombiner
        => Run<V, P, C>(pass, length, in row, prefetch, ref destination, store: true, unrolled: true);

    /// <summary>
    /// <see cref="Reduce"/> for a costly pass (a transcendental besides a lone exponential): one
    /// accumulator, in a method of its own rather than inlined into the row method, prefetching
    /// <see cref="IRowPass.PrefetchedSlots"/>. The JIT limits what it inlines into one method: four
    /// accumulators inline the expression five times, and a softmax computing a logarithm and a tanh
    /// per element, one of tanh-capped logits and a layer norm of a GELU ran past that limit with
    /// their passes inlined together (their vector operations became calls, 2-35x slower,
    /// docs/performance.md). With a function in the loop, its one accumulator's latency is hidden
    /// by the function's own work, and the call costs little beside a row of them.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static float ReduceApart<V, P, C>(P pass, nint length, in KernelOperands row)
        where V : struct, ISimdFloat<V>
        where P : struct, IRowPass, allows ref struct
        where C : struct, IRowCombiner
        => Run<V, P, C>(pass, length, in row, P.PrefetchedSlots, ref Unsafe.NullRef<float>(), store: false, unrolled: false);

    /// <summary><see cref="ReduceAndStore"/> for a costly pass, as <see cref="ReduceApart"/>.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static float ReduceAndStoreApart<V, P, C>(P pass, nint length, in KernelOperands row, ref float destination)
        where V : struct, ISimdFloat<V>
        where P : struct, IRowPass, allows ref struct
        where C : struct, IRowCombiner
        => Run<V, P, C>(pass, length, in row, P.PrefetchedSlots, ref destination, store: true, unrolled: false);

    /// <summary>Stores the pass's value at every element of the row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Write<V, P>(P pass, nint length, in KernelOperands row, int prefetch, ref float destination)
        where V : struct, ISimdFloat<V>
        where P : struct, IRowPass, allows ref struct
    {
        NextRows next = new(in row, prefetch);
        nint i = length >= AlignedRowLength * V.Count && !row.DestinationInCache ? ElementsToBoundary<V>(ref destination) : 0;
        if (i != 0)
        {
            WriteHead<V, P>(pass, i, ref destination);
        }

        for (; i <= length - V.Count; i += V.Count)
        {
            if (prefetch != 0)
            {
                next.Prefetch(prefetch, i);
            }

            V.Store(pass.At<V>(i), ref destination, i);
        }

        if (i < length)
        {
            if (length >= V.Count && !P.StoresOtherResults)
            {
                WriteTail<V, P>(pass, i, length, ref destination);
            }
            else
            {
                WriteScalars(pass, i, length, ref destination);
            }
        }
    }

    /// <summary>
    /// The shortest row, in vectors, whose output pass starts its stores at a vector boundary
    /// (<see cref="ElementsToBoundary{V}"/>). One thread, rows in misaligned arrays of 1 MB, per
    /// row: at 16 vectors (256 floats) the two extra steps cost more than they saved (layer norm
    /// 52-54 → 63-65 ns, softmax 64 → 70 ns); at 32 a layer norm gained (112 → 104 ns) and a softmax,
    /// whose output pass rewrites rows already in cache, lost (116 → 122 ns); at 64, from memory
    /// ([4096, 1024]), the layer norm ran 1.25-1.4x faster and the softmax the same.
    /// </summary>
    private const int AlignedRowLength = 32;

    // One body for both reductions: `store` is a constant at each call site, so the JIT keeps
    // only its branch once this is inlined.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Run<V, P, C>(P pass, nint length, in KernelOperands row, int prefetch, ref float destination, bool store, bool unrolled)
        where V : struct, ISimdFloat<V>
        where P : struct, IRowPass, allows ref struct
        where C : struct, IRowCombiner
    {
        // Four accumulators, so consecutive vectors do not wait on each other's result. The
        // hardware Max/Min (one short dependency chain, against several instructions for IEEE
        // 754's; a row's max cost 3.5x its sum) drops NaN, so NaN is tracked on the side.
        V acc0 = V.Create(C.Identity), acc1 = acc0, acc2 = acc0, acc3 = acc0;
        V nan = V.Create(0f); // all ones in a lane that has seen NaN
        NextRows next = new(in row, prefetch);
        nint i = 0;
        if (unrolled) // a constant once inlined: the JIT imports one loop or the other, not both
        {
            for (; i <= length - 4 * V.Count; i += 4 * V.Count)
            {
                if (prefetch != 0)
                {
                    next.Prefetch(prefetch, i);
                    next.Prefetch(prefetch, i + V.Count);
                    next.Prefetch(prefetch, i + 2 * V.Count);
                    next.Prefetch(prefetch, i + 3 * V.Count);
                }

                acc0 = Step<V, P, C>(pass, acc0, i, ref nan, ref destination, store);
                acc1 = Step<V, P, C>(pass, acc1, i + V.Count, ref nan, ref destination, store);
                acc2 = Step<V, P, C>(pass, acc2, i + 2 * V.Count, ref nan, ref destination, store);
                acc3 = Step<V, P, C>(pass, acc3, i + 3 * V.Count, ref nan, ref destination, store);
            }
        }

        for (; i <= length - V.Count; i += V.Count)
        {
            if (!unrolled && prefetch != 0)
            {
                next.Prefetch(prefetch, i);
            }

            acc0 = Step<V, P, C>(pass, acc0, i, ref nan, ref destination, store);
        }

        acc0 = C.CombineExact(C.CombineExact(C.CombineExact(acc0, acc1), acc2), acc3);
        if (C.IsNative)
        {
            acc0 = V.Select(nan, nan, acc0); // a lane that saw NaN becomes NaN, which the IEEE steps below propagate
        }

        float result = C.Horizontal(acc0);
        if (i < length || C.IsNative && result == 0f)
        {
            result = FinishRow<P, C>(pass, i, length, result, ref destination, store);
        }

        return result;
    }

    // The scalar steps live in methods of their own, called only when a row needs them: the loops
    // above are inlined into the kernel's row method together with every pass's expression, and the
    // JIT stops inlining past a budget. A scalar copy of each pass's expression (a softmax's exp)
    // inlined there as well pushed a softmax over a slice past it, and its vector operations became
    // calls (docs/performance.md). They are optimized on first call, like the row methods: a row
    // whose length is not a multiple of the vector width calls one on every row, thousands of times
    // per kernel call, and tiered compilation left them unoptimized for the first tens of calls (a
    // softmax over rows of 100 floats took 7-10 ms per call instead of 0.4-1 ms for about 200 ms).

    /// <summary>The last <c>length % V.Count</c> elements of a reduction, and the exact recomputation of a zero Max or Min.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float FinishRow<P, C>(P pass, nint i, nint length, float result, ref float destination, bool store)
        where P : struct, IRowPass, allows ref struct
        where C : struct, IRowCombiner
    {
        for (; i < length; i++)
        {
            SimdScalar value = pass.At<SimdScalar>(i);
            if (store)
            {
                SimdScalar.Store(value, ref destination, i);
            }

            result = C.Combine(result, value.Value);
        }

        if (C.IsNative && result == 0f)
        {
            // The hardware instruction may have kept the wrong zero: recompute this rare case exactly.
            // A pass that stored its values reads them back: the inputs it computed them from may
            // share the destination's memory (an in-place call) and be overwritten by now.
            result = C.Identity;
            for (i = 0; i < length; i++)
            {
                result = C.Combine(result, store ? Unsafe.Add(ref destination, i) : pass.At<SimdScalar>(i).Value);
            }
        }

        return result;
    }

    /// <summary>Stores the pass's value at elements [<paramref name="start"/>, <paramref name="end"/>) one by one: the tail of <see cref="Write"/>.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void WriteScalars<P>(P pass, nint start, nint end, ref float destination)
        where P : struct, IRowPass, allows ref struct
    {
        for (nint i = start; i < end; i++)
        {
            SimdScalar.Store(pass.At<SimdScalar>(i), ref destination, i);
        }
    }

    /// <summary>
    /// How many elements from <paramref name="first"/> to the next boundary of a whole vector
    /// (64 bytes with AVX-512), where <see cref="Write"/> starts a long row's vector stores.
    /// </summary>
    /// <remarks>
    /// Large .NET arrays hold their elements 24 bytes past a 64-byte boundary, so every 512-bit
    /// store into their rows spanned two cache lines, each line still on its way from memory: with
    /// the output pass's stores on whole lines, a layer norm over [4096, 1024] in such arrays ran
    /// 1.25-1.4x faster. Aligning the reductions' loads as well gained the layer norm nothing more and
    /// cost the softmax 1.1x, so they are left as they are, their rounding independent of addresses
    /// (docs/performance.md).
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe nint ElementsToBoundary<V>(ref float first)
        where V : struct, ISimdFloat<V>
        => (-(nint)Unsafe.AsPointer(ref first) & (V.Count * sizeof(float) - 1)) / sizeof(float);

    /// <summary>Stores the pass's values at the row's first <paramref name="head"/> elements, rewriting the vector's other lanes unchanged (a pass may read its own destination).</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void WriteHead<V, P>(P pass, nint head, ref float destination)
        where V : struct, ISimdFloat<V>
        where P : struct, IRowPass, allows ref struct
        => V.Store(V.Select(V.FirstLanes(head), pass.At<V>(0), V.Load(ref destination, 0)), ref destination, 0);

    /// <summary>
    /// Stores the pass's values at elements [<paramref name="start"/>, <paramref name="length"/>)
    /// from the row's last whole vector, rewriting its earlier lanes (already stored) unchanged: a
    /// pass that reads its own destination reads them before they are rewritten, and only the
    /// lanes it has not yet stored are taken.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void WriteTail<V, P>(P pass, nint start, nint length, ref float destination)
        where V : struct, ISimdFloat<V>
        where P : struct, IRowPass, allows ref struct
    {
        nint last = length - V.Count;
        V done = V.FirstLanes(start - last);
        V.Store(V.Select(done, V.Load(ref destination, last), pass.At<V>(last)), ref destination, last);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static V Step<V, P, C>(P pass, V accumulator, nint i, ref V nan, ref float destination, bool store)
        where V : struct, ISimdFloat<V>
        where P : struct, IRowPass, allows ref struct
        where C : struct, IRowCombiner
    {
        V value = pass.At<V>(i);
        if (store)
        {
            V.Store(value, ref destination, i);
        }

        if (C.IsNative)
        {
            nan = V.Or(nan, V.IsNaN(value));
        }

        return C.Combine(accumulator, value);
    }

    /// <summary>
    /// The next row's first element of each prefetched input, computed once before a pass's loop:
    /// read through <c>in row</c> at each prefetch, the JIT reloaded both the input's pointer and
    /// its next-row distance from memory in every iteration (two loads and four address additions
    /// per 64 elements in a layer norm's second pass). Slots outside the mask stay zero, unused.
    /// </summary>
    private readonly unsafe ref struct NextRows
    {
        private readonly nint _p0, _p1, _p2, _p3, _p4, _p5, _p6, _p7;

        // Written out slot by slot rather than as a loop over the bits: the mask is a constant where
        // the generated kernel calls in, so once inlined only its slots remain.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public NextRows(in KernelOperands row, int slots)
        {
            if ((slots & 1) != 0) _p0 = row.NextRowAddress(0);
            if ((slots & 2) != 0) _p1 = row.NextRowAddress(1);
            if ((slots & 4) != 0) _p2 = row.NextRowAddress(2);
            if ((slots & 8) != 0) _p3 = row.NextRowAddress(3);
            if ((slots & 16) != 0) _p4 = row.NextRowAddress(4);
            if ((slots & 32) != 0) _p5 = row.NextRowAddress(5);
            if ((slots & 64) != 0) _p6 = row.NextRowAddress(6);
            if ((slots & 128) != 0) _p7 = row.NextRowAddress(7);
        }

        /// <summary>Prefetches element <paramref name="i"/> of the next row of each input in <paramref name="slots"/>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Prefetch(int slots, nint i)
        {
            if ((slots & 1) != 0) KernelOperands.Prefetch(_p0, i);
            if ((slots & 2) != 0) KernelOperands.Prefetch(_p1, i);
            if ((slots & 4) != 0) KernelOperands.Prefetch(_p2, i);
            if ((slots & 8) != 0) KernelOperands.Prefetch(_p3, i);
            if ((slots & 16) != 0) KernelOperands.Prefetch(_p4, i);
            if ((slots & 32) != 0) KernelOperands.Prefetch(_p5, i);
            if ((slots & 64) != 0) KernelOperands.Prefetch(_p6, i);
            if ((slots & 128) != 0) KernelOperands.Prefetch(_p7, i);
        }
    }
}
