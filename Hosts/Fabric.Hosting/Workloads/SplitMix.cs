namespace Fabric.Hosting.Workloads;

/// <summary>
/// A stateless random function (SplitMix64): the n-th call of a workload is a function of the
/// seed, the vCPU and n alone, so a vCPU that restarts mid-run issues the same calls a run
/// without the crash would.
/// </summary>
public static class SplitMix
{
    public static ulong Hash(ulong x)
    {
        x += 0x9E3779B97F4A7C15UL;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        return x ^ (x >> 31);
    }

    public static ulong Hash(int seed, int vcpu, long n, int salt = 0) =>
        Hash(Hash(Hash((ulong)(uint)seed << 32 | (uint)vcpu) ^ (ulong)n) ^ (ulong)salt);
}
