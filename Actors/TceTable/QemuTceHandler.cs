using Fabric.Messages;

namespace Fabric.TceTable;

/// <summary>
/// The userspace handlers of QEMU hw/ppc/spapr_iommu.c (h_put_tce, h_get_tce,
/// h_put_tce_indirect, h_stuff_tce), as observed under QEMU 7.2: the ioba is masked to the
/// page rather than rejected, TCE values are stored verbatim, and a run crossing the end of the
/// window writes the entries inside it before returning H_PARAMETER.
/// </summary>
public static class QemuTceHandler
{
    /// <summary>spapr_tce_find_by_liobn takes a uint32_t: LIOBNs with upper bits set are unknown.</summary>
    public static bool IsUserspaceLiobn(ulong liobn) => (liobn & 0xFFFF_FFFF_0000_0000UL) == 0;

    /// <summary>put_tce_emu/get_tce_emu's bound check: (ioba - bus_offset) >> shift &lt; nb_table.</summary>
    public static bool InWindow(in TceTableGeometry g, ulong ioba, out ulong entry)
    {
        var index = (ioba - g.BusOffset) >> g.PageShift;
        entry = g.Offset + index;
        return index < g.Size;
    }

    public static HcallOutcome PutTce(TceTable t, HPutTce c)
    {
        if (!t.InUserspace) return HcallOutcome.Fail(HcallReturn.Parameter, c.Liobn);
        var ioba = c.Ioba & ~t.Geometry.PageMask;
        if (!InWindow(t.Geometry, ioba, out var entry)) return HcallOutcome.Fail(HcallReturn.Parameter, c.Liobn);
        return new HcallOutcome(HcallReturn.Success, c.Liobn, [new TceRunWritten(entry, [c.Tce])]);
    }

    public static HcallOutcome PutTceIndirect(TceTable t, HPutTceIndirect c)
    {
        if (!t.InUserspace) return HcallOutcome.Fail(HcallReturn.Parameter, c.Liobn);
        if (c.NPages > Tce.MaxIndirectEntries || (c.TceList & 0xFFF) != 0)
            return HcallOutcome.Fail(HcallReturn.Parameter, c.Liobn);
        var ioba = c.Ioba & ~t.Geometry.PageMask;
        // ret starts as H_PARAMETER, so npages == 0 fails too.
        var ret = HcallReturn.Parameter;
        Span<ulong> list = stackalloc ulong[(int)c.NPages];
        t.Ram.ReadBe64(c.TceList, list);
        var written = 0;
        var first = 0UL;
        for (var i = 0; i < list.Length; i++, ioba += t.Geometry.PageSize)
        {
            if (!InWindow(t.Geometry, ioba, out var entry)) { ret = HcallReturn.Parameter; break; }
            if (i == 0) first = entry;
            written++;
            ret = HcallReturn.Success;
        }
        return new HcallOutcome(ret, c.Liobn, written == 0 ? [] : [new TceRunWritten(first, list[..written].ToArray())]);
    }

    public static HcallOutcome StuffTce(TceTable t, HStuffTce c)
    {
        if (!t.InUserspace) return HcallOutcome.Fail(HcallReturn.Parameter, c.Liobn);
        if (c.NPages > t.Geometry.Size) return HcallOutcome.Fail(HcallReturn.Parameter, c.Liobn);
        var ioba = c.Ioba & ~t.Geometry.PageMask;
        if (c.NPages == 0 || !InWindow(t.Geometry, ioba, out var first))
            return HcallOutcome.Fail(HcallReturn.Parameter, c.Liobn);
        var inWindow = Math.Min(c.NPages, t.Geometry.Offset + t.Geometry.Size - first);
        var ret = inWindow == c.NPages ? HcallReturn.Success : HcallReturn.Parameter;
        return new HcallOutcome(ret, c.Liobn, [new TceRunStuffed(first, c.TceValue, inWindow)]);
    }

    public static HcallOutcome GetTce(TceTable t, HGetTce c)
    {
        if (!t.InUserspace) return HcallOutcome.Fail(HcallReturn.Parameter, c.Liobn);
        var ioba = c.Ioba & ~t.Geometry.PageMask;
        // On failure R4 is left as the guest set it: holding the LIOBN.
        if (!InWindow(t.Geometry, ioba, out var entry)) return HcallOutcome.Fail(HcallReturn.Parameter, c.Liobn);
        return new HcallOutcome(HcallReturn.Success, t.View.Get(entry), []);
    }
}
