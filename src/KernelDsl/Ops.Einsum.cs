using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics.Tensors;
using KernelDsl.Runtime;

namespace KernelDsl;

public static partial class Ops
{
    /// <summary>
    /// Einstein summation over two operands: <c>Einsum("bik,bkj->bij", a, b)</c>. Each operand's
    /// subscripts name its dimensions (one letter each); letters in the output are kept, the others
    /// are summed over; a letter must have the same size wherever it appears. The output subscripts
    /// are required (no implicit mode, no ellipsis).
    /// </summary>
    /// <exception cref="ArgumentException">The spec is malformed, does not match the operands' ranks, or a letter has two sizes.</exception>
    public static Tensor<float> Einsum(string spec, Tensor<float> a, Tensor<float> b)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        (string left, string right, string output) = ParseEinsum(spec, a.Rank, b.Rank);

        var sizes = new Dictionary<char, nint>();
        void Bind(string subscripts, ReadOnlySpan<nint> lengths, string operand)
        {
            for (int d = 0; d < subscripts.Length; d++)
            {
                if (sizes.TryGetValue(subscripts[d], out nint size) && size != lengths[d])
                {
                    throw new ArgumentException($"Einsum \"{spec}\": {subscripts[d]} is {size} in one operand but {lengths[d]} in {operand}.", operand);
                }

                sizes[subscripts[d]] = lengths[d];
            }
        }

        Bind(left, a.Lengths, nameof(a));
        Bind(right, b.Lengths, nameof(b));

        // Every letter gets a position; output letters first, so each output element's terms are
        // summed together, in order. Each operand's offset is a dot product of the letter indices
        // with its strides (0 for letters it lacks).
        char[] letters = sizes.Keys.OrderBy(c => output.IndexOf(c) < 0 ? 1 : 0).ThenBy(c => output.IndexOf(c)).ToArray();
        nint[] lengths = letters.Select(c => sizes[c]).ToArray();
        nint[] StridesOf(string subscripts)
        {
            var strides = new nint[letters.Length];
            nint stride = 1;
            for (int d = subscripts.Length - 1; d >= 0; d--)
            {
                strides[Array.IndexOf(letters, subscripts[d])] = stride;
                stride *= sizes[subscripts[d]];
            }

            return strides;
        }

        nint[] leftStrides = StridesOf(left), rightStrides = StridesOf(right), outputStrides = StridesOf(output);
        float[] x = Broadcasting.Flatten(a, a.Lengths.ToArray());
        float[] y = Broadcasting.Flatten(b, b.Lengths.ToArray());
        nint[] outputShape = output.Select(c => sizes[c]).ToArray();
        var result = new float[outputShape.Aggregate((nint)1, (p, q) => p * q)];
        if (lengths.All(l => l > 0))
        {
            var index = new nint[letters.Length];
            nint xo = 0, yo = 0, ro = 0;
            while (true)
            {
                result[ro] += x[xo] * y[yo];
                int l = letters.Length - 1;
                for (; l >= 0; l--)
                {
                    xo += leftStrides[l];
                    yo += rightStrides[l];
                    ro += outputStrides[l];
                    if (++index[l] < lengths[l])
                    {
                        break;
                    }

                    xo -= lengths[l] * leftStrides[l];
                    yo -= lengths[l] * rightStrides[l];
                    ro -= lengths[l] * outputStrides[l];
                    index[l] = 0;
                }

                if (l < 0)
                {
                    break;
                }
            }
        }

        return Tensor.Create(result, outputShape.Length == 0 ? [1] : outputShape);
    }

    /// <summary>Splits "ab,bc->ac" and checks it against the operands' ranks.</summary>
    internal static (string Left, string Right, string Output) ParseEinsum(string spec, int leftRank, int rightRank)
    {
        string compact = spec.Replace(" ", "");
        int arrow = compact.IndexOf("->", StringComparison.Ordinal);
        string[] inputs = arrow < 0 ? [] : compact[..arrow].Split(',');
        if (arrow < 0 || inputs.Length != 2)
        {
            throw new ArgumentException($"Einsum \"{spec}\": expected two operands' subscripts and an output, as in \"bik,bkj->bij\".", nameof(spec));
        }

        string output = compact[(arrow + 2)..];
        foreach (string part in new[] { inputs[0], inputs[1], output })
        {
            if (!part.All(char.IsAsciiLetter) || part.Distinct().Count() != part.Length)
            {
                throw new ArgumentException($"Einsum \"{spec}\": \"{part}\" must be distinct letters, one per dimension.", nameof(spec));
            }
        }

        if (inputs[0].Length != leftRank || inputs[1].Length != rightRank)
        {
            throw new ArgumentException($"Einsum \"{spec}\": the operands have ranks {leftRank} and {rightRank}, but the subscripts name {inputs[0].Length} and {inputs[1].Length} dimensions.", nameof(spec));
        }

        char? stray = output.FirstOrDefault(c => !inputs[0].Contains(c) && !inputs[1].Contains(c));
        if (stray is char c && c != '\0')
        {
            throw new ArgumentException($"Einsum \"{spec}\": the output letter {c} appears in no operand.", nameof(spec));
        }

        return (inputs[0], inputs[1], output);
    }
}
