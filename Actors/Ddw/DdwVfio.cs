using Fabric.Host;
using Fabric.Kvm;
using Fabric.Messages;
using Fabric.Vfio;

namespace Fabric.Ddw;

/// <summary>
/// A PHB backed by VFIO follows its guest's windows on the host, as QEMU's VFIO listener does
/// (hw/vfio/spapr.c): a window the guest creates becomes VFIO_IOMMU_SPAPR_TCE_CREATE on each
/// container whose groups serve the PHB, with the largest IOMMU page the host offers up to the
/// guest's (a larger guest TCE is written as subpages), and must land at the guest window's bus
/// address; then every group (or, in the container design, the container) is linked to the new
/// LIOBN, as QEMU's KVM_DEV_VFIO_GROUP_SET_SPAPR_TCE of each group. A removed window is
/// VFIO_IOMMU_SPAPR_TCE_REMOVE of the window at its address.
/// </summary>
public static class DdwVfio
{
    /// <summary>The host side of a guest's new window: null and its events, or why the host cannot follow.</summary>
    public static (string? Failed, IFabricEvent[] Windows, IFabricEvent[] Links) Create(HostTopology host, string vm, PhbWindows phb, DmaWindow w,
        IEnumerable<SpaprTceWindowRemoved>? removedFirst = null)
    {
        var freed = (removedFirst ?? []).ToArray();
        var windows = new List<IFabricEvent>();
        var links = new List<IFabricEvent>();
        foreach (var c in Backing(host, phb))
        {
            var iommu = host.Pes[c.Groups[0]].Iommu;
            if (SpaprTceWindows.HostPageShift(iommu, w.PageShift) is not { } shift)
                return ($"container {c.Id}'s PEs ({iommu}) have no IOMMU page of 2^{w.PageShift} bytes or less", [], []);
            var size = w.Entries << w.PageShift;
            var (result, created) = SpaprTceWindows.Create(host, new CreateSpaprTceWindow(c.Id, (uint)shift, size, SpaprTceWindows.Levels(size >> shift)),
                [.. freed.Where(f => f.Container == c.Id).Select(f => f.Index)]);
            if (!result.Succeeded)
                return ($"VFIO_IOMMU_SPAPR_TCE_CREATE on container {c.Id} failed with -{result.Error}: {result.Detail}", [], []);
            var hardware = ((SpaprTceWindowCreated)created[0]).Window;
            if (hardware.BusOffset != w.BusOffset)
                return ($"container {c.Id} put the window at bus address 0x{hardware.BusOffset:x}; the guest's is at 0x{w.BusOffset:x}", [], []);
            windows.AddRange(created);
            links.AddRange(Links(host, vm, w.Liobn, c, hardware.Index));
        }
        return (null, windows.ToArray(), links.ToArray());
    }

    /// <summary>The host side of a removed window: each container's window at its address goes, with the links into it.</summary>
    public static IEnumerable<IFabricEvent> Remove(HostTopology host, PhbWindows phb, DmaWindow w) =>
        Backing(host, phb)
            .Select(c => (Container: c, Window: SpaprTceWindows.WindowHolding(c, w.BusOffset)))
            .Where(x => x.Window is not null)
            .SelectMany(x => SpaprTceWindows.Removed(host, x.Container, x.Window!))
            .ToArray();

    /// <summary>The containers serving the PHB that still have a driver and groups.</summary>
    private static IEnumerable<VfioContainer> Backing(HostTopology host, PhbWindows phb) =>
        phb.Containers.Select(id => host.Containers.GetValueOrDefault(id)).OfType<VfioContainer>().Where(c => c.HasDriver && c.Groups.Count > 0);

    private static IEnumerable<IFabricEvent> Links(HostTopology host, string vm, ulong liobn, VfioContainer c, int window)
    {
        var device = LiobnBindings.DeviceOf(host, vm);
        if (device.Design == LiobnBinding.Container) return [new ContainerBound(host.Name, vm, liobn, c.Id, window)];
        return c.Groups.Where(device.Groups.ContainsKey).Select(g => new GroupBound(vm, liobn, g, c.Id, window)).ToArray();
    }
}
