using Fabric.Eeh;
using Fabric.Messages;

namespace Fabric.Ddw;

/// <summary>The status and output words of one DDW RTAS call, and the PHB's windows after it.</summary>
public sealed record DdwResult(int Status, ulong[] Outputs, PhbWindows Phb, string Why = "");

/// <summary>
/// The guest's dynamic DMA window RTAS calls on an emulated PHB, with QEMU's results
/// (hw/ppc/spapr_rtas_ddw.c; spec papr-tce.md section 3), once the dispatcher has checked the
/// argument counts and found the PHB by its BUID. Status words as QEMU's RTAS_OUT_*:
/// SUCCESS 0, HW_ERROR -1, PARAM_ERROR -3.
/// </summary>
public static class DdwRtas
{
    /// <summary>The largest window QEMU says it can have, in TCEs: 0x80000000 (nret 5), 0x20_0000_0000 as two words (nret 6).</summary>
    public const ulong LargestBlock = 0x80000000, LargestBlock64 = 0x20_0000_0000;

    /// <summary>The page-size mask bits of ibm,query-pe-dma-window and the page shift each stands for.</summary>
    public static readonly IReadOnlyList<(ulong Bit, int Shift)> PageSizes =
    [
        (0x1, 12), (0x2, 16), (0x4, 24), (0x8, 25), (0x10, 26), (0x20, 27), (0x40, 28), (0x80, 34), (0x100, 21),
    ];

    /// <summary>Whether the PHB's page-size mask offers 2^shift pages.</summary>
    public static bool Supports(PhbWindows phb, int pageShift) =>
        PageSizes.Any(p => p.Shift == pageShift && (phb.PageSizeMask & p.Bit) != 0);

    /// <summary>
    /// ibm,query-pe-dma-window: windows available (2 minus active), the largest block, the
    /// page-size mask and the migration mask (0); with nret 6 the largest block takes two words.
    /// </summary>
    public static DdwResult Query(PhbWindows phb, int nret)
    {
        if (!phb.Ddw) return Param(phb, "the PHB has DDW off (ddw=off)");
        if (nret is not (5 or 6)) return Param(phb, $"nret {nret} is not 5 or 6");
        var avail = (ulong)(PhbWindows.MaxWindows - phb.Active);
        var mask = phb.PageSizeMask & PageSizes.Aggregate(0UL, (m, p) => m | p.Bit);
        ulong[] outputs = nret == 5
            ? [avail, LargestBlock, mask, 0]
            : [avail, LargestBlock64 >> 32, LargestBlock64 & 0xffff_ffff, mask, 0];
        return new DdwResult(RtasStatus.Success, outputs, phb);
    }

    /// <summary>
    /// ibm,create-pe-dma-window: a page size the PHB offers and a window at least one page, in the
    /// first free LIOBN slot, at the default address when no window is active, else at the 64-bit
    /// address. Outputs: LIOBN, bus address high and low words.
    /// </summary>
    public static DdwResult Create(PhbWindows phb, int pageShift, int windowShift)
    {
        if (!phb.Ddw) return Param(phb, "the PHB has DDW off (ddw=off)");
        if (pageShift is < 0 or > 63 || !Supports(phb, pageShift))
            return Param(phb, $"2^{pageShift} pages are not in the PHB's page-size mask 0x{phb.PageSizeMask:x}");
        if (windowShift < pageShift) return Param(phb, $"a window of 2^{windowShift} bytes is smaller than its 2^{pageShift} pages");
        var slot = Array.FindIndex(phb.Slots, s => s is null);
        if (slot < 0 || phb.Active == PhbWindows.MaxWindows)
            return new DdwResult(RtasStatus.HwError, [], phb, $"the PHB has {PhbWindows.MaxWindows} windows already");
        if (windowShift > 63) return new DdwResult(RtasStatus.HwError, [], phb, $"a window of 2^{windowShift} bytes cannot be allocated");
        var address = phb.Active == 0 ? PhbWindows.DefaultWindowAddress : phb.Dma64WindowAddress;
        var window = new DmaWindow(AddPhb.Liobn(phb.Index, slot), pageShift, address, 1UL << (windowShift - pageShift));
        return new DdwResult(RtasStatus.Success, [window.Liobn, address >> 32, address & 0xffff_ffff], phb.Enabled(window));
    }

    /// <summary>ibm,remove-pe-dma-window: any active window of a DDW PHB, the default one included.</summary>
    public static DdwResult Remove(PhbWindows phb, ulong liobn)
    {
        if (!phb.Ddw || phb.Window(liobn) is null) return Param(phb, $"LIOBN 0x{liobn:x} is no active window of a PHB with DDW");
        return new DdwResult(RtasStatus.Success, [], phb.Disabled(liobn));
    }

    /// <summary>ibm,reset-pe-dma-window: every window removed, the default one re-created empty.</summary>
    public static DdwResult Reset(PhbWindows phb) =>
        phb.Ddw ? new DdwResult(RtasStatus.Success, [], phb.Reset()) : Param(phb, "the PHB has DDW off (ddw=off)");

    private static DdwResult Param(PhbWindows phb, string why) => new(RtasStatus.ParamError, [], phb, why);
}
