using System.Collections.Generic;
using System.Linq;

namespace KernelDsl.Compiler.Graph;

/// <summary>
/// Einsum over two operands, lowered to the IR's matrix product: each operand is transposed (a view,
/// free for the GEMM) to [batch..., free, summed] and [batch..., summed, free], multiplied, and the
/// product transposed to the output's order if needed. Letters in both operands and the output are
/// batch dimensions; a letter in both operands but not the output is summed; a letter in one operand
/// and the output is that operand's free dimension. An operand may have several free dimensions: the
/// one that comes last in the output is its row (or column), the others become batch dimensions the
/// other operand broadcasts over. Specs that need more than one product per batch element (two
/// summed letters, an operand with no letter of its own, a letter summed within one operand) are
/// reported as not compiled yet.
/// </summary>
public static class EinsumLowering
{
    /// <summary>
    /// The most batch dimensions a lowered product may have: the runtime GEMM's limit
    /// (<c>Gemm.MaxBatchRank</c>). Only an outer product of batches can exceed it, since a kernel
    /// tensor has at most nine dimensions.
    /// </summary>
    public const int MaxBatchRank = 7;

    /// <summary>The parsed spec: each operand's letters and the output's.</summary>
    public sealed record Spec(string Left, string Right, string Output);

    /// <summary>Parses "bik,bkj->bij"; returns null and a problem when malformed.</summary>
    public static Spec? Parse(string text, out string? problem)
    {
        problem = null;
        string compact = text.Replace(" ", "");
        int arrow = compact.IndexOf("->", System.StringComparison.Ordinal);
        string[] inputs = arrow < 0 ? new string[0] : compact.Substring(0, arrow).Split(',');
        if (arrow < 0 || inputs.Length != 2)
        {
            problem = "expected two operands' subscripts and an output, as in \"bik,bkj->bij\"";
            return null;
        }

        string output = compact.Substring(arrow + 2);
        foreach (string part in new[] { inputs[0], inputs[1], output })
        {
            if (!part.All(c => c is >= 'a' and <= 'z' or >= 'A' and <= 'Z') || part.Distinct().Count() != part.Length)
            {
                problem = $"\"{part}\" must be distinct letters, one per dimension";
                return null;
            }
        }

        char stray = output.FirstOrDefault(c => inputs[0].IndexOf(c) < 0 && inputs[1].IndexOf(c) < 0);
        if (stray != '\0')
        {
            problem = $"the output letter {stray} appears in no operand";
            return null;
        }

        return new Spec(inputs[0], inputs[1], output);
    }

    /// <summary>Builds the product for a valid spec; returns null and the reason when the spec is not compiled yet.</summary>
    public static int? Lower(GraphBuilder builder, Spec spec, int left, int right, out string? problem)
    {
        problem = null;
        string batch = new string(spec.Output.Where(c => spec.Left.IndexOf(c) >= 0 && spec.Right.IndexOf(c) >= 0).ToArray());
        string leftFree = new string(spec.Left.Where(c => spec.Right.IndexOf(c) < 0).ToArray());
        string rightFree = new string(spec.Right.Where(c => spec.Left.IndexOf(c) < 0).ToArray());
        string summed = new string(spec.Left.Where(c => spec.Right.IndexOf(c) >= 0 && spec.Output.IndexOf(c) < 0).ToArray());
        if (leftFree.Any(c => spec.Output.IndexOf(c) < 0) || rightFree.Any(c => spec.Output.IndexOf(c) < 0))
        {
            problem = "a letter summed within one operand is not compiled yet; reduce that operand with Sum first";
            return null;
        }

        if (leftFree.Length == 0 || rightFree.Length == 0 || summed.Length != 1)
        {
            problem = $"this spec is not compiled yet: a compiled Einsum is one matrix product per batch element, with at least one letter only in each operand (here {Describe(leftFree)} and {Describe(rightFree)}) and exactly one summed letter (here {Describe(summed)})";
            return null;
        }

        // The operand letter that comes last in the output is the product's row (or column) letter;
        // an operand's other letters of its own lead its batch dimensions, where the other operand,
        // which lacks them, broadcasts: "btk,kn->btn" is [b] batches of [t, k]·[k, n] sharing the
        // weights, which the GEMM runs as one product of [b·t] rows.
        char row = leftFree.OrderBy(c => spec.Output.IndexOf(c)).Last();
        char column = rightFree.OrderBy(c => spec.Output.IndexOf(c)).Last();
        string leftExtra = new string(spec.Output.Where(c => c != row && leftFree.IndexOf(c) >= 0).ToArray());
        string rightExtra = new string(spec.Output.Where(c => c != column && rightFree.IndexOf(c) >= 0).ToArray());

        int batchRank = leftExtra.Length + rightExtra.Length + batch.Length;
        if (batchRank > MaxBatchRank)
        {
            problem = $"this spec is not compiled yet: its product would have {batchRank} batch dimensions ({Describe(leftExtra + rightExtra + batch)}), and a compiled matrix product has at most {MaxBatchRank}";
            return null;
        }

        // When both operands have such letters ("abk,cdk->abcd", an outer product of batches), the
        // left operand's batch dimensions are [leftExtra, rightExtra, batch] with a unit axis for each
        // of the right operand's letters: a reshape appends them (each 0 keeps a dimension, each 1 adds
        // a unit axis, still a view of the same memory) and the transpose below moves them into place.
        // The right operand's [rightExtra, batch] then broadcasts against them and its missing leading
        // leftExtra, and the product runs as one GEMM call over every pair of batches.
        bool outer = leftExtra.Length > 0 && rightExtra.Length > 0;
        int leftOperand = outer
            ? builder.Reshape(left, Enumerable.Repeat(0, spec.Left.Length).Concat(Enumerable.Repeat(1, rightExtra.Length)).ToArray())
            : left;
        string leftLetters = outer ? spec.Left + rightExtra : spec.Left;
        string leftBatch = outer ? leftExtra + rightExtra + batch : leftExtra + batch;
        int a = View(builder, leftOperand, leftLetters, leftBatch + row + summed);
        int b = View(builder, right, spec.Right, rightExtra + batch + summed + column);
        int product = builder.Apply(Op.MatMul, a, b);
        return View(builder, product, leftExtra + rightExtra + batch + row + column, spec.Output);
    }

    /// <summary>A transpose of <paramref name="node"/> from subscripts <paramref name="from"/> to <paramref name="to"/>; the node itself when they agree.</summary>
    private static int View(GraphBuilder builder, int node, string from, string to)
        => from == to ? node : builder.Transpose(node, to.Select(c => from.IndexOf(c)).ToArray());

    private static string Describe(string letters) => letters.Length == 0 ? "none" : string.Join(", ", letters.ToCharArray());
}
