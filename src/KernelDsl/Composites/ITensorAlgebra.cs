namespace KernelDsl.Composites;

/// <summary>
/// The primitive tensor operations the DSL's composite layers are written with. The same composite
/// source is compiled twice: into the runtime, where <typeparamref name="T"/> is an eager tensor, and
/// into the compiler, where <typeparamref name="T"/> is a graph node; so the fused form of a layer
/// is built from exactly the primitives its eager form runs, with no special case in the generator.
/// </summary>
internal interface ITensorAlgebra<T>
{
    T Add(T left, T right);
    T Subtract(T left, T right);
    T Multiply(T left, T right);
    T Divide(T left, T right);

    /// <summary>A scalar constant, broadcast against any tensor.</summary>
    T Scalar(float value);

    T Exp(T x);
    T Log(T x);
    T Sqrt(T x);
    T Max(T x, int axis, bool keepDims);
    T Sum(T x, int axis, bool keepDims);
    T Mean(T x, int axis, bool keepDims);
}
