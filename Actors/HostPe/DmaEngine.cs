using Fabric.Container;
using Fabric.Messages;

namespace Fabric.HostPe;

/// <summary>
/// A PE's DMA translation: find the window that covers the bus address, look the entry up in
/// the TCE cache, walk the hardware table on a miss (filling the cache with valid entries),
/// and check the permission the direction needs.
/// </summary>
public static class DmaEngine
{
    /// <summary>The window that covers the bus address, or null.</summary>
    public static HardwareTceTable? WindowOf(IReadOnlyList<HardwareTceTable> windows, ulong ioba)
    {
        foreach (var w in windows)
            if (w.Covers(ioba)) return w;
        return null;
    }

    public static DmaResult Translate(IReadOnlyList<HardwareTceTable> windows, TceCache cache, ulong ioba, DmaDirection dir)
    {
        if (WindowOf(windows, ioba) is not { } table) return new DmaResult(DmaOutcome.Fault, 0);

        var entry = ioba >> table.PageShift;
        if (!cache.TryGet(table.Key, entry, out var tce))
        {
            tce = table.Read(entry);
            if (!Tce.IsClear(tce)) cache.Fill(table.Key, entry, tce);
        }
        if (!Permits(tce, dir)) return new DmaResult(DmaOutcome.Fault, 0);
        var pageMask = (1UL << table.PageShift) - 1;
        var hpa = (tce & (Tce.RpnMask << Tce.RpnShift) & ~pageMask) | (ioba & pageMask);
        return new DmaResult(DmaOutcome.Ok, hpa);
    }

    public static bool Permits(ulong tce, DmaDirection dir) => dir switch
    {
        DmaDirection.Read => Tce.AllowsRead(tce),
        DmaDirection.Write => Tce.AllowsWrite(tce),
        _ => false,
    };
}
