using Fabric.Messages;

namespace Fabric.TceTable;

/// <summary>
/// The in-kernel handlers of Linux arch/powerpc/kvm/book3s_64_vio.c, check by check in the
/// kernel's order. H_TOO_HARD hands the call to userspace (<see cref="QemuTceHandler"/>).
/// Pure: reads the table and guest RAM, returns the writes to make.
/// </summary>
public static class KvmTceHandler
{
    /// <summary>
    /// kvmppc_ioba_validate. Current Linux checks only the first entry; older kernels also
    /// checked the end of the run. Fabric checks both (the safe choice, see docs/semantics.md).
    /// </summary>
    public static HcallReturn IobaValidate(in TceTableGeometry g, ulong ioba, ulong npages)
    {
        var entry = ioba >> g.PageShift;
        var run = Math.Max(npages, 1);
        if ((ioba & g.PageMask) != 0) return HcallReturn.Parameter;
        if (entry < g.Offset) return HcallReturn.Parameter;
        if (entry + run < entry) return HcallReturn.Parameter;
        if (entry - g.Offset + run > g.Size) return HcallReturn.Parameter;
        return HcallReturn.Success;
    }

    /// <summary>kvmppc_tce_validate: what KVM cannot map itself goes to userspace.</summary>
    public static HcallReturn TceValidate(TceTable t, ulong tce)
    {
        // Clearing is always allowed ("allow userspace to poison TCE table").
        if (Tce.IsClear(tce)) return HcallReturn.Success;
        var gpa = tce & ~Tce.Permissions;
        if (!GpaAlignedToTablePage(t.Geometry, gpa)) return HcallReturn.TooHard;
        if (!t.Ram.Contains(gpa)) return HcallReturn.TooHard;
        foreach (var link in t.Links)
            if (!t.Ram.IsPreregistered(gpa, 1UL << link.Table.PageShift)) return HcallReturn.TooHard;
        return HcallReturn.Success;
    }

    /// <summary>iommu_tce_check_gpa.</summary>
    public static bool GpaAlignedToTablePage(in TceTableGeometry g, ulong gpa) => (gpa & g.PageMask) == 0;

    /// <summary>kvmppc_tce_to_ua: the guest address must be in a memslot.</summary>
    public static bool Translates(TceTable t, ulong tce) => t.Ram.Contains(tce & ~Tce.Permissions);

    /// <summary>
    /// kvmppc_tce_iommu_map: for each linked hardware table, kvmppc_tce_iommu_do_map looks up
    /// every subpage (mm_iommu_lookup(ua + pgoff, 1 &lt;&lt; it_page_shift)) and answers H_TOO_HARD
    /// for one outside preregistered memory (validate only checked the first subpage). With all
    /// RAM preregistered that is the whole guest page being in RAM; with regions, each subpage
    /// must lie in one of them, as each lookup is separate.
    /// </summary>
    public static bool MapsIntoLinks(TceTable t, ulong tce)
    {
        if (t.Links.Count == 0) return true;
        var gpa = tce & ~Tce.Permissions;
        if (t.Ram.Preregistered.IsAllRam) return t.Ram.ContainsRange(gpa, t.Geometry.PageSize);
        foreach (var link in t.Links)
        {
            var subpage = 1UL << link.Table.PageShift;
            for (var offset = 0UL; offset < t.Geometry.PageSize; offset += subpage)
                if (!t.Ram.IsPreregistered(gpa + offset, subpage)) return false;
        }
        return true;
    }

    public static HcallOutcome PutTce(TceTable t, HPutTce c)
    {
        if (!t.InKernel) return HcallOutcome.Fail(HcallReturn.TooHard, c.Liobn);
        var ret = IobaValidate(t.Geometry, c.Ioba, 1);
        if (ret != HcallReturn.Success) return HcallOutcome.Fail(ret, c.Liobn);
        ret = TceValidate(t, c.Tce);
        if (ret != HcallReturn.Success) return HcallOutcome.Fail(ret, c.Liobn);
        if (!Tce.IsClear(c.Tce) && !Translates(t, c.Tce)) return HcallOutcome.Fail(HcallReturn.Parameter, c.Liobn);
        // Mapping a subpage failed: the kernel clears the entry in that table and returns the error.
        if (!Tce.IsClear(c.Tce) && !MapsIntoLinks(t, c.Tce)) return HcallOutcome.Fail(HcallReturn.TooHard, c.Liobn);
        var entry = c.Ioba >> t.Geometry.PageShift;
        return new HcallOutcome(HcallReturn.Success, c.Liobn, [new TceRunWritten(entry, [c.Tce])]);
    }

    public static HcallOutcome PutTceIndirect(TceTable t, HPutTceIndirect c)
    {
        if (!t.InKernel) return HcallOutcome.Fail(HcallReturn.TooHard, c.Liobn);
        if (c.NPages > Tce.MaxIndirectEntries) return HcallOutcome.Fail(HcallReturn.Parameter, c.Liobn);
        if ((c.TceList & 0xFFF) != 0) return HcallOutcome.Fail(HcallReturn.Parameter, c.Liobn);
        var ret = IobaValidate(t.Geometry, c.Ioba, c.NPages);
        if (ret != HcallReturn.Success) return HcallOutcome.Fail(ret, c.Liobn);
        if (!t.Ram.Contains(c.TceList)) return HcallOutcome.Fail(HcallReturn.TooHard, c.Liobn);

        // Pass 1: read and validate every entry before touching anything.
        Span<ulong> list = stackalloc ulong[(int)c.NPages];
        t.Ram.ReadBe64(c.TceList, list);
        foreach (var tce in list)
        {
            ret = TceValidate(t, tce);
            if (ret != HcallReturn.Success) return HcallOutcome.Fail(ret, c.Liobn);
        }

        // Pass 2 reads the list again (the guest may have changed it); a failure here leaves
        // the entries before it written, as the kernel does.
        var entry = c.Ioba >> t.Geometry.PageShift;
        Span<ulong> values = stackalloc ulong[(int)c.NPages];
        t.Ram.ReadBe64(c.TceList, values);
        for (var i = 0; i < values.Length; i++)
        {
            if (!Translates(t, values[i]))
                return new HcallOutcome(HcallReturn.Parameter, c.Liobn, Written(entry, values[..i]));
            // Pass 2 maps every entry, clear ones included, into every linked table.
            if (!MapsIntoLinks(t, values[i]))
                return new HcallOutcome(HcallReturn.TooHard, c.Liobn, Written(entry, values[..i]));
        }
        return new HcallOutcome(HcallReturn.Success, c.Liobn, Written(entry, values));
    }

    public static HcallOutcome StuffTce(TceTable t, HStuffTce c)
    {
        if (!t.InKernel) return HcallOutcome.Fail(HcallReturn.TooHard, c.Liobn);
        var ret = IobaValidate(t.Geometry, c.Ioba, c.NPages);
        if (ret != HcallReturn.Success) return HcallOutcome.Fail(ret, c.Liobn);
        // Only clearing: permission bits are refused (the value may still carry other bits).
        if ((c.TceValue & Tce.Permissions) != 0) return HcallOutcome.Fail(HcallReturn.Parameter, c.Liobn);
        if (c.NPages == 0) return HcallOutcome.Fail(HcallReturn.Success, c.Liobn);
        var entry = c.Ioba >> t.Geometry.PageShift;
        return new HcallOutcome(HcallReturn.Success, c.Liobn, [new TceRunStuffed(entry, c.TceValue, c.NPages)]);
    }

    public static HcallOutcome GetTce(TceTable t, HGetTce c)
    {
        if (!t.InKernel) return HcallOutcome.Fail(HcallReturn.TooHard, c.Liobn);
        var ret = IobaValidate(t.Geometry, c.Ioba, 1);
        if (ret != HcallReturn.Success) return HcallOutcome.Fail(ret, c.Liobn);
        return new HcallOutcome(HcallReturn.Success, t.View.Get(c.Ioba >> t.Geometry.PageShift), []);
    }

    private static TceWrite[] Written(ulong entry, ReadOnlySpan<ulong> values) =>
        values.IsEmpty ? [] : [TceWrite.Of(entry, values)];
}
