using System.Linq;
using KernelDsl.Compiler.Graph;

namespace KernelDsl.Generators.Parsing;

/// <summary>
/// Maps the functions of <c>KernelDsl.Ops</c> to graph ops. A function the catalog does not know is
/// reported as unsupported (KD0005) rather than miscompiled; adding an op to the DSL means adding
/// its eager form to Ops, its row here, and its lowering or renderer rule in the compiler.
/// </summary>
internal static class OpsCatalog
{
    public const string OpsTypeName = "KernelDsl.Ops";

    /// <summary>The graph op for a call of <c>Ops.<paramref name="name"/></c> with <paramref name="arity"/> arguments, or null.</summary>
    public static Op? Find(string name, int arity) => (name, arity) switch
    {
        ("Exp", 1) => Op.Exp,
        ("Log", 1) => Op.Log,
        ("Sqrt", 1) => Op.Sqrt,
        ("Abs", 1) => Op.Abs,
        ("Tanh", 1) => Op.Tanh,
        ("Sigmoid", 1) => Op.Sigmoid,
        ("Erf", 1) => Op.Erf,
        ("Erfc", 1) => Op.Erfc,
        ("Sin", 1) => Op.Sin,
        ("Cos", 1) => Op.Cos,
        ("Relu", 1) => Op.Relu,
        ("Gelu", 1) => Op.Gelu,
        ("Silu", 1) => Op.Silu,
        ("LeakyRelu", 2) => Op.LeakyRelu,
        ("Min", 2) => Op.Min,
        ("Max", 2) => Op.Max,
        ("Pow", 2) => Op.Pow,
        ("Clamp", 3) => Op.Clamp,
        ("LessThan", 2) => Op.Less,
        ("LessThanOrEqual", 2) => Op.LessEqual,
        ("GreaterThan", 2) => Op.Greater,
        ("GreaterThanOrEqual", 2) => Op.GreaterEqual,
        ("Equal", 2) => Op.Equal,
        ("NotEqual", 2) => Op.NotEqual,
        ("Where", 3) => Op.Where,
        _ => null,
    };

    public const string MathFTypeName = "System.MathF";

    /// <summary>
    /// The graph op for a call of <c>System.MathF.<paramref name="name"/></c> on float values (a
    /// scale such as <c>1f / MathF.Sqrt(d)</c>), or null: the functions whose fused form is the
    /// Ops function of the same name, with the same special cases.
    /// </summary>
    public static Op? FindMathF(string name, int arity)
        => System.Array.IndexOf(MathFFunctions, name) >= 0 ? Find(name, arity) : null;

    /// <summary>The <c>System.MathF</c> functions a kernel body may call on float values.</summary>
    private static readonly string[] MathFFunctions = { "Sqrt", "Exp", "Log", "Abs", "Tanh", "Sin", "Cos", "Pow", "Min", "Max" };

    /// <summary>Those functions' names as the diagnostics list them: "Sqrt, Exp, ..., Min and Max".</summary>
    public static string MathFFunctionList { get; } =
        string.Join(", ", MathFFunctions.Take(MathFFunctions.Length - 1)) + " and " + MathFFunctions[MathFFunctions.Length - 1];
}
