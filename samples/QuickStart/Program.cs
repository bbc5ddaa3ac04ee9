using System;
using System.Diagnostics;
using System.Numerics.Tensors;
using QuickStart;

// 1. The kernels give the same results as their eager bodies.
float[] data = [-3f, -1f, -0.25f, 0f, 0.5f, 1f, 2.5f];
Tensor<float> x = Tensor.Create(data, [data.Length]);
Tensor<float> eager = Activations.GeluTanh(x);       // the body, run as written
Tensor<float> fused = Activations.GeluTanhFused(x);  // the generated kernel, one pass

Console.WriteLine("GELU (tanh form)     x:     " + Format(data));
Console.WriteLine("                     eager: " + Format(eager));
Console.WriteLine("                     fused: " + Format(fused));

var residual = Tensor.Create(new float[data.Length], [data.Length]);
Console.WriteLine("ScaledResidual(alpha=0.1) : " + Format(Activations.ScaledResidualFused(x, residual, 0.1f)));

// 2. Speed: fused kernel vs the eager body vs TensorPrimitives op by op, over 4M floats.
const int n = 1 << 22;
var input = new float[n];
var output = new float[n];
var random = new Random(42);
for (int i = 0; i < n; i++)
{
    input[i] = (float)(random.NextDouble() * 8 - 4);
}

Tensor<float> big = Tensor.Create(input, [n]);
double fusedMs = Time(() => Activations.GeluTanh(input, output));
double eagerMs = Time(() => Activations.GeluTanh(big));
double primitivesMs = Time(() => GeluOpByOp(input, output));
Console.WriteLine();
Console.WriteLine($"GELU over {n:N0} floats (best of 10):");
Console.WriteLine($"  fused kernel              {fusedMs,8:F2} ms");
Console.WriteLine($"  TensorPrimitives op by op {primitivesMs,8:F2} ms  ({primitivesMs / fusedMs:F1}x the fused time)");
Console.WriteLine($"  eager body (Tensor<T>)    {eagerMs,8:F2} ms  ({eagerMs / fusedMs:F1}x the fused time)");
Console.WriteLine("For careful numbers, run the benchmarks: see docs/performance.md.");

static void GeluOpByOp(float[] x, float[] result)
{
    var t = new float[x.Length];
    TensorPrimitives.Multiply(x, x, t);
    TensorPrimitives.Multiply(t, x, t);
    TensorPrimitives.Multiply(t, 0.044715f, t);
    TensorPrimitives.Add(t, x, t);
    TensorPrimitives.Multiply(t, 0.7978845608f, t);
    TensorPrimitives.Tanh(t, t);
    TensorPrimitives.Add(t, 1f, t);
    TensorPrimitives.Multiply(t, x, t);
    TensorPrimitives.Multiply(t, 0.5f, result);
}

static double Time(Action action)
{
    action();
    double best = double.MaxValue;
    for (int i = 0; i < 10; i++)
    {
        long start = Stopwatch.GetTimestamp();
        action();
        best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalMilliseconds);
    }

    return best;
}

static string Format(ReadOnlyTensorSpan<float> values)
{
    var flat = new float[values.FlattenedLength];
    values.FlattenTo(flat);
    return string.Join("  ", Array.ConvertAll(flat, v => v.ToString("F4").PadLeft(7)));
}
