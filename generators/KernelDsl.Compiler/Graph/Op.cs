namespace KernelDsl.Compiler.Graph;

/// <summary>The operations of the graph IR.</summary>
public enum Op
{
    // Leaves.
    /// <summary>A tensor parameter of the kernel (<see cref="GraphNode.Parameter"/>).</summary>
    Input,
    /// <summary>A float parameter of the kernel (<see cref="GraphNode.Parameter"/>), the same for every element.</summary>
    ScalarInput,
    /// <summary>A float literal (<see cref="GraphNode.Constant"/>).</summary>
    Constant,

    // Elementwise primitives: every backend implements these.
    Neg,
    Abs,
    Sqrt,
    Exp,
    Log,
    Tanh,
    Sigmoid,
    Erf,
    Erfc,
    Sin,
    Cos,
    /// <summary>The standard normal CDF Φ(x); produced by lowering Gelu.</summary>
    NormalCdf,
    Add,
    Sub,
    Mul,
    Div,
    Min,
    Max,
    Pow,
    Less,
    LessEqual,
    Greater,
    GreaterEqual,
    Equal,
    NotEqual,
    /// <summary>Select(condition, whenTrue, whenFalse).</summary>
    Where,

    // Reductions: one operand; GraphNode.Attributes holds keepDims (0 or 1), then the axes as written
    // (negative counts from the end). Shape inference normalizes them.
    /// <summary>The sum along the axes.</summary>
    Sum,
    /// <summary>The mean along the axes.</summary>
    Mean,
    /// <summary>The product along the axes.</summary>
    Prod,
    /// <summary>The maximum along the axes.</summary>
    ReduceMax,
    /// <summary>The minimum along the axes.</summary>
    ReduceMin,

    // Contractions and views.
    /// <summary>The matrix product (NumPy matmul): [..., M, K] · [..., K, N].</summary>
    MatMul,
    /// <summary>Reorders dimensions without moving data; Attributes is the permutation, or empty to swap the last two.</summary>
    Transpose,
    /// <summary>A range along one axis without moving data; Attributes is [axis, start, length].</summary>
    Slice,
    /// <summary>New dimensions over the same dense elements; Attributes are the requested lengths (0 copies the operand's, -1 is inferred), as in ONNX.</summary>
    Reshape,

    /// <summary>Operands joined along one axis (Attributes is [axis], negative counting from the end); every other dimension the same. Any number of operands, at least two.</summary>
    Concat,

    /// <summary>The results of a kernel that returns several tensors: only ever the graph's output node, operands in order.</summary>
    Tuple,

    // Composites: front ends produce them, LowerComposites rewrites them into primitives.
    Relu,
    Gelu,
    Silu,
    /// <summary>LeakyRelu(x, alpha).</summary>
    LeakyRelu,
    /// <summary>Clamp(x, min, max).</summary>
    Clamp,
}

/// <summary>Facts about each <see cref="Op"/>: arity, category, spelling and cost.</summary>
public static class OpInfo
{
    /// <summary>How many operands the op takes; -1 for <see cref="IsVariadic"/> ops.</summary>
    public static int Arity(Op op) => op switch
    {
        Op.Input or Op.ScalarInput or Op.Constant => 0,
        Op.Neg or Op.Abs or Op.Sqrt or Op.Exp or Op.Log or Op.Tanh or Op.Sigmoid or Op.Erf or Op.Erfc or Op.Sin or Op.Cos or Op.NormalCdf
            or Op.Relu or Op.Gelu or Op.Silu => 1,
        Op.Sum or Op.Mean or Op.Prod or Op.ReduceMax or Op.ReduceMin or Op.Transpose or Op.Slice or Op.Reshape => 1,
        Op.Where or Op.Clamp => 3,
        Op.Tuple or Op.Concat => -1,
        _ => 2,
    };

    /// <summary>Whether the op is a function the runtime's <c>VectorMath</c> computes (a transcendental, or Pow), rather than an operator or intrinsic.</summary>
    public static bool IsVectorMathFunction(Op op)
        => op is Op.Exp or Op.Log or Op.Tanh or Op.Sigmoid or Op.Erf or Op.Erfc or Op.Sin or Op.Cos or Op.NormalCdf or Op.Pow;

    /// <summary>Whether the op yields a boolean mask rather than floats.</summary>
    public static bool IsComparison(Op op) => op is Op.Less or Op.LessEqual or Op.Greater or Op.GreaterEqual or Op.Equal or Op.NotEqual;

    /// <summary>Whether the op reduces its operand along axes.</summary>
    public static bool IsReduction(Op op) => op is Op.Sum or Op.Mean or Op.Prod or Op.ReduceMax or Op.ReduceMin;

    /// <summary>Whether the op maps elements to elements (with broadcasting): everything but leaves, reductions, contractions, views, Concat and Tuple.</summary>
    public static bool IsElementwise(Op op) => Arity(op) > 0 && !IsReduction(op) && op is not Op.MatMul && !IsView(op);

    /// <summary>Whether the op is a view: it selects, reorders or regroups elements of its operand without computing (Transpose, Slice, Reshape).</summary>
    public static bool IsView(Op op) => op is Op.Transpose or Op.Slice or Op.Reshape;

    /// <summary>Whether the op takes any number of operands (checked by the validator instead of <see cref="Arity"/>).</summary>
    public static bool IsVariadic(Op op) => op is Op.Tuple or Op.Concat;

    /// <summary>The DSL function a reduction is spelled with.</summary>
    public static string ReductionName(Op op) => op switch
    {
        Op.ReduceMax => "Max",
        Op.ReduceMin => "Min",
        _ => op.ToString(),
    };

    /// <summary>Whether <see cref="Passes.LowerComposites"/> must rewrite the op before code generation.</summary>
    public static bool IsComposite(Op op) => op is Op.Relu or Op.Gelu or Op.Silu or Op.LeakyRelu or Op.Clamp;

    /// <summary>The infix operator of arithmetic ops, or null.</summary>
    public static string? InfixSymbol(Op op) => op switch
    {
        Op.Add => "+",
        Op.Sub => "-",
        Op.Mul => "*",
        Op.Div => "/",
        Op.Less => "<",
        Op.LessEqual => "<=",
        Op.Greater => ">",
        Op.GreaterEqual => ">=",
        Op.Equal => "==",
        Op.NotEqual => "!=",
        _ => null,
    };
}
