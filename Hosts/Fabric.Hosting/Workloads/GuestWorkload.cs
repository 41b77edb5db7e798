using Fabric.Messages;

namespace Fabric.Hosting.Workloads;

/// <summary>
/// The hypercalls a guest driver makes, as a function of the call's number on its vCPU (so a
/// workload is code the vCPU runs, and a restarted vCPU resumes it where it was).
/// </summary>
public static class GuestWorkload
{
    /// <summary>Packets in flight: a network driver unmaps a packet's pages this many packets after it mapped them.</summary>
    public const long NetworkRing = 32;

    /// <summary>Requests in flight: a storage driver unmaps a request's buffers this many requests later.</summary>
    public const long StorageQueue = 4;

    /// <summary>
    /// A network driver: per packet it maps a page (H_PUT_TCE) and a small batch of descriptors
    /// (INDIRECT of 2 to 8), and unmaps those of the packet <see cref="NetworkRing"/> back as it
    /// completes (H_PUT_TCE 0, H_STUFF_TCE 0): churn in the default window, with a ring of
    /// mappings live for the devices to use.
    /// </summary>
    public static IHypercall Network(WorkloadSlice s, int seed, int vcpu, long n)
    {
        var round = n / 4;
        ulong Entry(long r) => (ulong)r * 9 % s.Count;
        ulong Batch(long r) => Math.Min(2 + SplitMix.Hash(seed, vcpu, r) % 7, s.Count - 1);
        var done = round - NetworkRing;
        return (n % 4) switch
        {
            0 => new HPutTce(s.Liobn, s.Ioba(Entry(round)), s.Tce((ulong)round)),
            1 => new HPutTceIndirect(s.Liobn, s.Ioba(Entry(round) + 1), s.TceListGpa, Batch(round)),
            2 when done >= 0 => new HPutTce(s.Liobn, s.Ioba(Entry(done)), 0),
            3 when done >= 0 => new HStuffTce(s.Liobn, s.Ioba(Entry(done) + 1), 0, Batch(done)),
            _ => new HGetTce(s.Liobn, s.Ioba(Entry(round))),
        };
    }

    /// <summary>
    /// A storage driver: per request two INDIRECT maps of 512 pages for its buffers, and one
    /// merged H_STUFF_TCE that unmaps both buffers of the request <see cref="StorageQueue"/>
    /// back, as it completes.
    /// </summary>
    public static IHypercall Storage(WorkloadSlice s, int seed, int vcpu, long n)
    {
        const ulong Batch = 512;
        var chunks = Math.Max(1, s.Count / (2 * Batch));
        var queue = Math.Min(StorageQueue, (long)chunks - 1);
        ulong Entry(long r) => (ulong)r % chunks * 2 * Batch;
        var round = n / 3;
        var pages = Math.Min(Batch, s.Count);
        return (n % 3) switch
        {
            0 => new HPutTceIndirect(s.Liobn, s.Ioba(Entry(round)), s.TceListGpa, pages),
            1 when s.Count >= 2 * Batch => new HPutTceIndirect(s.Liobn, s.Ioba(Entry(round) + Batch), s.TceListGpa, pages),
            1 => new HGetTce(s.Liobn, s.Ioba(Entry(round))),
            _ => new HStuffTce(s.Liobn, s.Ioba(Entry(round - queue)), 0, Math.Min(2 * Batch, s.Count)),
        };
    }

    /// <summary>Firmware (SLOF-like): one H_PUT_TCE to map, H_GET_TCE to check, one to unmap.</summary>
    public static IHypercall Firmware(WorkloadSlice s, int seed, int vcpu, long n)
    {
        var entry = (ulong)(n / 3) % s.Count;
        return (n % 3) switch
        {
            0 => new HPutTce(s.Liobn, s.Ioba(entry), s.Tce(entry)),
            1 => new HGetTce(s.Liobn, s.Ioba(entry)),
            _ => new HPutTce(s.Liobn, s.Ioba(entry), 0),
        };
    }

    /// <summary>
    /// A hostile guest: any of the four calls, with LIOBNs that may not exist, unaligned or
    /// out-of-window bus addresses, TCEs with reserved bits or outside RAM, page counts of 0 or
    /// far too many, TCE lists unaligned or outside RAM. Every one must get its defined return code.
    /// </summary>
    public static IHypercall Adversarial(WorkloadSlice s, int seed, int vcpu, long n)
    {
        ulong R(int salt) => SplitMix.Hash(seed, vcpu, n, salt);
        var liobn = (R(1) % 4) switch
        {
            0 => R(2),
            1 => s.Liobn ^ (1UL << (int)(R(2) % 32)),
            _ => s.Liobn,
        };
        var ioba = (R(3) % 5) switch
        {
            0 => R(4),
            1 => s.Ioba(R(4)) | (R(5) & 0xfff),
            2 => (s.WindowOffset + s.First + s.Count + R(4) % 1024) << s.PageShift,
            _ => s.Ioba(R(4)),
        };
        var tce = (R(6) % 4) switch
        {
            0 => R(7),
            1 => s.Tce(R(7)) | 0xff0,
            2 => (s.RamBytes + (R(7) % 1024 << 12)) | 3,
            _ => s.Tce(R(7)),
        };
        var npages = (R(8) % 4) switch
        {
            0 => 0UL,
            1 => R(9),
            2 => 513UL,
            _ => 1 + R(9) % 16,
        };
        var tceList = (R(10) % 3) switch
        {
            0 => R(11),
            1 => s.TceListGpa | 8,
            _ => s.TceListGpa,
        };
        return (R(0) % 4) switch
        {
            0 => new HPutTce(liobn, ioba, tce),
            1 => new HGetTce(liobn, ioba),
            2 => new HStuffTce(liobn, ioba, tce, npages),
            _ => new HPutTceIndirect(liobn, ioba, tceList, npages),
        };
    }
}
