namespace KernelDsl.Tests;

/// <summary>Seeds for the differential inputs, the same in every process and every run.</summary>
internal static class TestSeeds
{
    /// <summary>A hash of <paramref name="text"/> that does not change between processes (unlike <c>HashCode.Combine</c>, which is seeded randomly per process).</summary>
    public static int StableHash(string text)
    {
        int hash = 23;
        foreach (char c in text)
        {
            hash = unchecked(hash * 31 + c);
        }

        return hash;
    }
}
