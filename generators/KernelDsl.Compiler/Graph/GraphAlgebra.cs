using KernelDsl.Composites;

namespace KernelDsl.Compiler.Graph;

/// <summary>The composites' primitives as graph nodes: how a front end expands Softmax, LayerNorm, ... into the IR.</summary>
internal sealed class GraphAlgebra(GraphBuilder builder) : ITensorAlgebra<int>
{
    public int Add(int left, int right) => builder.Apply(Op.Add, left, right);

    public int Subtract(int left, int right) => builder.Apply(Op.Sub, left, right);

    public int Multiply(int left, int right) => builder.Apply(Op.Mul, left, right);

    public int Divide(int left, int right) => builder.Apply(Op.Div, left, right);

    public int Scalar(float value) => builder.Constant(value);

    public int Exp(int x) => builder.Apply(Op.Exp, x);

    public int Log(int x) => builder.Apply(Op.Log, x);

    public int Sqrt(int x) => builder.Apply(Op.Sqrt, x);

    public int Max(int x, int axis, bool keepDims) => builder.Reduce(Op.ReduceMax, x, keepDims, axis);

    public int Sum(int x, int axis, bool keepDims) => builder.Reduce(Op.Sum, x, keepDims, axis);

    public int Mean(int x, int axis, bool keepDims) => builder.Reduce(Op.Mean, x, keepDims, axis);
}
