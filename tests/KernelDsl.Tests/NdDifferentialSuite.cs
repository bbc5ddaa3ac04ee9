using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics.Tensors;
using System.Reflection;

namespace KernelDsl.Tests;

/// <summary>
/// Runs an <see cref="NdCase"/>: for each row of <see cref="NdCases.SizeRows"/>, binds the kernel's
/// dimension symbols, draws inputs of the declared shapes, and compares the eager body and the fused
/// kernel with the float64 reference element by element.
/// </summary>
public static class NdDifferentialSuite
{
    private const int MaxReportedMismatches = 3;

    public static List<string> Run(NdCase ndCase)
    {
        var failures = new List<string>();
        MethodInfo eager = Method(ndCase.Kernel);
        MethodInfo fused = Method(ndCase.Kernel + "Fused");
        ParameterInfo[] parameters = eager.GetParameters();
        string[] symbols = Symbols(parameters);
        int[][] rows = ndCase.Sizes ?? [.. NdCases.SizeRows, .. ndCase.ExtraSizes ?? []];
        for (int row = 0; row < rows.Length; row++)
        {
            var sizes = new Dictionary<string, int>();
            for (int s = 0; s < symbols.Length; s++)
            {
                sizes[symbols[s]] = rows[row][s];
            }

            string binding = string.Join(" ", sizes.Select(p => $"{p.Key}={p.Value}"));
            var random = new Random(TestSeeds.StableHash(ndCase.Kernel) * 31 + row);
            var tensors = new List<Tensor<float>>();
            var arguments = new object[parameters.Length];
            int scalar = 0;
            for (int p = 0; p < parameters.Length; p++)
            {
                if (parameters[p].ParameterType == typeof(float))
                {
                    arguments[p] = ndCase.Scalars![scalar++];
                    continue;
                }

                nint[] shape = parameters[p].GetCustomAttribute<ShapeAttribute>()!.Dimensions.Select(d => (nint)Size(d, sizes)).ToArray();
                var values = new float[shape.Aggregate((nint)1, (a, b) => a * b)];
                for (int i = 0; i < values.Length; i++)
                {
                    values[i] = (float)(ndCase.Low + random.NextDouble() * (ndCase.High - ndCase.Low));
                }

                Tensor<float> tensor = Tensor.Create(values, shape);
                tensors.Add(tensor);
                arguments[p] = tensor;
            }

            RefTensor expected = ndCase.Reference(tensors.Select(RefTensor.From).ToArray(), ndCase.Scalars ?? []);
            double absolute = ndCase.Absolute * (ndCase.ScaleSymbol is { } symbol ? Math.Max(1, sizes[symbol]) : 1);
            foreach ((string path, MethodInfo method) in new[] { ("eager", eager), ("fused", fused) })
            {
                Tensor<float> actual;
                try
                {
                    actual = (Tensor<float>)method.Invoke(null, (object[])arguments.Clone())!;
                }
                catch (TargetInvocationException e)
                {
                    failures.Add($"{ndCase.Kernel} {path} {binding}: threw {e.InnerException}");
                    continue;
                }

                Compare(ndCase, path, binding, expected, actual, absolute, failures);
            }
        }

        return failures;
    }

    private static void Compare(NdCase ndCase, string path, string binding, RefTensor expected, Tensor<float> actual, double absolute, List<string> failures)
    {
        int[] shape = actual.Lengths.ToArray().Select(l => (int)l).ToArray();
        if (!shape.SequenceEqual(expected.Shape))
        {
            failures.Add($"{ndCase.Kernel} {path} {binding}: shape [{string.Join(", ", shape)}], expected [{string.Join(", ", expected.Shape)}]");
            return;
        }

        float[] values = actual.ToArray();
        int reported = 0;
        for (int i = 0; i < values.Length && reported < MaxReportedMismatches; i++)
        {
            double e = expected.Data[i];
            float r = values[i];
            bool ok = double.IsNaN(e) ? float.IsNaN(r)
                : float.IsInfinity((float)e) ? r == (float)e
                : Math.Abs(r - e) <= absolute + ndCase.Relative * Math.Abs(e);
            if (!ok)
            {
                reported++;
                failures.Add($"{ndCase.Kernel} {path} {binding} [{i}]: {r:R}, float64 reference {e:R}");
            }
        }
    }

    /// <summary>The dimension symbols of the kernel's [Shape] attributes (a product's factors and a sum's too), in order of first appearance.</summary>
    public static string[] Symbols(ParameterInfo[] parameters)
        => parameters.Select(p => p.GetCustomAttribute<ShapeAttribute>()).Where(a => a is not null)
            .SelectMany(a => a!.Dimensions).SelectMany(d => d.Split('*', '+')).Select(f => f.Trim()).Where(d => !int.TryParse(d, out _)).Distinct().ToArray();

    /// <summary>A [Shape] dimension's size under <paramref name="sizes"/>: a sum (<c>T+1</c>) of products (<c>2*H</c>) of literals and symbols.</summary>
    public static int Size(string dimension, IReadOnlyDictionary<string, int> sizes)
        => dimension.Split('+').Sum(term => term.Split('*').Select(f => f.Trim()).Aggregate(1, (product, f) => product * (int.TryParse(f, out int literal) ? literal : sizes[f])));

    private static MethodInfo Method(string name)
        => typeof(NdTestKernels).GetMethods(BindingFlags.Public | BindingFlags.Static)
               .Single(m => m.Name == name && m.ReturnType == typeof(Tensor<float>) && m.GetParameters().All(p => p.ParameterType == typeof(Tensor<float>) || p.ParameterType == typeof(float)));
}
