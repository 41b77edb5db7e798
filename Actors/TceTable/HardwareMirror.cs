using Fabric.Container;
using Fabric.Messages;
using Fabric.Vm;

namespace Fabric.TceTable;

/// <summary>A range of hardware entries whose cached translations must be killed.</summary>
public readonly record struct KillRange(HardwareTceTable Table, ulong FirstEntry, ulong Count);

/// <summary>
/// Writes what a guest TCE means into a hardware table, as KVM's kvmppc_tce_iommu_map/unmap
/// and QEMU's VFIO notifier do: a clear (or untranslatable) guest TCE clears every subpage;
/// a mapping writes host physical page | permissions, with READ forced on when WRITE is set
/// (PowerNV's pnv_tce_build).
/// </summary>
public static class HardwareMirror
{
    public static ulong HardwareTce(ulong guestTce, int guestPageShift, GuestRam ram, ulong subpage, int hwPageShift)
    {
        if (Tce.IsClear(guestTce)) return 0;
        var guestPageMask = (1UL << guestPageShift) - 1;
        var gpa = (guestTce & ~guestPageMask & ~Tce.Permissions) + (subpage << hwPageShift);
        // A v2 container maps only preregistered memory (tce_iommu_build_v2 for QEMU's
        // VFIO_IOMMU_MAP_DMA, kvmppc_tce_iommu_do_map for KVM): anything else stays clear.
        if (!ram.IsPreregistered(gpa, 1UL << hwPageShift) || !ram.TryTranslate(gpa, out var hpa)) return 0;
        var perms = Tce.PciRead | (guestTce & Tce.PciWrite);
        return (hpa & (Tce.RpnMask << Tce.RpnShift)) | perms;
    }

    /// <summary>Mirrors one run of guest writes into one linked table; returns the range to kill.</summary>
    public static KillRange Mirror(TceWrite write, int guestPageShift, GuestRam ram, HardwareTceTable table)
    {
        var shift = guestPageShift - table.PageShift;
        var subpages = 1UL << shift;
        if (write.ClearsRun)
        {
            table.ClearRange(write.FirstEntry << shift, write.Count << shift);
            return new KillRange(table, write.FirstEntry << shift, write.Count << shift);
        }
        ulong[]? page = null;
        var index = 0;
        for (ulong i = 0; i < write.Count; i++)
        {
            var value = write.ValueAt(i);
            var io = (write.FirstEntry + i) << shift;
            for (ulong s = 0; s < subpages; s++)
            {
                var hw = HardwareTce(value, guestPageShift, ram, s, table.PageShift);
                // Walk page by page; a clear into a missing lower level allocates nothing.
                if (page is null || ++index == page.Length) page = table.PageOf(io + s, hw != 0, out index);
                if (page is not null) Volatile.Write(ref page[index], hw);
            }
        }
        return new KillRange(table, write.FirstEntry << shift, write.Count << shift);
    }
}
