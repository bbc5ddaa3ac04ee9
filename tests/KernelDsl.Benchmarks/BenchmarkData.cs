using System;

namespace KernelDsl.Benchmarks;

/// <summary>Inputs for the benchmarks: arrays of uniformly drawn floats, and functions of them.</summary>
internal static class BenchmarkData
{
    /// <summary><paramref name="count"/> floats drawn uniformly from [<paramref name="low"/>, <paramref name="high"/>).</summary>
    public static float[] Uniform(Random random, int count, float low, float high)
    {
        var values = new float[count];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = low + (float)random.NextDouble() * (high - low);
        }

        return values;
    }

    /// <summary><paramref name="f"/> of each value.</summary>
    public static float[] Map(float[] values, Func<float, float> f) => Array.ConvertAll(values, v => f(v));
}
