using Fabric.Messages;

namespace Fabric.Ddw;

/// <summary>One DMA window of an emulated PHB: its LIOBN, TCE page size, bus address and size in TCEs.</summary>
public sealed record DmaWindow(ulong Liobn, int PageShift, ulong BusOffset, ulong Entries);

/// <summary>
/// The DMA windows of one emulated sPAPR PHB, as QEMU keeps them: two TCE table slots (LIOBNs
/// SPAPR_PCI_LIOBN(index, 0) and (index, 1)), each enabled or not. Created with the default
/// window (4K pages at bus address 0) enabled, as spapr_phb_dma_reset leaves it.
/// </summary>
public sealed record PhbWindows(int Index, bool Ddw, ulong PageSizeMask, ulong DefaultWindowSize, ulong Dma64WindowAddress, DmaWindow?[] Slots)
{
    /// <summary>SPAPR_PCI_DMA_MAX_WINDOWS.</summary>
    public const int MaxWindows = 2;

    /// <summary>The default window's bus address (sphb->dma_win_addr).</summary>
    public const ulong DefaultWindowAddress = 0;

    public static PhbWindows Of(PhbAdded p) =>
        new(p.Index, p.Ddw, p.PageSizeMask, p.DmaWindowSize, p.Dma64WindowAddress, [DefaultWindow(p.Index, p.DmaWindowSize), null]);

    public ulong Buid => AddPhb.BuidBase + (ulong)Index;

    /// <summary>
    /// QEMU made KVM tables of this PHB's windows (a `tce-table` of one of its LIOBNs): the windows
    /// it creates from then on are KVM tables too (spapr_tce_alloc_table asks KVM first).
    /// </summary>
    public bool InKernel { get; init; }

    /// <summary>The VFIO containers whose groups serve this PHB (linked to one of its LIOBNs once): its windows are theirs too.</summary>
    public string[] Containers { get; init; } = [];

    /// <summary>The slot a LIOBN of the form SPAPR_PCI_LIOBN(Index, slot) names, or -1.</summary>
    public int SlotOf(ulong liobn)
    {
        for (var slot = 0; slot < MaxWindows; slot++)
            if (AddPhb.Liobn(Index, slot) == liobn) return slot;
        return -1;
    }

    /// <summary>The PHB with a window (active or not) at this LIOBN.</summary>
    public static PhbWindows? Owning(IEnumerable<PhbWindows> phbs, ulong liobn) => phbs.FirstOrDefault(p => p.SlotOf(liobn) >= 0);

    /// <summary>The active window with this LIOBN, or null.</summary>
    public DmaWindow? Window(ulong liobn) => Windows.FirstOrDefault(w => w.Liobn == liobn);

    /// <summary>The PHB with this window enabled (a table created for its slot's LIOBN).</summary>
    public PhbWindows Enabled(DmaWindow window)
    {
        var slots = (DmaWindow?[])Slots.Clone();
        slots[SlotOf(window.Liobn)] = window;
        return this with { Slots = slots };
    }

    /// <summary>The PHB with the window at this LIOBN disabled (its table removed).</summary>
    public PhbWindows Disabled(ulong liobn)
    {
        var slots = (DmaWindow?[])Slots.Clone();
        slots[SlotOf(liobn)] = null;
        return this with { Slots = slots };
    }

    public int Active => Slots.Count(s => s is not null);

    public IEnumerable<DmaWindow> Windows => Slots.OfType<DmaWindow>();

    /// <summary>spapr_phb_dma_reset: every window gone, the default one back, empty.</summary>
    public PhbWindows Reset() => this with { Slots = [DefaultWindow(Index, DefaultWindowSize), null] };

    private static DmaWindow DefaultWindow(int index, ulong size) =>
        new(AddPhb.Liobn(index, 0), 12, DefaultWindowAddress, size >> 12);
}
