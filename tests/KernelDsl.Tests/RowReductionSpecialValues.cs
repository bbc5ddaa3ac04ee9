using System;
using System.Collections.Generic;
using System.Numerics.Tensors;
using Xunit;

namespace KernelDsl.Tests;

/// <summary>
/// Row Max and Min on the values where the hardware instruction and IEEE 754 differ: NaN anywhere in
/// the row (vector body or tail), rows of zeros of both signs (+0 is the larger), infinities. The
/// fused kernels must agree bit for bit with a fold of <see cref="MathF.Max(float, float)"/> and
/// <see cref="MathF.Min(float, float)"/>. Run here at this machine's widths and, through
/// <see cref="Program"/>, in the child processes of <see cref="SimdWidthTests"/> at the others.
/// </summary>
public sealed class RowReductionSpecialValueTests
{
    [Fact]
    public void RowMaxAndMinAgreeWithIeeeOnSpecialValues()
    {
        Mismatches.AssertNone(RowReductionSpecialValues.Run());
    }
}

public static class RowReductionSpecialValues
{
    private static readonly int[] Lengths = [1, 3, 15, 16, 17, 31, 33, 64, 65, 100];

    public static List<string> Run()
    {
        var failures = new List<string>();
        foreach (int length in Lengths)
        {
            foreach ((string name, float[] row) in Rows(length))
            {
                Check("RowMax", row, NdTestKernels.RowMaxFused, MathF.Max, float.NegativeInfinity, name, failures);
                Check("RowMin", row, NdTestKernels.RowMinFused, MathF.Min, float.PositiveInfinity, name, failures);
            }
        }

        return failures;
    }

    /// <summary>Rows of <paramref name="length"/> (at least 1) with NaN, zeros of both signs and infinities.</summary>
    internal static IEnumerable<(string Name, float[] Row)> Rows(int length)
    {
        var random = new Random(length);
        float[] Random() { var row = new float[length]; for (int i = 0; i < length; i++) row[i] = (float)(random.NextDouble() * 2 - 1); return row; }
        float[] Fill(Func<int, float> value) { var row = new float[length]; for (int i = 0; i < length; i++) row[i] = value(i); return row; }

        foreach (int at in new[] { 0, length / 2, length - 1 })
        {
            float[] row = Random();
            row[at] = float.NaN;
            yield return ($"NaN at {at} of {length}", row);
        }

        yield return ($"+0 then -0 ({length})", Fill(i => i % 2 == 0 ? 0f : -0f));
        yield return ($"-0 then +0 ({length})", Fill(i => i % 2 == 0 ? -0f : 0f));
        yield return ($"all -0 ({length})", Fill(_ => -0f));
        yield return ($"all +0 ({length})", Fill(_ => 0f));
        yield return ($"one +0 among -0 at the end ({length})", Fill(i => i == length - 1 ? 0f : -0f));
        yield return ($"negatives and one +0 among -0 ({length})", Fill(i => i == length / 3 ? 0f : i % 3 == 0 ? -0f : -1f - i));
        yield return ($"infinities ({length})", Fill(i => i % 5 == 0 ? float.PositiveInfinity : i % 5 == 1 ? float.NegativeInfinity : i));
        yield return ($"all -inf ({length})", Fill(_ => float.NegativeInfinity));
    }

    private static void Check(string kernel, float[] row, Func<Tensor<float>, Tensor<float>> fused, Func<float, float, float> combine, float identity, string name, List<string> failures)
    {
        // Two rows, so the second runs with the row runner's next-row state set up by the first.
        var values = new float[row.Length * 2];
        row.CopyTo(values, 0);
        row.CopyTo(values, row.Length);
        float expected = identity;
        foreach (float v in row)
        {
            expected = combine(expected, v);
        }

        Tensor<float> result = fused(Tensor.Create(values, [2, row.Length]));
        for (int r = 0; r < 2; r++)
        {
            float actual = result[r, 0];
            bool same = float.IsNaN(expected) ? float.IsNaN(actual) : BitConverter.SingleToInt32Bits(actual) == BitConverter.SingleToInt32Bits(expected);
            if (!same)
            {
                failures.Add($"{kernel} on {name}, row {r}: {actual} (bits {BitConverter.SingleToInt32Bits(actual):X8}), expected {expected} (bits {BitConverter.SingleToInt32Bits(expected):X8})");
            }
        }
    }
}
