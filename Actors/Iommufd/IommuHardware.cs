using Fabric.Messages;

namespace Fabric.Iommufd;

/// <summary>
/// What the IOMMU behind a device allows an IOAS window to be: the bus addresses it translates
/// (its apertures; the rest is reserved, as iopt_table_add_domain reserves what lies outside a
/// domain's geometry), ranges it keeps for itself (an MSI window, IOMMU_RESV_MSI), the page sizes
/// of its tables (pgsize_bitmap), how many windows it can hold and, where the windows' bases are
/// fixed in the hardware, which bases.
/// </summary>
public sealed record IommuHardware(string Name, IovaRange[] Apertures, IovaRange[] Reserved, ulong PageSizes, int? MaxWindows, ulong[]? WindowBases)
{
    /// <summary>
    /// An IODA2 PHB (POWER8/9, arch/powerpc/platforms/powernv/pci-ioda.c): two TCE windows, one
    /// at bus address 0 and one at 1&lt;&lt;59 (pe-&gt;tce_bypass_base), each up to 1&lt;&lt;59 bytes,
    /// of 4K, 64K or 16M pages (table_group-&gt;pgsizes); IOMMU_TABLE_GROUP_MAX_TABLES is 2.
    /// </summary>
    public static readonly IommuHardware SpaprIoda2 = new(
        "an sPAPR IODA2 PHB",
        [new IovaRange(0, (1UL << 60) - 1)],
        [],
        (1UL << 12) | (1UL << 16) | (1UL << 24),
        MaxWindows: 2,
        WindowBases: [0, 1UL << 59]);

    /// <summary>IODA1 (POWER7): one 32-bit window of 4K pages at bus address 0 (pnv_pci_ioda1_setup_dma_pe).</summary>
    public static readonly IommuHardware SpaprIoda1 = new(
        "an sPAPR IODA1 PHB",
        [new IovaRange(0, (1UL << 32) - 1)],
        [],
        1UL << 12,
        MaxWindows: 1,
        WindowBases: [0]);

    /// <summary>
    /// An x86 IOMMU (Intel VT-d, drivers/iommu/intel): a 48-bit aperture of 4K, 2M and 1G pages,
    /// with the interrupt range 0xfee00000..0xfeefffff reserved for MSIs (IOAPIC_RANGE_START/END,
    /// IOMMU_RESV_MSI); any number of windows anywhere in it.
    /// </summary>
    public static readonly IommuHardware X86 = new(
        "an x86 IOMMU",
        [new IovaRange(0, (1UL << 48) - 1)],
        [new IovaRange(0xfee0_0000, 0xfeef_ffff)],
        (1UL << 12) | (1UL << 21) | (1UL << 30),
        MaxWindows: null,
        WindowBases: null);

    /// <summary>The hardware of a PE's IOMMU; null for a no-IOMMU group, which iommufd cannot attach.</summary>
    public static IommuHardware? Of(PeIommu iommu) => iommu switch
    {
        PeIommu.Ioda2 => SpaprIoda2,
        PeIommu.Ioda1 => SpaprIoda1,
        PeIommu.X86 => X86,
        _ => null,
    };

    /// <summary>The smallest page its tables take: the IOAS's iova alignment once it is attached (1UL &lt;&lt; __ffs(pgsize_bitmap)).</summary>
    public ulong SmallestPage => PageSizes & (~PageSizes + 1);

    /// <summary>A window of this page size can be built of hardware pages: one of them divides it.</summary>
    public bool TakesPageSize(ulong pageSize) => SmallestPage <= pageSize;

    /// <summary>Everything the hardware does not translate or keeps for itself, as the IOAS reserves it.</summary>
    public IEnumerable<IovaRange> ReservedRanges()
    {
        ulong next = 0;
        var open = true;
        foreach (var a in Apertures.OrderBy(a => a.Start))
        {
            if (a.Start > next) yield return new IovaRange(next, a.Start - 1);
            if (a.Last == ulong.MaxValue) { open = false; break; }
            next = a.Last + 1;
        }
        if (open) yield return new IovaRange(next, ulong.MaxValue);
        foreach (var r in Reserved) yield return r;
    }

    /// <summary>
    /// Why a window of [base, base+size) could not be one of this hardware's, or null: outside its
    /// apertures or over its reserved ranges, not at one of its fixed bases, or larger than the
    /// room from that base to the next.
    /// </summary>
    public string? Refuses(ulong @base, ulong size)
    {
        var last = @base + (size - 1);
        if (!Apertures.Any(a => a.Start <= @base && last <= a.Last))
            return $"{Name} translates only {string.Join(", ", Apertures.Select(a => a.ToString()))}";
        if (Reserved.FirstOrDefault(r => r.Overlaps(@base, last)) is { } resv)
            return $"{Name} reserves {resv} (MSI)";
        if (WindowBases is { } bases)
        {
            if (!bases.Contains(@base))
                return $"{Name} has windows only at {string.Join(", ", bases.Select(b => $"0x{b:x}"))}";
            var next = bases.Where(b => b > @base).DefaultIfEmpty(0UL).Min();
            if (next != 0 && last >= next)
                return $"a window at 0x{@base:x} of {Name} ends before 0x{next:x}";
        }
        return null;
    }
}
