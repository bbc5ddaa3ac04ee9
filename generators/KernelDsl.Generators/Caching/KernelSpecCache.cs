using System;
using System.Collections.Generic;
using System.Threading;
using KernelDsl.Compiler;
using KernelDsl.Compiler.Common;
using KernelDsl.Generators.Parsing;
using Microsoft.CodeAnalysis;

namespace KernelDsl.Generators.Caching;

/// <summary>
/// Keeps the parse step from re-binding kernels an edit did not touch. Roslyn re-runs a syntax
/// provider's transform for every kernel whenever the compilation changes (a semantic model may
/// differ), and reading every kernel again (binding it, or the syntax path's lookups and shape
/// checks) for a one-kernel edit would cost a cold run each time; so the transform asks here first. A kernel's spec is reused when its own text, its containing type and file, the text of
/// every kernel it inlines (calls), and the compilation's <see cref="DeclarationFingerprint"/> are
/// unchanged; any change to a declaration anywhere, to the options or to the references starts over.
/// </summary>
/// <remarks>
/// One cache per generator instance, which lives as long as its driver (an IDE session or one
/// build). Entries not looked up during a whole run are dropped at the next, so edits do not
/// accumulate stale specs. The last compilation is held weakly (it is only compared by identity).
/// </remarks>
internal sealed class KernelSpecCache
{
    private readonly object gate = new();
    // Weak: the compilation is only compared by identity, and holding it would keep every symbol
    // and bound tree of an IDE's last compilation alive after the workspace has moved on.
    private readonly WeakReference<Compilation?> compilation = new(null);
    private DeclarationFingerprint? fingerprint;
    private Dictionary<Key, Entry> current = new();
    private Dictionary<Key, Entry> previous = new();
    private int bound;

    /// <summary>How many kernels have been bound (cache misses) since this cache was created.</summary>
    public int KernelsBound => Volatile.Read(ref bound);

    /// <summary>The spec of the kernel <paramref name="method"/> declared by <paramref name="methodText"/>, from the cache or from <paramref name="parse"/>.</summary>
    public KernelSpec? GetOrParse(Compilation compilation, IMethodSymbol method, string filePath, string methodText, Func<KernelParseResult> parse)
    {
        var key = new Key(filePath, method.ContainingType?.ToDisplayString() ?? "", methodText);
        lock (gate)
        {
            Advance(compilation);
            if (current.TryGetValue(key, out Entry entry))
            {
                return entry.Spec;
            }

            if (previous.TryGetValue(key, out entry) && InlinedUnchanged(compilation, entry.Inlined))
            {
                current[key] = entry;
                return entry.Spec;
            }
        }

        KernelParseResult parsed = parse();
        Interlocked.Increment(ref bound);
        lock (gate)
        {
            if (IsCurrent(compilation))
            {
                current[key] = new Entry(parsed.Spec, parsed.Inlined);
            }
        }

        return parsed.Spec;
    }

    /// <summary>
    /// Whether every kernel a cached kernel inlined still reads as it did: an edit to a called kernel
    /// changes no declaration (the fingerprint) and not the caller's own text, yet changes what the
    /// caller computes.
    /// </summary>
    private static bool InlinedUnchanged(Compilation compilation, EquatableArray<InlinedKernel> inlined)
    {
        foreach (InlinedKernel kernel in inlined)
        {
            if (DocumentationCommentId.GetFirstSymbolForDeclarationId(kernel.Id, compilation) is not IMethodSymbol method
                || KernelParser.DeclarationText(method) != kernel.Text)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Moves to a new compilation: keeps last run's entries if no declaration changed, else drops them all.</summary>
    private void Advance(Compilation next)
    {
        if (IsCurrent(next))
        {
            return;
        }

        DeclarationFingerprint nextFingerprint = DeclarationFingerprint.Of(next);
        if (nextFingerprint.Equals(fingerprint))
        {
            previous = current;
        }
        else
        {
            previous = new Dictionary<Key, Entry>();
        }

        current = new Dictionary<Key, Entry>();
        compilation.SetTarget(next);
        fingerprint = nextFingerprint;
    }

    private bool IsCurrent(Compilation other) => compilation.TryGetTarget(out Compilation? last) && ReferenceEquals(last, other);

    private readonly record struct Key(string FilePath, string ContainingType, string MethodText);

    private readonly record struct Entry(KernelSpec? Spec, EquatableArray<InlinedKernel> Inlined);
}
