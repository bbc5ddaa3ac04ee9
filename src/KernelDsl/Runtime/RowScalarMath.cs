using System.ComponentModel;
using System.Runtime.CompilerServices;

namespace KernelDsl.Runtime;

/// <summary>
/// The vector math functions on one per-row value (a row's log-sum for a log-softmax, a scale
/// computed from a float parameter), out of line. A row kernel's row method inlines every pass, and
/// the JIT stops inlining past a budget, after which even its vector operations become calls
/// (docs/performance.md); a function such as <see cref="VectorMath.Exp{V}"/> inlined there on a
/// single lane spends that budget for one evaluation per row. Called here, it costs one call per
/// row and computes the same bits as every vector lane does.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public static class RowScalarMath
{
    private const MethodImplOptions OutOfLine = MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization;

    [MethodImpl(OutOfLine)] public static SimdScalar Exp(SimdScalar x) => VectorMath.Exp(x);
    [MethodImpl(OutOfLine)] public static SimdScalar Log(SimdScalar x) => VectorMath.Log(x);
    [MethodImpl(OutOfLine)] public static SimdScalar Tanh(SimdScalar x) => VectorMath.Tanh(x);
    [MethodImpl(OutOfLine)] public static SimdScalar Sigmoid(SimdScalar x) => VectorMath.Sigmoid(x);
    [MethodImpl(OutOfLine)] public static SimdScalar Erf(SimdScalar x) => VectorMath.Erf(x);
    [MethodImpl(OutOfLine)] public static SimdScalar Erfc(SimdScalar x) => VectorMath.Erfc(x);
    [MethodImpl(OutOfLine)] public static SimdScalar Sin(SimdScalar x) => VectorMath.Sin(x);
    [MethodImpl(OutOfLine)] public static SimdScalar Cos(SimdScalar x) => VectorMath.Cos(x);
    [MethodImpl(OutOfLine)] public static SimdScalar NormalCdf(SimdScalar x) => VectorMath.NormalCdf(x);
    [MethodImpl(OutOfLine)] public static SimdScalar Pow(SimdScalar x, SimdScalar y) => VectorMath.Pow(x, y);
}
