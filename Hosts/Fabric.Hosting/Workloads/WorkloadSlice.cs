namespace Fabric.Hosting.Workloads;

/// <summary>
/// The part of a window one vCPU of a workload maps in: entries [First, First + Count) of the
/// LIOBN's window, its TCE list page in guest RAM (for H_PUT_TCE_INDIRECT), and the guest RAM
/// its TCEs point into.
/// </summary>
public sealed record WorkloadSlice(ulong Liobn, int PageShift, ulong WindowOffset, ulong First, ulong Count, ulong TceListGpa, ulong RamBytes)
{
    /// <summary>The bus address of an entry of the slice (wraps inside the slice).</summary>
    public ulong Ioba(ulong entry) => (WindowOffset + First + entry % Count) << PageShift;

    /// <summary>A read-write TCE for some page of guest RAM (never the TCE list pages at the top).</summary>
    public ulong Tce(ulong n) => ((n % ((RamBytes >> 12) - TceListPages)) << 12) | 3;

    /// <summary>The top of guest RAM holds one TCE list page per vCPU (up to this many).</summary>
    public const ulong TceListPages = 4096;

    /// <summary>The TCE list of vCPU <paramref name="vcpu"/>: a 4K page near the top of RAM.</summary>
    public static ulong TceListOf(ulong ramBytes, int vcpu) => ramBytes - ((ulong)(vcpu % (int)TceListPages + 1) << 12);
}
