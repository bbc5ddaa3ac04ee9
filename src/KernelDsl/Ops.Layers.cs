using System.Numerics.Tensors;
using KernelDsl.Composites;

namespace KernelDsl;

public static partial class Ops
{
    /// <summary>The softmax along <paramref name="axis"/>: exp(x - max) / sum(exp(x - max)).</summary>
    public static Tensor<float> Softmax(Tensor<float> x, int axis = -1) => LayerComposites.Softmax(EagerAlgebra.Instance, Checked(x), axis);

    /// <summary>The log of the softmax along <paramref name="axis"/>, computed without forming the softmax.</summary>
    public static Tensor<float> LogSoftmax(Tensor<float> x, int axis = -1) => LayerComposites.LogSoftmax(EagerAlgebra.Instance, Checked(x), axis);

    /// <summary>Layer normalization over the last axis: (x - mean) / sqrt(variance + epsilon) · gamma + beta.</summary>
    public static Tensor<float> LayerNorm(Tensor<float> x, Tensor<float> gamma, Tensor<float> beta, float epsilon = 1e-5f)
        => LayerComposites.LayerNorm(EagerAlgebra.Instance, Checked(x), Checked(gamma, nameof(gamma)), Checked(beta, nameof(beta)), epsilon);

    /// <summary>Root-mean-square normalization over the last axis: x / sqrt(mean(x²) + epsilon) · gamma.</summary>
    public static Tensor<float> RmsNorm(Tensor<float> x, Tensor<float> gamma, float epsilon = 1e-6f)
        => LayerComposites.RmsNorm(EagerAlgebra.Instance, Checked(x), Checked(gamma, nameof(gamma)), epsilon);

    /// <summary>The composites' primitives, run eagerly on tensors.</summary>
    private sealed class EagerAlgebra : ITensorAlgebra<Tensor<float>>
    {
        public static readonly EagerAlgebra Instance = new();

        public Tensor<float> Add(Tensor<float> left, Tensor<float> right) => Tensor.Add<float>(left, right);

        public Tensor<float> Subtract(Tensor<float> left, Tensor<float> right) => Tensor.Subtract<float>(left, right);

        public Tensor<float> Multiply(Tensor<float> left, Tensor<float> right) => Tensor.Multiply<float>(left, right);

        public Tensor<float> Divide(Tensor<float> left, Tensor<float> right) => Tensor.Divide<float>(left, right);

        public Tensor<float> Scalar(float value) => Filled(value);

        public Tensor<float> Exp(Tensor<float> x) => Ops.Exp(x);

        public Tensor<float> Log(Tensor<float> x) => Ops.Log(x);

        public Tensor<float> Sqrt(Tensor<float> x) => Ops.Sqrt(x);

        public Tensor<float> Max(Tensor<float> x, int axis, bool keepDims) => Ops.Max(x, axis, keepDims);

        public Tensor<float> Sum(Tensor<float> x, int axis, bool keepDims) => Ops.Sum(x, axis, keepDims);

        public Tensor<float> Mean(Tensor<float> x, int axis, bool keepDims) => Ops.Mean(x, axis, keepDims);
    }
}
