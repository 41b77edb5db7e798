using Fabric.Messages;

namespace Fabric.Hosting.Workloads;

/// <summary>
/// The hypercalls a guest driver makes, as a function of the call's number on its vCPU (so a
/// workload is code the vCPU runs, and a restarted vCPU resumes it where it was).
/// </summary>
public static class GuestWorkload
{
    /// <summary>
    /// A network driver: it maps a page per packet and small batches of descriptors with
    /// INDIRECT, and unmaps them as the packets complete (H_PUT_TCE 0, H_STUFF_TCE 0): churn in
    /// the default window.
    /// </summary>
    public static IHypercall Network(WorkloadSlice s, int seed, int vcpu, long n)
    {
        var round = n / 4;
        var batch = 2 + SplitMix.Hash(seed, vcpu, round) % 7;
        var entry = (ulong)round * 9 % s.Count;
        return (n % 4) switch
        {
            0 => new HPutTce(s.Liobn, s.Ioba(entry), s.Tce((ulong)round)),
            1 => new HPutTceIndirect(s.Liobn, s.Ioba(entry + 1), s.TceListGpa, Math.Min(batch, s.Count - 1)),
            2 => new HPutTce(s.Liobn, s.Ioba(entry), 0),
            _ => new HStuffTce(s.Liobn, s.Ioba(entry + 1), 0, Math.Min(batch, s.Count - 1)),
        };
    }

    /// <summary>
    /// A storage driver: large INDIRECT maps of 512 pages for a request's buffers, then one
    /// merged H_STUFF_TCE that unmaps both when the request completes.
    /// </summary>
    public static IHypercall Storage(WorkloadSlice s, int seed, int vcpu, long n)
    {
        const ulong Batch = 512;
        var chunks = Math.Max(1, s.Count / (2 * Batch));
        var round = (ulong)(n / 3);
        var entry = round % chunks * 2 * Batch;
        var pages = Math.Min(Batch, s.Count);
        return (n % 3) switch
        {
            0 => new HPutTceIndirect(s.Liobn, s.Ioba(entry), s.TceListGpa, pages),
            1 when s.Count >= 2 * Batch => new HPutTceIndirect(s.Liobn, s.Ioba(entry + Batch), s.TceListGpa, pages),
            1 => new HGetTce(s.Liobn, s.Ioba(entry)),
            _ => new HStuffTce(s.Liobn, s.Ioba(entry), 0, Math.Min(2 * Batch, s.Count)),
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
