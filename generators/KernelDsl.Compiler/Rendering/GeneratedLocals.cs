using System.Globalization;
using System.Linq;
using KernelDsl.Compiler.Common;
using KernelDsl.Compiler.Graph;

namespace KernelDsl.Compiler.Rendering;

/// <summary>
/// The names of the locals an entry point declares (<c>dim_B</c>, <c>destinationMemory</c>,
/// <c>tmp3</c>, <c>__copies</c>, ...) share the method's scope with the kernel's parameters, whose
/// names the user chose. They keep their plain, readable form unless a parameter's name could be
/// one of them; then every local of that kernel takes a prefix that begins no parameter's name, so
/// that none can collide.
/// </summary>
internal static class GeneratedLocals
{
    /// <summary>"" when no parameter could be named like a generated local, else the shortest of <c>k_</c>, <c>k1_</c>, <c>k2_</c>, ... that begins no parameter's name.</summary>
    public static string Prefix(EquatableArray<KernelParameter> parameters)
    {
        string[] names = parameters.Select(p => p.Name.TrimStart('@')).ToArray();
        if (!names.Any(MayBeLocal))
        {
            return "";
        }

        string prefix = "k_";
        for (int n = 1; names.Any(name => name.StartsWith(prefix, System.StringComparison.Ordinal)); n++)
        {
            prefix = "k" + n.ToString(CultureInfo.InvariantCulture) + "_";
        }

        return prefix;
    }

    // Every local an entry point declares starts with dim_, tmp or __, or ends with Scratch or
    // Memory (after a destination's name).
    private static bool MayBeLocal(string name)
        => name.StartsWith("dim_", System.StringComparison.Ordinal) || name.StartsWith("tmp", System.StringComparison.Ordinal)
            || name.StartsWith("__", System.StringComparison.Ordinal)
            || name.EndsWith("Scratch", System.StringComparison.Ordinal) || name.EndsWith("Memory", System.StringComparison.Ordinal);
}
