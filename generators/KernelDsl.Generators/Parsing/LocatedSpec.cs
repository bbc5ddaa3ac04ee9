using System;
using KernelDsl.Compiler;
using KernelDsl.Generators.Diagnostics;

namespace KernelDsl.Generators.Parsing;

/// <summary>
/// A kernel's spec and where its name is, for a failure of the back end (KD9999) to point at.
/// Equality is the spec's alone: an edit that only moves a kernel must not recompile it. The
/// location is therefore the one the kernel was compiled with; the generator reports its own
/// diagnostics at the kernel's current name instead (<c>KernelGenerator</c>'s name pass), so a
/// KD9999 follows the kernel when an edit above it moves it.
/// </summary>
internal sealed class LocatedSpec(KernelSpec spec, LocationInfo? name) : IEquatable<LocatedSpec>
{
    public KernelSpec Spec { get; } = spec;

    /// <summary>The kernel method's name in its declaration.</summary>
    public LocationInfo? Name { get; } = name;

    public bool Equals(LocatedSpec? other) => other is not null && Spec.Equals(other.Spec);

    public override bool Equals(object? obj) => Equals(obj as LocatedSpec);

    public override int GetHashCode() => Spec.GetHashCode();
}
