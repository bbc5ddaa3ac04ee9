namespace KernelDsl.Composites;

/// <summary>
/// Normalization layers written from the DSL's primitives, once, for both the eager
/// <see cref="Ops"/> and the compiler (see <see cref="ITensorAlgebra{T}"/>). The fusion planner sees
/// only the primitives: a softmax is a max, an exp, a sum and a divide, and fuses like any other
/// expression of them.
/// </summary>
internal static class LayerComposites
{
    /// <summary>exp(x - max(x)) / sum(exp(x - max(x))) along <paramref name="axis"/>; subtracting the maximum keeps exp from overflowing.</summary>
    public static T Softmax<T>(ITensorAlgebra<T> ops, T x, int axis)
    {
        T shifted = ops.Subtract(x, ops.Max(x, axis, keepDims: true));
        T e = ops.Exp(shifted);
        return ops.Divide(e, ops.Sum(e, axis, keepDims: true));
    }

    /// <summary>(x - max(x)) - log(sum(exp(x - max(x)))) along <paramref name="axis"/>.</summary>
    public static T LogSoftmax<T>(ITensorAlgebra<T> ops, T x, int axis)
    {
        T shifted = ops.Subtract(x, ops.Max(x, axis, keepDims: true));
        return ops.Subtract(shifted, ops.Log(ops.Sum(ops.Exp(shifted), axis, keepDims: true)));
    }

    /// <summary>(x - mean) / sqrt(variance + epsilon) · gamma + beta over the last axis (biased variance, as in PyTorch and ONNX).</summary>
    public static T LayerNorm<T>(ITensorAlgebra<T> ops, T x, T gamma, T beta, float epsilon)
    {
        T centered = ops.Subtract(x, ops.Mean(x, -1, keepDims: true));
        T variance = ops.Mean(ops.Multiply(centered, centered), -1, keepDims: true);
        T normalized = ops.Divide(centered, ops.Sqrt(ops.Add(variance, ops.Scalar(epsilon))));
        return ops.Add(ops.Multiply(normalized, gamma), beta);
    }

    /// <summary>x / sqrt(mean(x²) + epsilon) · gamma over the last axis.</summary>
    public static T RmsNorm<T>(ITensorAlgebra<T> ops, T x, T gamma, float epsilon)
    {
        T meanSquare = ops.Mean(ops.Multiply(x, x), -1, keepDims: true);
        return ops.Multiply(ops.Divide(x, ops.Sqrt(ops.Add(meanSquare, ops.Scalar(epsilon)))), gamma);
    }
}
