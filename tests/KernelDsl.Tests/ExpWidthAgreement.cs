using System;
using System.Collections.Generic;
using KernelDsl.Runtime;

namespace KernelDsl.Tests;

/// <summary>
/// Exp at every width against the scalar one, bit for bit, whichever widths the process accelerates:
/// run by the differential child processes, so Exp's table lookup is checked in each of its forms
/// (vpermps, vpermt2ps, the AVX2 blend of two permutes, vpermilps, pshufb, and the portable forms a
/// width falls back to when its instructions are switched off).
/// </summary>
internal static class ExpWidthAgreement
{
    public static IEnumerable<string> Run()
    {
        var x = new float[1 << 14];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = -104f + 193f * i / (x.Length - 1); // [-104, 89]: every table entry, both clamps
        }

        float[] scalar = Apply<SimdScalar>(x);
        foreach ((string width, float[] values) in new[] { ("Vector512", Apply<Simd512>(x)), ("Vector256", Apply<Simd256>(x)), ("Vector128", Apply<Simd128>(x)) })
        {
            for (int i = 0; i < x.Length; i++)
            {
                if (BitConverter.SingleToInt32Bits(values[i]) != BitConverter.SingleToInt32Bits(scalar[i]))
                {
                    yield return $"Exp({x[i]:R}) at {width}: {values[i]:R}, scalar {scalar[i]:R}";
                    break;
                }
            }
        }
    }

    private static float[] Apply<V>(float[] x) where V : struct, ISimdFloat<V>
    {
        var y = new float[x.Length];
        for (int i = 0; i + V.Count <= x.Length; i += V.Count)
        {
            V.Store(VectorMath.Exp(V.Load(ref x[0], i)), ref y[0], i);
        }

        return y;
    }
}
