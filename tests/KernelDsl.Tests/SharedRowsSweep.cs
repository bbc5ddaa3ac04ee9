using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics.Tensors;
using Xunit;

namespace KernelDsl.Tests;

/// <summary>
/// Tuple kernels whose results share one row group (the output pass stores the other results
/// beside its own; a result of one value per row is stored as it is computed, also in groups whose
/// every value is one per row) against float64
/// references, at row lengths that cross every vector width's edges and reach past the length from
/// which the output pass aligns its stores (32 vectors), so that the first vector, the element-by-
/// element tail and the reloaded exps of a softmax stored in another result's destination are all
/// exercised. The width tests' child processes run this at Vector256, Vector128 and scalar widths.
/// </summary>
public static class SharedRowsSweep
{
    private static readonly int[] RowLengths = [1, 2, 3, 4, 7, 8, 9, 15, 16, 17, 31, 33, 64, 65, 127, 257, 511, 513, 527, 1031];

    public static List<string> Run()
    {
        var failures = new List<string>();
        var random = new Random(29);
        foreach (int n in RowLengths)
        {
            foreach (int rows in new[] { 1, 3 })
            {
                Tensor<float> x = TensorTestExtensions.Draw(random, rows, n), gamma = TensorTestExtensions.Draw(random, n), beta = TensorTestExtensions.Draw(random, n);
                RefTensor rx = RefTensor.From(x);
                RefTensor shifted = rx - rx.Max();
                RefTensor exp = shifted.Map(Math.Exp);
                RefTensor softmax = exp / exp.Sum();
                string size = $"[{rows}, {n}]";

                (Tensor<float> scaled, Tensor<float> probabilities) = TupleKernels.ScaledAndSoftmaxFused(x);
                Compare(failures, $"ScaledAndSoftmax {size}, result 1", rx * 2, scaled);
                Compare(failures, $"ScaledAndSoftmax {size}, result 2", softmax, probabilities);

                (Tensor<float> probabilities2, Tensor<float> logs) = TupleKernels.SoftmaxAndLogSoftmaxFused(x);
                Compare(failures, $"SoftmaxAndLogSoftmax {size}, result 1", softmax, probabilities2);
                Compare(failures, $"SoftmaxAndLogSoftmax {size}, result 2", shifted - exp.Sum().Map(Math.Log), logs);

                RefTensor mean = rx.Mean();
                RefTensor centered = rx - mean;
                RefTensor inverse = (centered * centered).Mean().Map(v => 1 / Math.Sqrt(v + 1e-5));
                (Tensor<float> normalized, Tensor<float> m, Tensor<float> inv) = TupleKernels.LayerNormWithStatisticsFused(x, gamma, beta);
                Compare(failures, $"LayerNormWithStatistics {size}, result 1", centered * inverse * RefTensor.From(gamma) + RefTensor.From(beta), normalized);
                Compare(failures, $"LayerNormWithStatistics {size}, result 2", mean, m);
                Compare(failures, $"LayerNormWithStatistics {size}, result 3", inverse, inv);

                (Tensor<float> c, Tensor<float> m2) = TupleKernels.CenteredAndMeanFused(x);
                Compare(failures, $"CenteredAndMean {size}, result 1", centered, c);
                Compare(failures, $"CenteredAndMean {size}, result 2", mean, m2);

                // Elementwise results of one vector: across cores its row is cut into pieces, each
                // storing both results at its own offset.
                Tensor<float> vector = TensorTestExtensions.Draw(random, rows * n);
                RefTensor rv = RefTensor.From(vector);
                (Tensor<float> e1, Tensor<float> l1) = TupleKernels.ExpAndLogFused(vector);
                Compare(failures, $"ExpAndLog [{rows * n}], result 1", rv.Map(Math.Exp), e1);
                Compare(failures, $"ExpAndLog [{rows * n}], result 2", rv.Map(v => Math.Log(Math.Abs(v) + 1)), l1);

                // Values of one per row only.
                (Tensor<float> m3, Tensor<float> variance) = TupleKernels.MeanAndVarianceFused(x);
                Compare(failures, $"MeanAndVariance {size}, result 1", mean, m3);
                Compare(failures, $"MeanAndVariance {size}, result 2", (centered * centered).Mean(), variance);
                (Tensor<float> max, Tensor<float> logSumExp, Tensor<float> m4) = TupleKernels.RowStatisticsFused(x);
                Compare(failures, $"RowStatistics {size}, result 1", rx.Max(), max);
                Compare(failures, $"RowStatistics {size}, result 2", exp.Sum().Map(Math.Log) + rx.Max(), logSumExp);
                Compare(failures, $"RowStatistics {size}, result 3", mean, m4);
            }
        }

        return failures;
    }

    /// <summary>|r - e| ≤ 2e-5·(1 + |e|): a few float roundings of values up to about 10 (an exp, a row's sum, a square root).</summary>
    private static void Compare(List<string> failures, string what, RefTensor expected, Tensor<float> actual)
    {
        float[] values = actual.ToArray();
        if (!expected.Shape.SequenceEqual(actual.Lengths.ToArray().Select(l => (int)l)))
        {
            failures.Add($"{what}: shape [{string.Join(", ", actual.Lengths.ToArray())}], expected [{string.Join(", ", expected.Shape)}]");
            return;
        }

        for (int i = 0; i < values.Length; i++)
        {
            if (!(Math.Abs(values[i] - expected.Data[i]) <= 2e-5 * (1 + Math.Abs(expected.Data[i]))))
            {
                failures.Add($"{what} [{i}]: {values[i]:R}, expected {expected.Data[i]:R}");
                return;
            }
        }
    }
}

[Collection(KernelOptionsCollection.Name)]
public sealed class SharedRowsTests
{
    [Fact]
    public void ResultsSharingARowGroupMatchFloat64AtEveryRowLength()
    {
        Mismatches.AssertNone(SharedRowsSweep.Run());
    }

    [Fact]
    public void ResultsSharingARowGroupMatchFloat64AcrossCores()
    {
        Mismatches.AssertNoneAcrossCores(SharedRowsSweep.Run);
    }
}
